{#
    Daily activity per customer segment and overall ('all': every session, anonymous visitors
    included): active customers, sessions, completed orders, net revenue and session conversion
    rate, one row per segment and calendar day with zeros on quiet days. Customers count in their
    current segment over the whole history, so a segment's series shows how its people behave.
    Orders are int_conversions_unified's: the orders, or the purchase events without an orders
    entity.
#}

with sessions as (

    select * from {{ ref('fct_sessions') }}

),

orders as (

    select * from {{ ref('int_conversions_unified') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

segments as (

    select distinct
        cast(segment_id as {{ dbt.type_string() }}) as segment_id,
        segment_name
    from customer_segments
    union all
    select 'all' as segment_id, 'All customers' as segment_name

),

activity_events as (

    select
        cast(sessions.session_start_at as date) as activity_date,
        sessions.customer_id,
        sessions.person_id,
        1 as is_session,
        case when sessions.has_purchase then 1 else 0 end as is_purchase_session,
        0 as is_order,
        0 as revenue
    from sessions

    union all

    select
        cast(orders.ordered_at as date) as activity_date,
        orders.customer_id,
        orders.person_id,
        0 as is_session,
        0 as is_purchase_session,
        1 as is_order,
        orders.net_revenue as revenue
    from orders
    where orders.is_completed

),

activity_segmented as (

    select
        activity_events.*,
        cast(customer_segments.segment_id as {{ dbt.type_string() }}) as segment_id
    from activity_events
    left join customer_segments
        on customer_segments.customer_id = activity_events.customer_id

),

activity_by_scope as (

    select activity_date, segment_id, customer_id, person_id, is_session,
        is_purchase_session, is_order, revenue
    from activity_segmented
    where segment_id is not null
    union all
    select activity_date, 'all' as segment_id, customer_id, person_id, is_session,
        is_purchase_session, is_order, revenue
    from activity_segmented

),

daily_totals as (

    select
        segment_id,
        activity_date,
        count(distinct coalesce(customer_id, person_id)) as active_customers,
        sum(is_session) as sessions,
        sum(is_purchase_session) as purchase_sessions,
        sum(is_order) as orders,
        sum(revenue) as revenue
    from activity_by_scope
    group by segment_id, activity_date

),

calendar as (

    {{ date_spine(
        '(select min(activity_date) from activity_events)',
        '(select max(activity_date) from activity_events)'
    ) }}

),

final as (

    select
        segments.segment_id,
        segments.segment_name,
        calendar.date_day as activity_date,
        cast(coalesce(daily_totals.active_customers, 0) as bigint) as active_customers,
        cast(coalesce(daily_totals.sessions, 0) as bigint) as sessions,
        cast(coalesce(daily_totals.orders, 0) as bigint) as orders,
        cast(coalesce(daily_totals.revenue, 0) as decimal(18, 2)) as revenue,
        coalesce(
            daily_totals.purchase_sessions * 1.0 / nullif(daily_totals.sessions, 0), 0
        ) as conversion_rate
    from segments
    cross join calendar
    left join daily_totals
        on daily_totals.segment_id = segments.segment_id
        and daily_totals.activity_date = calendar.date_day

)

select * from final
