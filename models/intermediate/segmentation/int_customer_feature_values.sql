{#
    Long: one row per segmented customer and profile feature, the feature's value in original
    units (null when the customer has none). What the segment feature profiles aggregate and the
    Kruskal-Wallis tests (int_segment_feature_tests) compare; the list below is the one list of
    profile features.
#}

{%- set profile_features = [
    'recency_days', 'frequency', 'monetary', 'lifetime_completed_orders', 'lifetime_net_revenue',
    'tenure_days', 'sessions_per_week', 'days_since_last_session', 'avg_session_duration_s',
    'pages_per_session', 'avg_scroll_depth', 'distinct_features_used',
    'distinct_categories_viewed', 'app_share', 'engagement_score',
    'days_first_session_to_first_order', 'mean_days_between_orders', 'browse_to_buy_minutes',
    'cart_abandonment_rate', 'average_order_value', 'discounted_order_share',
    'unfulfilled_order_share', 'max_orders_in_a_day', 'support_tickets', 'mean_csat',
    'days_since_last_ticket',
] %}

with customer_features as (

    select * from {{ ref('customer_features') }}

),

segments_assigned as (

    select * from {{ ref('int_customer_segments_assigned') }}

),

segmented_customers as (

    select
        segments_assigned.segment_id,
        segments_assigned.segment_name,
        customer_features.*
    from customer_features
    inner join segments_assigned
        on segments_assigned.customer_id = customer_features.customer_id

),

final as (

    {% for feature in profile_features %}
    select
        customer_id,
        segment_id,
        segment_name,
        '{{ feature }}' as feature,
        cast({{ feature }} as double) as value
    from segmented_customers
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
