{#
    Per segment: size, share and business metrics, from customer_features.
    - conversion_rate: share of customers with frequency > 0 (bought in the RFM window);
    - average_order_value: sum(monetary) / sum(frequency), null when nobody ordered;
    - last activity: the nearer of days_since_last_session and recency_days (null with neither);
    - retention_30d / _60d / _90d: share whose last activity is at most that many days before
      as_of_date (no activity counts as not retained);
    - churn_rate: share whose last activity is more than 90 days ago or who have none
      (1 - retention_90d).
#}

{%- set retention_days = [30, 60, 90] %}
{%- set churn_days = 90 %}

with customer_features as (

    select * from {{ ref('customer_features') }}

),

segments_assigned as (

    select * from {{ ref('int_customer_segments_assigned') }}

),

customer_metrics as (

    select
        segments_assigned.segment_id,
        segments_assigned.segment_name,
        cast(customer_features.recency_days as double) as recency_days,
        cast(coalesce(customer_features.frequency, 0) as double) as frequency,
        cast(coalesce(customer_features.monetary, 0) as double) as monetary,
        case when customer_features.frequency > 0 then 1.0 else 0.0 end as is_converted,
        case
            when customer_features.days_since_last_session is null
                then customer_features.recency_days
            when customer_features.recency_days is null
                then customer_features.days_since_last_session
            when customer_features.recency_days < customer_features.days_since_last_session
                then customer_features.recency_days
            else customer_features.days_since_last_session
        end as last_activity_days
    from customer_features
    inner join segments_assigned
        on segments_assigned.customer_id = customer_features.customer_id

),

segment_metrics as (

    select
        segment_id,
        segment_name,
        count(*) as customers,
        avg(is_converted) as conversion_rate,
        sum(frequency) as orders,
        sum(monetary) as revenue,
        {% for days in retention_days %}
        avg(case when last_activity_days <= {{ days }} then 1.0 else 0.0 end)
            as retention_{{ days }}d,
        {% endfor %}
        avg(case when last_activity_days <= {{ churn_days }} then 0.0 else 1.0 end) as churn_rate,
        avg(recency_days) as mean_recency_days,
        avg(frequency) as mean_frequency,
        avg(monetary) as mean_monetary
    from customer_metrics
    group by segment_id, segment_name

),

final as (

    select
        segment_id,
        segment_name,
        customers,
        cast(customers as double) / sum(customers) over () as share,
        cast(conversion_rate as double) as conversion_rate,
        revenue / case when orders > 0 then orders end as average_order_value,
        {% for days in retention_days %}
        cast(retention_{{ days }}d as double) as retention_{{ days }}d,
        {% endfor %}
        cast(churn_rate as double) as churn_rate,
        mean_recency_days,
        mean_frequency,
        mean_monetary
    from segment_metrics

)

select * from final
