{#
    One row per segment: who it is (name, how it was named, description), how big, and how it
    performs (conversion, AOV, retention, churn). Metrics come from int_segment_profiles; the
    mean predicted CLV and churn probability from customer_lifetime_value and
    customer_churn_risk.
#}

with profiles as (

    select * from {{ ref('int_segment_profiles') }}

),

segments_assigned as (

    select * from {{ ref('int_customer_segments_assigned') }}

),

customer_lifetime_value as (

    select * from {{ ref('customer_lifetime_value') }}

),

customer_churn_risk as (

    select * from {{ ref('customer_churn_risk') }}

),

segment_value as (

    -- Means over the segment's customers with a prediction (who never bought has no CLV).
    select
        segments_assigned.segment_id,
        avg(customer_lifetime_value.predicted_clv) as mean_predicted_clv,
        avg(customer_churn_risk.churn_probability) as mean_churn_probability
    from segments_assigned
    left join customer_lifetime_value
        on customer_lifetime_value.customer_id = segments_assigned.customer_id
    left join customer_churn_risk
        on customer_churn_risk.customer_id = segments_assigned.customer_id
    group by segments_assigned.segment_id

),

segment_attributes as (

    select distinct
        segment_id,
        naming_method,
        segment_description,
        is_noise_segment,
        is_new_segment,
        algorithm,
        assigned_at
    from segments_assigned

),

profiles_described as (

    select
        profiles.*,
        segment_attributes.naming_method,
        segment_attributes.segment_description,
        segment_attributes.is_noise_segment,
        segment_attributes.is_new_segment,
        segment_attributes.algorithm,
        segment_attributes.assigned_at,
        segment_value.mean_predicted_clv,
        segment_value.mean_churn_probability
    from profiles
    inner join segment_attributes
        on segment_attributes.segment_id = profiles.segment_id
    left join segment_value
        on segment_value.segment_id = profiles.segment_id

),

final as (

    {{ select_contract_columns('profiles_described') }}

)

select * from final
