{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_raw') }}{% endif %}
with raw_order_items as (

    select * from {{ source('commerce', 'order_items') }}

),

typed as (

    select
        {{ clean_text('order_id') }} as order_id,
        {{ to_integer('line_number') }} as line_number,
        {{ clean_text('line_number') }} as line_number_text,
        {{ clean_text('product_id') }} as product_id,
        {{ clean_text('category') }} as category,
        {{ to_integer('quantity') }} as quantity,
        {{ to_amount('unit_price') }} as unit_price,
        _source_file as source_file,
        _source_row_number as source_row_number
    from raw_order_items

),

validated as (

    select
        *,
        {{ quarantine_reason([
            rule_required('order_id', 'order_id'),
            rule_required('line_number_text', 'line_number'),
            ('line_number_text is not null and line_number is null',
             'line_number: not a whole number'),
            ('quantity < 0', 'quantity: negative'),
            ('unit_price < 0', 'unit_price: negative'),
        ]) }} as quarantine_reason
    from typed

),

final as (

    select
        order_id,
        line_number,
        product_id,
        category,
        quantity,
        unit_price,
        source_file,
        source_row_number,
        quarantine_reason,
        case
            when quarantine_reason is null then {{ dedupe_rank(
                'quarantine_reason is null, order_id, line_number',
                'source_file desc, source_row_number desc'
            ) }}
        end as dedupe_rank
    from validated

)

select * from final
