{#
    Per customer, completed-order facts as of the as-of date (int_conversions_unified: the
    orders, or the purchase events when no orders entity is loaded): lifetime first/last order and,
    within `rfm_window_days`, frequency and monetary value (net revenue after discounts; refunded
    and cancelled orders count zero).
#}

with orders as (

    select * from {{ ref('int_conversions_unified') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

orders_until_as_of as (

    select
        orders.*,
        cast(orders.ordered_at as date)
            > {{ dateadd_exact('day', -1 * var('rfm_window_days'), 'as_of.as_of_date') }}
            as is_in_rfm_window,
        as_of.as_of_date
    from orders
    cross join as_of
    where orders.ordered_at <= as_of.as_of_at

),

busiest_order_days as (

    -- Order bursts (many orders in one day) are a fraud signal ordinary shoppers never show.
    select
        customer_id,
        max(orders_on_day) as max_orders_in_a_day
    from (
        select customer_id, cast(ordered_at as date) as order_date, count(*) as orders_on_day
        from orders_until_as_of
        group by customer_id, cast(ordered_at as date)
    ) as orders_per_day
    group by customer_id

),

order_facts as (

    select
        customer_id,
        count(*) as orders_placed,
        {{ count_where("is_completed") }} as lifetime_completed_orders,
        cast(sum(net_revenue) as decimal(18, 2)) as lifetime_net_revenue,
        cast(sum(refunded_amount) as decimal(18, 2)) as lifetime_refunded_amount,
        min(case when is_completed then ordered_at end) as first_completed_order_at,
        max(case when is_completed then ordered_at end) as last_completed_order_at,
        {{ count_where("is_completed and is_in_rfm_window") }} as frequency,
        cast(coalesce(sum(case when is_in_rfm_window then net_revenue end), 0) as decimal(18, 2))
            as monetary,
        {{ count_where("status = 'refunded'") }} as refunded_orders,
        {{ share_where('discount_amount > 0', among='is_completed') }} as discounted_order_share,
        {{ datediff_exact(
            'cast(max(case when is_completed then ordered_at end) as date)',
            'max(as_of_date)', 'day'
        ) }} as recency_days,
        case
            when {{ count_where("is_completed") }} > 1 then
                {{ float_divide(datediff_exact(
                    'min(case when is_completed then ordered_at end)',
                    'max(case when is_completed then ordered_at end)', 'second'
                ), '86400.0') }} / ({{ count_where("is_completed") }} - 1)
        end as mean_days_between_orders,
        1 - {{ float_divide(count_where("is_completed") ~ ' * 1.0', 'count(*)') }}
            as unfulfilled_order_share
    from orders_until_as_of
    group by customer_id

),

final as (

    select
        order_facts.*,
        busiest_order_days.max_orders_in_a_day
    from order_facts
    inner join busiest_order_days
        on busiest_order_days.customer_id = order_facts.customer_id

)

select * from final
