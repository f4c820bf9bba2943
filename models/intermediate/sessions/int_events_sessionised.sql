{{
    config(
        materialized=keyed_incremental_materialization(),
        unique_key='event_key',
        incremental_strategy='delete+insert',
        post_hook=[
            "{% if is_incremental() %}
             delete from {{ this }}
             where person_id not in (select person_id from {{ ref('identity_map') }})
             {% endif %}"
        ],
    )
}}

{#
    Every event attributed to a person and cut into sessions: a gap of more than
    `session_timeout_minutes` between two consecutive events of one person (on any device)
    starts a new session.

    Incremental by event, resuming each touched timeline at its last unaffected session:

    * arrivals are the events loaded into staging since the last run (`loaded_at`), however
      late they happened;
    * a person with arrivals is re-cut from the start of their last session that began at or
      before the earliest arrival (or before where a re-sent event used to be): more than the
      timeout separates every earlier session from that moment, so nothing before it can change,
      and session numbers continue from there;
    * a person whose identifier set changed (a cookie newly stitched to them), a new person, and
      a person an arrival moved away from (a re-sent event now attributed to someone else) are
      re-cut whole;
    * the events re-cut are the arrivals plus the rows this table already holds for those
      timelines (found by person, or by identifier for persons re-cut whole), so a run reads
      about one day of events, not the whole event history;
    * the rows written replace earlier rows of the same event (delete+insert on event_key), and
      rows of persons that no longer exist (merged into another) are deleted afterwards.

    So an incremental run equals a full refresh. The event_type_map is applied when an event
    is first sessionised: after editing the seed, run `--full-refresh`.
#}

{#- The event columns carried from int_events_unified (and kept in this table). -#}
{%- set event_columns = [
    'event_key',
    'source',
    'event_id',
    'identifier_type',
    'identifier',
    'user_id',
    'event_type',
    'journey_state',
    'is_page_view',
    'is_product_view',
    'is_search',
    'is_cart_add',
    'is_checkout',
    'is_purchase',
    'event_at',
    'arrived_at',
    'loaded_at',
    'page_url',
    'product_id',
    'category',
    'price',
    'scroll_depth',
    'time_on_page_s',
    'device',
    'feature',
] -%}

with events as {{ not_materialized() }} (

    select * from {{ ref('int_events_unified') }}

),

identity_map as (

    select * from {{ ref('identity_map') }}

),

person_fingerprints as (

    select
        person_id,
        md5({{ sorted_listagg("identifier_type || ':' || identifier", "','") }})
            as person_fingerprint
    from identity_map
    group by person_id

),

{% if is_incremental() %}
previously_sessionised as {{ not_materialized() }} (

    select * from {{ this }}

),

loaded_since_last_run as (

    -- New events, late ones and re-sent copies.
    select *
    from events
    where loaded_at > {{ high_water_mark('loaded_at') }}

),

arrived_events as (

    {{ select_with_person('loaded_since_last_run', event_columns) }}

),

earlier_copies as (

    -- Where re-sent events were sessionised before.
    select event_key, person_id, event_at
    from previously_sessionised
    where event_key in (select event_key from arrived_events)

),

persons_recut_whole as (

    -- New persons and persons whose identifier set changed.
    select person_fingerprints.person_id
    from person_fingerprints
    left join (
        select distinct person_id, person_fingerprint from previously_sessionised
    ) as processed
        on processed.person_id = person_fingerprints.person_id
        and processed.person_fingerprint = person_fingerprints.person_fingerprint
    where processed.person_id is null

    union

    -- Persons a re-sent event moved away from.
    select earlier_copies.person_id
    from earlier_copies
    inner join arrived_events
        on arrived_events.event_key = earlier_copies.event_key
    where coalesce(arrived_events.person_id, '') <> earlier_copies.person_id

),

earliest_changes as (

    select
        person_id,
        min(event_at) as changed_from
    from (
        select person_id, event_at from arrived_events
        union all
        select person_id, event_at from earlier_copies
    ) as changes
    where person_id is not null
        and person_id not in (select person_id from persons_recut_whole)
    group by person_id

),

resume_points as (

    -- The last session that began at or before the change (none: the whole timeline).
    select
        earliest_changes.person_id,
        max(session_starts.event_at) as resume_from,
        coalesce(max(session_starts.session_number) - 1, 0) as sessions_before
    from earliest_changes
    left join previously_sessionised as session_starts
        on session_starts.person_id = earliest_changes.person_id
        and session_starts.is_session_start
        and session_starts.event_at <= earliest_changes.changed_from
    group by earliest_changes.person_id

),

identifiers_recut_whole as (

    select identity_map.identifier_type, identity_map.identifier
    from identity_map
    inner join persons_recut_whole
        on persons_recut_whole.person_id = identity_map.person_id

),

earlier_rows_to_recut as {{ materialized_cte() }} (

    -- One pass over this table: the rows of resumed timelines from their resume point on, and
    -- every row one of the identifiers of a person re-cut whole names (it may belong to them
    -- now: merged in, re-stitched). Re-sent events are left out: their arrival replaces them.
    select previously_sessionised.*
    from previously_sessionised
    left join resume_points
        on resume_points.person_id = previously_sessionised.person_id
    where (
        (
            resume_points.person_id is not null
            and (
                resume_points.resume_from is null
                or previously_sessionised.event_at >= resume_points.resume_from
            )
        )
        or previously_sessionised.user_id in (
            select identifier from identifiers_recut_whole where identifier_type = 'user_id'
        )
        or previously_sessionised.identifier in (
            select identifier from identifiers_recut_whole where identifier_type <> 'user_id'
        )
    )
        and previously_sessionised.event_key not in (select event_key from arrived_events)

),

earlier_rows_of_recut_persons as (

    {{ select_with_person('earlier_rows_to_recut', event_columns) }}

),

events_to_sessionise as (

    -- Resumed timelines: their rows from the resume point on.
    select
        {%- for column in event_columns %}
        earlier_rows_to_recut.{{ column }},
        {%- endfor %}
        earlier_rows_to_recut.person_id,
        resume_points.sessions_before
    from earlier_rows_to_recut
    inner join resume_points
        on resume_points.person_id = earlier_rows_to_recut.person_id
    where resume_points.resume_from is null
        or earlier_rows_to_recut.event_at >= resume_points.resume_from

    union all

    -- Timelines re-cut whole: every row that belongs to them now.
    select
        {%- for column in event_columns %}
        earlier_rows_of_recut_persons.{{ column }},
        {%- endfor %}
        earlier_rows_of_recut_persons.person_id,
        0 as sessions_before
    from earlier_rows_of_recut_persons
    inner join persons_recut_whole
        on persons_recut_whole.person_id = earlier_rows_of_recut_persons.person_id

    union all

    -- The arrivals themselves (at or after their person's resume point by construction).
    select
        {%- for column in event_columns %}
        arrived_events.{{ column }},
        {%- endfor %}
        arrived_events.person_id,
        coalesce(resume_points.sessions_before, 0) as sessions_before
    from arrived_events
    left join resume_points
        on resume_points.person_id = arrived_events.person_id
    where arrived_events.person_id is not null

),
{% else %}
events_to_sessionise as (

    select
        events_with_person.*,
        0 as sessions_before
    from ({{ select_with_person('events', event_columns) }}) as events_with_person

),
{% endif %}

events_with_gaps as (

    select
        *,
        lag(event_at) over (
            partition by person_id order by event_at, event_key
        ) as previous_event_at
    from events_to_sessionise

),

session_starts_flagged as (

    select
        *,
        case
            when previous_event_at is null then 1
            when {{ datediff_exact('previous_event_at', 'event_at', 'millisecond') }}
                > {{ var('session_timeout_minutes') }} * 60 * 1000 then 1
            else 0
        end as is_session_start
    from events_with_gaps

),

sessions_numbered as (

    select
        *,
        sessions_before + sum(is_session_start) over (
            partition by person_id order by event_at, event_key
            rows between unbounded preceding and current row
        ) as session_number,
        -- Same window as session_number, so one sort computes both.
        {{ last_value_ignoring_nulls("case when is_session_start = 1 then event_key end") }} over (
            partition by person_id order by event_at, event_key
            rows between unbounded preceding and current row
        ) as session_first_event_key
    from session_starts_flagged

),

final as (

    select
        sessions_numbered.event_key,
        sessions_numbered.person_id,
        person_fingerprints.person_fingerprint,
        -- Deterministic: the person and the key of the session's first event.
        md5(
            sessions_numbered.person_id || ':' || sessions_numbered.session_first_event_key
        ) as session_id,
        sessions_numbered.session_number,
        sessions_numbered.is_session_start = 1 as is_session_start,
        sessions_numbered.source,
        sessions_numbered.event_id,
        sessions_numbered.identifier_type,
        sessions_numbered.identifier,
        sessions_numbered.user_id,
        sessions_numbered.event_type,
        sessions_numbered.journey_state,
        sessions_numbered.is_page_view,
        sessions_numbered.is_product_view,
        sessions_numbered.is_search,
        sessions_numbered.is_cart_add,
        sessions_numbered.is_checkout,
        sessions_numbered.is_purchase,
        sessions_numbered.event_at,
        sessions_numbered.arrived_at,
        sessions_numbered.loaded_at,
        sessions_numbered.page_url,
        sessions_numbered.product_id,
        sessions_numbered.category,
        sessions_numbered.price,
        sessions_numbered.scroll_depth,
        sessions_numbered.time_on_page_s,
        sessions_numbered.device,
        sessions_numbered.feature,
        -- Which run (re)computed this row, so downstream models rebuild the same sessions.
        '{{ invocation_id }}' as sessionised_invocation_id
    from sessions_numbered
    inner join person_fingerprints
        on person_fingerprints.person_id = sessions_numbered.person_id

)

select * from final
