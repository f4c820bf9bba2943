{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_staging') }}{% endif %}

{#
    Web and app events in one vocabulary (seed event_type_map), one row per event. A view: it
    renames and maps, so the 10M-row event volume is not written again; int_events_sessionised
    reads it (incrementally, on arrival time) and materializes the result.
#}

with web_events as (

    select * from {{ ref('stg_web__events') }}

),

app_events as (

    select * from {{ ref('stg_app__events') }}

),

event_type_map as (

    select * from {{ ref('int_event_type_map') }}

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
        loaded_at,
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
        loaded_at,
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


final as (

    select
        all_events.source || ':' || all_events.event_id as event_key,
        all_events.source,
        all_events.event_id,
        all_events.identifier_type,
        all_events.identifier,
        all_events.user_id,
        coalesce(event_type_map.event_type, all_events.raw_event_type) as event_type,
        all_events.raw_event_type,
        event_type_map.journey_state,
        coalesce(event_type_map.is_page_view, false) as is_page_view,
        coalesce(event_type_map.is_product_view, false) as is_product_view,
        coalesce(event_type_map.is_search, false) as is_search,
        coalesce(event_type_map.is_cart_add, false) as is_cart_add,
        coalesce(event_type_map.is_checkout, false) as is_checkout,
        coalesce(event_type_map.is_purchase, false) as is_purchase,
        all_events.event_at,
        all_events.arrived_at,
        all_events.loaded_at,
        all_events.page_url,
        all_events.product_id,
        all_events.category,
        all_events.price,
        all_events.scroll_depth,
        all_events.time_on_page_s,
        all_events.device,
        all_events.feature
    from all_events
    left join event_type_map
        on event_type_map.source = all_events.source
        and event_type_map.raw_event_type = all_events.raw_event_type

)

select * from final
