{#
    The transactions of the purchase-count models (BG/NBD, Pareto/NBD, Gamma-Gamma): one row per
    customer and day with a purchase, the literature's convention (several orders on one day
    count once). They are the completed conversions of int_conversions_unified: the completed
    orders, or, in a data set without an orders entity, the purchase events of the customer
    their person is stitched to, with the day's summed price as the amount (null when no event
    carries one).
#}

with conversions as (

    select * from {{ ref('int_conversions_unified') }}

),

final as (

    select
        customer_id,
        cast(ordered_at as date) as transaction_date,
        count(*) as transactions,
        cast(sum(net_revenue) as double) as amount,
        conversion_source as transaction_source
    from conversions
    where is_completed
    group by customer_id, cast(ordered_at as date), conversion_source

)

select * from final
