{{
    config(
        materialized=keyed_incremental_materialization(),
        unique_key='person_id',
        incremental_strategy='delete+insert',
        pre_hook=[
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

    Incremental by person: a run recomputes the whole timeline of every person who has new
    arrivals (within `late_arrival_days` of the high-water mark) or whose set of identifiers
    changed since the last run (a cookie newly stitched to them), and drops persons that no longer
    exist (merged into another). So incremental runs equal a full refresh.
#}

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

events_with_person as {{ not_materialized() }} (

    -- A logged-in event belongs to the user even on a shared device; otherwise to the person
    -- of the cookie or device.
    select
        events.*,
        coalesce(user_identity.person_id, device_identity.person_id) as person_id
    from events
    left join identity_map as user_identity
        on user_identity.identifier_type = 'user_id'
        and user_identity.identifier = events.user_id
    left join identity_map as device_identity
        on device_identity.identifier_type = events.identifier_type
        and device_identity.identifier = events.identifier

),

{% if is_incremental() %}
touched_persons as (

    select person_id
    from events_with_person
    where arrived_at >= {{ arrival_watermark() }}

    union

    select person_fingerprints.person_id
    from person_fingerprints
    left join (
        select distinct person_id, person_fingerprint from {{ this }}
    ) as processed
        on processed.person_id = person_fingerprints.person_id
        and processed.person_fingerprint = person_fingerprints.person_fingerprint
    where processed.person_id is null

),
{% endif %}

events_to_sessionise as (

    select events_with_person.*
    from events_with_person
    {% if is_incremental() %}
    inner join touched_persons
        on touched_persons.person_id = events_with_person.person_id
    {% endif %}

),

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
        sum(is_session_start) over (
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
        sessions_numbered.page_url,
        sessions_numbered.product_id,
        sessions_numbered.category,
        sessions_numbered.price,
        sessions_numbered.scroll_depth,
        sessions_numbered.time_on_page_s,
        sessions_numbered.device,
        sessions_numbered.feature,
        -- Which run (re)computed this person, so downstream models rebuild the same persons.
        '{{ invocation_id }}' as sessionised_invocation_id
    from sessions_numbered
    inner join person_fingerprints
        on person_fingerprints.person_id = sessions_numbered.person_id

)

select * from final
