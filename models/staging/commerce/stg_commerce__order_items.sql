{#- Stop here, naming the cause, when most of the entity's raw rows were quarantined. -#}
{{ stop_when_mostly_quarantined(ref('base_commerce__order_items'), 'commerce.order_items') }}

with validated_order_items as (

    select * from {{ ref('base_commerce__order_items') }}

),

final as (

    select
        order_id,
        line_number,
        product_id,
        category,
        quantity,
        unit_price,
        quantity * unit_price as line_amount,
        source_file
    from validated_order_items
    where quarantine_reason is null
        and dedupe_rank = 1

)

select * from final
