{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_staging') }}{% endif %}
{{
    config(
        materialized=keyed_incremental_materialization(),
        unique_key='event_key',
        incremental_strategy='delete+insert',
    )
}}

{#
    Web and app events in one vocabulary (seed event_type_map), one row per event. Incremental on
    arrival time: each run re-reads `late_arrival_days` before the high-water mark, and an event
    re-sent with new content replaces its earlier copy (delete+insert on event_key).
#}

with web_events as (

    select * from {{ ref('stg_web__events') }}

),

app_events as (

    select * from {{ ref('stg_app__events') }}

),

event_type_map as (

    select * from {{ ref('event_type_map') }}

),

web_events_shaped as (

    select
        'web' as source,
        event_id,
        'anonymous_id' as identifier_type,
        anonymous_id as identifier,
        user_id,
        event_type as raw_event_type,
        event_at,
        coalesce(received_at, event_at) as arrived_at,
        page_url,
        product_id,
        category,
        price,
        scroll_depth,
        time_on_page_s,
        device_type as device,
        cast(null as {{ dbt.type_string() }}) as feature
    from web_events

),

app_events_shaped as (

    select
        'app' as source,
        event_id,
        'device_id' as identifier_type,
        device_id as identifier,
        user_id,
        event_name as raw_event_type,
        event_at,
        coalesce(received_at, event_at) as arrived_at,
        screen as page_url,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as category,
        cast(null as double) as price,
        cast(null as integer) as scroll_depth,
        cast(null as double) as time_on_page_s,
        platform as device,
        feature
    from app_events

),

all_events as (

    select * from web_events_shaped
    union all
    select * from app_events_shaped

),

new_events as (

    select *
    from all_events
    {% if is_incremental() %}
    where arrived_at >= {{ arrival_watermark() }}
    {% endif %}

),

final as (

    select
        new_events.source || ':' || new_events.event_id as event_key,
        new_events.source,
        new_events.event_id,
        new_events.identifier_type,
        new_events.identifier,
        new_events.user_id,
        coalesce(event_type_map.event_type, new_events.raw_event_type) as event_type,
        new_events.raw_event_type,
        event_type_map.journey_state,
        coalesce(event_type_map.is_page_view, false) as is_page_view,
        coalesce(event_type_map.is_product_view, false) as is_product_view,
        coalesce(event_type_map.is_search, false) as is_search,
        coalesce(event_type_map.is_cart_add, false) as is_cart_add,
        coalesce(event_type_map.is_checkout, false) as is_checkout,
        coalesce(event_type_map.is_purchase, false) as is_purchase,
        new_events.event_at,
        new_events.arrived_at,
        new_events.page_url,
        new_events.product_id,
        new_events.category,
        new_events.price,
        new_events.scroll_depth,
        new_events.time_on_page_s,
        new_events.device,
        new_events.feature
    from new_events
    left join event_type_map
        on event_type_map.source = new_events.source
        and event_type_map.raw_event_type = new_events.raw_event_type

)

select * from final
