-- depends_on: {{ ref('dq_gate_marts') }}
{#
    What CRM/CDP and marketing-automation tools receive: one row per customer who gave
    marketing consent, with their segment, RFM segment, engagement, the segment's campaign
    idea, and (export contract 1.1) their predicted CLV and churn probability, and (1.2) their lifecycle stage. Customers without marketing consent are never here. Written to files by
    `behaviorseg export` (the versioned export contract, see docs/activation.md). Built only after the
    marts quality gate passed.
#}

with customers as (

    select * from {{ ref('dim_customers') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

customer_features as (

    select * from {{ ref('customer_features') }}

),

customer_anomalies as (

    select * from {{ ref('customer_anomalies') }}

),

segment_history as (

    select * from {{ ref('customer_segment_history') }}

),

segment_campaigns as (

    select * from {{ ref('segment_campaigns') }}

),

customer_lifetime_value as (

    select * from {{ ref('customer_lifetime_value') }}

),

customer_churn_risk as (

    select * from {{ ref('customer_churn_risk') }}

),

customer_lifecycle as (

    select * from {{ ref('customer_lifecycle') }}

),

current_memberships as (

    -- When the customer's current membership started (the snapshot's open version).
    select
        customer_id,
        dbt_valid_from as membership_started_at
    from segment_history
    where dbt_valid_to is null

),

final as (

    select
        customer_segments.customer_id,
        customers.email_hash,
        customer_segments.segment_id,
        customer_segments.segment_name,
        customer_features.rfm_segment,
        customer_features.engagement_score,
        segment_campaigns.campaign,
        segment_campaigns.channel as campaign_channel,
        segment_campaigns.offer as campaign_offer,
        -- Exported only when var export_anomaly_flag asks (else null: the column stays).
        {% if bool_var('export_anomaly_flag') -%}
        coalesce(customer_anomalies.is_anomaly, false)
        {%- else -%}
        cast(null as boolean)
        {%- endif %} as is_anomaly,
        cast(coalesce(
            current_memberships.membership_started_at, customer_segments.assigned_at
        ) as timestamp) as updated_at,
        customer_lifetime_value.predicted_clv,
        customer_churn_risk.churn_probability,
        customer_lifecycle.lifecycle_stage
    from customer_segments
    inner join customers
        on customers.customer_id = customer_segments.customer_id
    inner join customer_features
        on customer_features.customer_id = customer_segments.customer_id
    left join customer_anomalies
        on customer_anomalies.customer_id = customer_segments.customer_id
    left join current_memberships
        on current_memberships.customer_id = customer_segments.customer_id
    left join segment_campaigns
        on segment_campaigns.segment_name = customer_segments.segment_name
    left join customer_lifetime_value
        on customer_lifetime_value.customer_id = customer_segments.customer_id
    left join customer_churn_risk
        on customer_churn_risk.customer_id = customer_segments.customer_id
    left join customer_lifecycle
        on customer_lifecycle.customer_id = customer_segments.customer_id
    where customers.has_marketing_consent

)

select * from final
