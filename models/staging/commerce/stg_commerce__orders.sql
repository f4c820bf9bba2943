{#- Stop here, naming the cause, when most of the entity's raw rows were quarantined. -#}
{{ stop_when_mostly_quarantined(ref('base_commerce__orders'), 'commerce.orders') }}

with validated_orders as (

    select * from {{ ref('base_commerce__orders') }}

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
        source_file
    from validated_orders
    where quarantine_reason is null
        and dedupe_rank = 1

)

select * from final
