{#
    One row per segment: who it is (name, how it was named, description), how big, and how it
    performs (conversion, AOV, retention, churn). Metrics come from int_segment_profiles.
#}

with profiles as (

    select * from {{ ref('int_segment_profiles') }}

),

segments_assigned as (

    select * from {{ ref('int_customer_segments_assigned') }}

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
        segment_attributes.assigned_at
    from profiles
    inner join segment_attributes
        on segment_attributes.segment_id = profiles.segment_id

),

final as (

    {{ select_contract_columns('profiles_described') }}

)

select * from final
