{#
    Per person (identity-stitched), session and event behavior as of the as-of date. Rates use the
    last `engagement_window_days`; recency uses the whole history.
#}

with sessions as (

    select * from {{ ref('fct_sessions') }}

),

sessionised_events as (

    select * from {{ ref('int_events_sessionised') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

window_start as (

    select
        as_of_at,
        as_of_date,
        {{ dateadd_exact('day', -1 * var('engagement_window_days'), 'as_of_at') }} as window_start_at
    from as_of

),

sessions_until_as_of as (

    select
        sessions.*,
        sessions.session_start_at > window_start.window_start_at as is_in_window,
        window_start.as_of_at,
        window_start.as_of_date
    from sessions
    cross join window_start
    where sessions.session_start_at <= window_start.as_of_at

),

events_in_window as (

    select sessionised_events.*
    from sessionised_events
    cross join window_start
    where sessionised_events.event_at <= window_start.as_of_at
        and sessionised_events.event_at > window_start.window_start_at

),

session_facts as (

    select
        person_id,
        min(session_start_at) as first_session_at,
        max(session_start_at) as last_session_at,
        max(as_of_date) as as_of_date,
        {{ count_where("is_in_window") }} as sessions_in_window,
        avg(case when is_in_window then duration_seconds end) as avg_session_duration_s,
        avg(case when is_in_window then page_views end) as pages_per_session,
        avg(case when is_in_window then avg_scroll_depth end) as avg_scroll_depth,
        {{ count_where("is_in_window and cart_adds > 0") }} as cart_sessions,
        {{ count_where("is_in_window and cart_adds > 0 and not has_purchase") }}
            as abandoned_cart_sessions,
        -- A purchase after the as-of date has not happened yet.
        avg(case when is_in_window and first_purchase_at <= as_of_at then
            {{ float_divide(datediff_exact('session_start_at', 'first_purchase_at', 'second'), '60.0') }}
        end) as browse_to_buy_minutes
    from sessions_until_as_of
    group by person_id

),

event_facts as (

    select
        person_id,
        {{ count_distinct("feature") }} as distinct_features_used,
        {{ count_distinct("category") }} as distinct_categories_viewed,
        {{ share_where("source = 'app'") }} as app_share
    from events_in_window
    group by person_id

),

final as (

    select
        session_facts.person_id,
        session_facts.first_session_at,
        session_facts.last_session_at,
        session_facts.sessions_in_window,
        {{ float_divide('session_facts.sessions_in_window * 7.0', var('engagement_window_days')) }}
            as sessions_per_week,
        {{ datediff_exact('cast(session_facts.last_session_at as date)', 'session_facts.as_of_date', 'day') }}
            as days_since_last_session,
        session_facts.avg_session_duration_s,
        session_facts.pages_per_session,
        session_facts.avg_scroll_depth,
        coalesce(event_facts.distinct_features_used, 0) as distinct_features_used,
        coalesce(event_facts.distinct_categories_viewed, 0) as distinct_categories_viewed,
        event_facts.app_share,
        session_facts.browse_to_buy_minutes,
        case
            when session_facts.cart_sessions > 0
                then {{ float_divide(
                    'session_facts.abandoned_cart_sessions * 1.0', 'session_facts.cart_sessions'
                ) }}
        end as cart_abandonment_rate
    from session_facts
    left join event_facts
        on event_facts.person_id = session_facts.person_id

)

select * from final
