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
        {{ clean_text('discount_amount') }} as discount_amount_text,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _source_loaded_at as file_loaded_at,
        _source_modified_at as file_modified_at
    from raw_orders

),

validated as (

    select
        *,
        {{ quarantine_reason(
            [rule_required('order_id', 'order_id'),
             rule_required('customer_id', 'customer_id')]
            + rules_timestamp('ordered_at', 'order_ts_text', 'order_ts',
                arrival='file_loaded_at', arrival_label='the first load of its file')
            + [rule_required('total_amount_text', 'total_amount'),
               (is_non_finite('total_amount_text'), 'total_amount: not a finite number'),
               ('total_amount_text is not null and total_amount is null and not '
                ~ is_non_finite('total_amount_text'), 'total_amount: not numeric'),
               ("status = 'completed' and total_amount < 0",
                'total_amount: negative on a completed order'),
               ("status not in ('completed', 'cancelled', 'refunded')",
                'status: not one of completed, cancelled, refunded')]
        ) }} as quarantine_reason,
        {{ nulled_values_note(
            rules_number('discount_amount', 'discount_amount_text', 'discount_amount')
        ) }} as nulled_values
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
        file_loaded_at,
        file_modified_at,
        quarantine_reason,
        nulled_values,
        case
            when quarantine_reason is null then {{ dedupe_rank(
                'quarantine_reason is null, order_id', latest_load_first()
            ) }}
        end as dedupe_rank
    from validated

)

select * from final
