{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_raw') }}{% endif %}
with raw_orders as (

    select * from {{ source('commerce', 'orders') }}

),

typed as (

    select
        {{ clean_text('order_id') }} as order_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ to_utc_timestamp('order_ts') }} as ordered_at,
        {{ clean_text('order_ts') }} as order_ts_text,
        -- An export without a status column lists placed orders: those count as completed.
        coalesce({{ clean_code('status') }}, 'completed') as status,
        {{ clean_code('channel') }} as channel,
        {{ clean_code('payment_method') }} as payment_method,
        upper({{ clean_text('currency') }}) as currency,
        {{ to_amount('total_amount') }} as total_amount,
        {{ clean_text('total_amount') }} as total_amount_text,
        {{ to_amount('discount_amount') }} as discount_amount,
        _source_file as source_file,
        _source_row_number as source_row_number
    from raw_orders

),

validated as (

    select
        *,
        {{ quarantine_reason(
            [rule_required('order_id', 'order_id'),
             rule_required('customer_id', 'customer_id')]
            + rules_timestamp('ordered_at', 'order_ts_text', 'order_ts')
            + [rule_required('total_amount_text', 'total_amount'),
               ('total_amount_text is not null and total_amount is null',
                'total_amount: not numeric'),
               ("status = 'completed' and total_amount < 0",
                'total_amount: negative on a completed order'),
               ("status not in ('completed', 'cancelled', 'refunded')",
                'status: not one of completed, cancelled, refunded')]
        ) }} as quarantine_reason
    from typed

),

final as (

    select
        order_id,
        customer_id,
        ordered_at,
        status,
        channel,
        payment_method,
        currency,
        total_amount,
        discount_amount,
        source_file,
        source_row_number,
        quarantine_reason,
        case
            when quarantine_reason is null then {{ dedupe_rank(
                'quarantine_reason is null, order_id',
                'source_file desc, source_row_number desc'
            ) }}
        end as dedupe_rank
    from validated

)

select * from final
