{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_raw') }}{% endif %}
with raw_events as (

    select * from {{ source('app', 'events') }}

),

typed as (

    select
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('device_id') }} as device_id,
        {{ clean_text('user_id') }} as user_id,
        {{ clean_code('event_name') }} as event_name,
        {{ to_utc_timestamp('event_ts') }} as event_at,
        {{ clean_text('event_ts') }} as event_ts_text,
        {{ clean_code('feature') }} as feature,
        {{ clean_text('screen') }} as screen,
        {{ clean_code('platform') }} as platform,
        {{ clean_text('app_version') }} as app_version,
        {{ to_utc_timestamp('received_at') }} as received_at,
        _source_file as source_file,
        _source_row_number as source_row_number
    from raw_events

),

validated as (

    select
        *,
        {{ quarantine_reason(
            [rule_required('event_id', 'event_id'),
             rule_required('device_id', 'device_id'),
             rule_required('event_name', 'event_name')]
            + rules_timestamp('event_at', 'event_ts_text', 'event_ts')
        ) }} as quarantine_reason
    from typed

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
        source_row_number,
        quarantine_reason,
        case
            when quarantine_reason is null then {{ dedupe_rank(
                'quarantine_reason is null, event_id',
                'received_at desc nulls last, source_file desc, source_row_number desc'
            ) }}
        end as dedupe_rank
    from validated

)

select * from final
