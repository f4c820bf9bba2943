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
        {{ clean_text('quantity') }} as quantity_text,
        {{ to_amount('unit_price') }} as unit_price,
        {{ clean_text('unit_price') }} as unit_price_text,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _source_loaded_at as file_loaded_at,
        _source_modified_at as file_modified_at
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
        ]) }} as quarantine_reason,
        {{ nulled_values_note(
            rules_number('quantity', 'quantity_text', 'quantity', 'whole number')
            + rules_number('unit_price', 'unit_price_text', 'unit_price')
        ) }} as nulled_values
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
        file_loaded_at,
        file_modified_at,
        quarantine_reason,
        nulled_values,
        case
            when quarantine_reason is null then {{ dedupe_rank(
                'quarantine_reason is null, order_id, line_number', latest_load_first()
            ) }}
        end as dedupe_rank
    from validated

)

select * from final
