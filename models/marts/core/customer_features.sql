{#
    One row per known customer: the table segmentation reads. Everything is as of
    int_as_of_date_resolved (var as_of_date, default the latest timestamp in the data).
    Customers with only orders, and customers who opted out of tracking, get their RFM figures
    and null/zero behavior features.
#}

{%- set numeric_features = [
    'recency_days', 'frequency', 'monetary', 'lifetime_completed_orders', 'lifetime_net_revenue',
    'tenure_days',
    'sessions_per_week', 'days_since_last_session', 'avg_session_duration_s', 'pages_per_session',
    'avg_scroll_depth', 'distinct_features_used', 'distinct_categories_viewed', 'app_share',
    'engagement_score', 'days_first_session_to_first_order', 'mean_days_between_orders',
    'browse_to_buy_minutes', 'cart_abandonment_rate', 'average_order_value',
    'discounted_order_share', 'unfulfilled_order_share', 'lifetime_refunded_amount',
    'max_orders_in_a_day', 'support_tickets', 'mean_csat', 'days_since_last_ticket',
] -%}

with customers as (

    select * from {{ ref('dim_customers') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

customer_orders as (

    select * from {{ ref('int_customer_orders_aggregated') }}

),

person_sessions as (

    select * from {{ ref('int_person_sessions_aggregated') }}

),

customer_tickets as (

    select * from {{ ref('int_customer_tickets_aggregated') }}

),

rfm_segment_map as (

    select * from {{ ref('rfm_segment_map') }}

),

features_joined as (

    select
        customers.customer_id,
        customers.person_id,
        as_of.as_of_date,
        customer_orders.recency_days,
        coalesce(customer_orders.frequency, 0) as frequency,
        coalesce(customer_orders.monetary, 0) as monetary,
        coalesce(customer_orders.lifetime_completed_orders, 0) as lifetime_completed_orders,
        coalesce(customer_orders.lifetime_net_revenue, 0) as lifetime_net_revenue,
        -- Tenure: days since the customer was first seen (sign-up, first session or first order).
        greatest(0, {{ datediff_exact(
            'cast(least(customers.signed_up_at, person_sessions.first_session_at,'
            ~ ' customer_orders.first_completed_order_at) as date)',
            'as_of.as_of_date', 'day'
        ) }}) as tenure_days,
        coalesce(person_sessions.sessions_per_week, 0) as sessions_per_week,
        person_sessions.days_since_last_session,
        person_sessions.avg_session_duration_s,
        person_sessions.pages_per_session,
        person_sessions.avg_scroll_depth,
        coalesce(person_sessions.distinct_features_used, 0) as distinct_features_used,
        coalesce(person_sessions.distinct_categories_viewed, 0) as distinct_categories_viewed,
        person_sessions.app_share,
        case
            when customer_orders.first_completed_order_at >= person_sessions.first_session_at
                then {{ float_divide(datediff_exact(
                    'person_sessions.first_session_at',
                    'customer_orders.first_completed_order_at', 'second'
                ), '86400.0') }}
        end as days_first_session_to_first_order,
        customer_orders.mean_days_between_orders,
        person_sessions.browse_to_buy_minutes,
        person_sessions.cart_abandonment_rate,
        case
            when customer_orders.frequency > 0
                then {{ round_to_decimal(float_divide(
                    'customer_orders.monetary', 'customer_orders.frequency'
                ), 18, 2) }}
        end as average_order_value,
        customer_orders.discounted_order_share,
        customer_orders.unfulfilled_order_share,
        coalesce(customer_orders.lifetime_refunded_amount, 0) as lifetime_refunded_amount,
        coalesce(customer_orders.max_orders_in_a_day, 0) as max_orders_in_a_day,
        coalesce(customer_tickets.support_tickets, 0) as support_tickets,
        customer_tickets.mean_csat,
        customer_tickets.days_since_last_ticket,
        customer_orders.lifetime_completed_orders > 0 as has_purchased,
        coalesce(customers.is_tracking_opted_out, false) as is_tracking_opted_out
    from customers
    cross join as_of
    left join customer_orders
        on customer_orders.customer_id = customers.customer_id
    -- Tracking opt-outs keep their orders but lose every behavioral (clickstream) feature.
    left join person_sessions
        on person_sessions.person_id = customers.person_id
        and not customers.is_tracking_opted_out
    left join customer_tickets
        on customer_tickets.customer_id = customers.customer_id

),

rfm_scored as (

    -- Scores rank customers who have bought at least once; the others have no RFM scores.
    select
        *,
        case when has_purchased then {{ quintile_score('recency_days', higher_is_better=false) }} end
            as r_score,
        case when has_purchased then {{ quintile_score('case when has_purchased then frequency end') }} end
            as f_score,
        case when has_purchased then {{ quintile_score('case when has_purchased then monetary end') }} end
            as m_score
    from features_joined

),

engagement_ranked as (

    select
        *,
        {{ percentile_rank('sessions_per_week') }} as sessions_per_week_rank,
        {{ percentile_rank('days_since_last_session', higher_is_better=false) }}
            as session_recency_rank,
        {{ percentile_rank('pages_per_session') }} as pages_per_session_rank,
        {{ percentile_rank('avg_session_duration_s') }} as avg_session_duration_s_rank,
        {{ percentile_rank('distinct_features_used') }} as distinct_features_used_rank
    from rfm_scored

),

engagement_scored as (

    select
        *,
        {{ engagement_score({
            'sessions_per_week': 'sessions_per_week_rank',
            'session_recency': 'session_recency_rank',
            'pages_per_session': 'pages_per_session_rank',
            'avg_session_duration_s': 'avg_session_duration_s_rank',
            'distinct_features_used': 'distinct_features_used_rank',
        }) }} as engagement_score
    from engagement_ranked

),

rfm_segmented as (

    select
        engagement_scored.*,
        case
            when engagement_scored.has_purchased
                then cast(round((engagement_scored.f_score + engagement_scored.m_score) / 2.0) as integer)
        end as fm_score
    from engagement_scored

),

final as (

    select
        rfm_segmented.customer_id,
        rfm_segmented.person_id,
        rfm_segmented.as_of_date,
        rfm_segmented.has_purchased,
        rfm_segmented.is_tracking_opted_out,
        rfm_segmented.r_score,
        rfm_segmented.f_score,
        rfm_segmented.m_score,
        rfm_segmented.fm_score,
        coalesce(rfm_segment_map.rfm_segment, 'No Purchases Yet') as rfm_segment,
        {%- for feature in numeric_features %}
        rfm_segmented.{{ feature }},
        {%- endfor %}
        {%- for feature in numeric_features %}
        {{ zscore('rfm_segmented.' ~ feature) }} as {{ feature }}_z,
        {{ min_max_scale('rfm_segmented.' ~ feature) }} as {{ feature }}_minmax{{ ',' if not loop.last }}
        {%- endfor %}
    from rfm_segmented
    left join rfm_segment_map
        on rfm_segmented.r_score between rfm_segment_map.r_score_min and rfm_segment_map.r_score_max
        and rfm_segmented.fm_score between rfm_segment_map.fm_score_min and rfm_segment_map.fm_score_max

)

select * from final
