{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_raw') }}{% endif %}
with raw_events as (

    select * from {{ source('web', 'events') }}

),

typed as (

    select
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('anonymous_id') }} as anonymous_id,
        {{ clean_text('user_id') }} as user_id,
        {{ clean_code('event_type') }} as event_type,
        {{ to_utc_timestamp('event_ts') }} as event_at,
        {{ clean_text('event_ts') }} as event_ts_text,
        {{ clean_text('page_url') }} as page_url,
        {{ clean_text('referrer') }} as referrer,
        {{ clean_text('product_id') }} as product_id,
        {{ clean_text('category') }} as category,
        {{ to_double('price') }} as price,
        {{ to_integer('scroll_depth') }} as scroll_depth,
        {{ to_double('time_on_page_s') }} as time_on_page_s,
        {{ clean_code('device_type') }} as device_type,
        {{ clean_text('user_agent') }} as user_agent,
        {{ clean_text('ip') }} as ip_hash,
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
             ('anonymous_id is null and user_id is null',
              'anonymous_id: required value is missing and there is no user_id'),
             rule_required('event_type', 'event_type')]
            + rules_timestamp('event_at', 'event_ts_text', 'event_ts')
        ) }} as quarantine_reason
    from typed

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
