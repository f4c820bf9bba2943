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


{% macro sessionised_in_this_run() -%}
    {{ written_in_this_run('sessionised_invocation_id', 'invocation_id') }}
{%- endmacro %}


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
