{#- Stop here, naming the cause, when most of the entity's raw rows were quarantined. -#}
{{ stop_when_mostly_quarantined(ref('base_web__events'), 'web.events') }}

with validated_events as (

    select * from {{ ref('base_web__events') }}

),

final as (

    select
        event_id,
        anonymous_id,
        user_id,
        event_type,
        event_at,
        page_url,
        referrer,
        product_id,
        category,
        price,
        scroll_depth,
        time_on_page_s,
        device_type,
        user_agent,
        ip_hash,
        received_at,
        source_file,
        loaded_at
    from validated_events
    where quarantine_reason is null
        and dedupe_rank = 1

)

select * from final
