{#-
    Session-level incremental models (fct_sessions, int_journey_steps) rebuild the sessions
    int_events_sessionised (re)computed in this run. int_events_sessionised re-cuts a person's
    timeline from one of their session starts onwards (or whole), so before the new rows go in,
    a pre-hook deletes, in the model's table, every session that may have changed: the sessions
    of persons that no longer have any event, and each re-cut person's sessions starting at or
    after the earliest event re-cut in this run. Sessions that merged, split or got a new first
    event leave no stale row behind.
-#}
{% macro delete_recut_sessions(person_column='person_id', start_column='session_start_at') -%}
    {%- set sessionised = ref('int_events_sessionised') -%}
    delete from {{ this }}
    where {{ person_column }} not in (select distinct person_id from {{ sessionised }})
        or exists (
            select 1
            from (
                select person_id, min(event_at) as recut_from
                from {{ sessionised }}
                where {{ sessionised_in_this_run() }}
                group by person_id
            ) as recut
            where recut.person_id = {{ this }}.{{ person_column }}
                and {{ this }}.{{ start_column }} >= recut.recut_from
        )
{%- endmacro %}


{#- Rows of int_events_sessionised (re)computed in this run: an incremental model's batch. -#}
{% macro sessionised_in_this_run() -%}
    {{ written_in_this_run('sessionised_invocation_id', 'invocation_id') }}
{%- endmacro %}


{#-
    `select` of the listed columns of `events` (a CTE of events with identifier_type,
    identifier and user_id) and each event's person: a logged-in event belongs to its user's
    person even on a shared device (a store kiosk); otherwise to the person of its cookie or app
    device.
-#}
{% macro select_with_person(events, columns, identity_map='identity_map') -%}
    select
        {%- for column in columns %}
        {{ events }}.{{ column }},
        {%- endfor %}
        coalesce(user_identity.person_id, device_identity.person_id) as person_id
    from {{ events }}
    left join {{ identity_map }} as user_identity
        on user_identity.identifier_type = 'user_id'
        and user_identity.identifier = {{ events }}.user_id
    left join {{ identity_map }} as device_identity
        on device_identity.identifier_type = {{ events }}.identifier_type
        and device_identity.identifier = {{ events }}.identifier
{%- endmacro %}
