{{
    config(
        materialized=keyed_incremental_materialization(),
        unique_key='session_id',
        incremental_strategy='delete+insert',
        pre_hook=["{% if is_incremental() %}{{ delete_recut_sessions() }}{% endif %}"],
    )
}}

{#
    One row per session (web and app events of one person, cut at `session_timeout_minutes` of
    inactivity). Incremental by session: a run aggregates the sessions int_events_sessionised
    (re)computed in it, after deleting the sessions that re-cut may have changed
    (macro delete_recut_sessions).
#}

with sessionised_events as (

    select * from {{ ref('int_events_sessionised') }}

),

identity_map as (

    select * from {{ ref('identity_map') }}

),

person_customers as (

    {{ person_customers('identity_map') }}

),

events_in_batch as (

    select *
    from sessionised_events
    {% if is_incremental() %}
    where {{ sessionised_in_this_run() }}
    {% endif %}

),

session_aggregates as (

    select
        session_id,
        person_id,
        min(event_at) as session_start_at,
        max(event_at) as session_end_at,
        count(*) as events,
        {{ count_where("is_page_view") }} as page_views,
        {{ count_where("is_product_view") }} as product_views,
        {{ count_where("is_search") }} as searches,
        {{ count_where("is_cart_add") }} as cart_adds,
        max(case when is_checkout then 1 else 0 end) = 1 as has_checkout,
        max(case when is_purchase then 1 else 0 end) = 1 as has_purchase,
        min(case when is_cart_add then event_at end) as first_cart_add_at,
        min(case when is_purchase then event_at end) as first_purchase_at,
        -- Exactly one event of a session starts it.
        max(case when is_session_start then page_url end) as landing_page,
        max(case when is_session_start then source end) as landing_source,
        {{ sorted_listagg(
            "source || ':' || coalesce(device, 'unknown')", "', '", distinct=true
        ) }} as devices,
        {{ count_distinct("identifier_type || ':' || identifier") }} as identifier_count,
        {{ count_distinct('source') }} as source_count,
        max(case when user_id is not null then 1 else 0 end) = 1 as is_logged_in,
        avg(scroll_depth) as avg_scroll_depth,
        {{ count_distinct('category') }} as categories_viewed,
        {{ count_distinct('feature') }} as features_used
    from events_in_batch
    group by session_id, person_id

),

final as (

    select
        session_aggregates.session_id,
        session_aggregates.person_id,
        person_customers.customer_id,
        session_aggregates.session_start_at,
        session_aggregates.session_end_at,
        {{ float_divide(datediff_exact(
            'session_aggregates.session_start_at', 'session_aggregates.session_end_at', 'millisecond'
        ), '1000.0') }} as duration_seconds,
        session_aggregates.events,
        session_aggregates.page_views,
        session_aggregates.product_views,
        session_aggregates.searches,
        session_aggregates.cart_adds,
        session_aggregates.has_checkout,
        session_aggregates.has_purchase,
        session_aggregates.is_logged_in,
        session_aggregates.identifier_count,
        session_aggregates.source_count > 1 as is_cross_device,
        session_aggregates.devices,
        session_aggregates.landing_page,
        session_aggregates.landing_source,
        {{ float_divide(datediff_exact(
            'session_aggregates.session_start_at', 'session_aggregates.first_cart_add_at', 'millisecond'
        ), '60000.0') }} as minutes_to_first_cart_add,
        session_aggregates.first_purchase_at,
        session_aggregates.avg_scroll_depth,
        session_aggregates.categories_viewed,
        session_aggregates.features_used
    from session_aggregates
    left join person_customers
        on person_customers.person_id = session_aggregates.person_id

)

select * from final
