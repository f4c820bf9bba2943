{#- Stop here, naming the cause, when most of the entity's raw rows were quarantined. -#}
{{ stop_when_mostly_quarantined(ref('base_app__events'), 'app.events') }}

with validated_events as (

    select * from {{ ref('base_app__events') }}

),

final as (

    select
        event_id,
        device_id,
        user_id,
        event_name,
        event_at,
        feature,
        screen,
        platform,
        app_version,
        received_at,
        source_file,
        loaded_at
    from validated_events
    where quarantine_reason is null
        and dedupe_rank = 1

)

select * from final
