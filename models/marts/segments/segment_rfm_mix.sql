{# Per segment, how its customers spread over the named RFM segments (share within segment). #}

with customer_segments as (

    select * from {{ ref('customer_segments') }}

),

customer_features as (

    select * from {{ ref('customer_features') }}

),

segment_rfm_counts as (

    select
        customer_segments.segment_id,
        customer_segments.segment_name,
        customer_features.rfm_segment,
        count(*) as customers
    from customer_segments
    inner join customer_features
        on customer_features.customer_id = customer_segments.customer_id
    group by
        customer_segments.segment_id,
        customer_segments.segment_name,
        customer_features.rfm_segment

),

final as (

    select
        segment_id,
        segment_name,
        rfm_segment,
        customers,
        customers * 1.0 / sum(customers) over (partition by segment_id) as share
    from segment_rfm_counts

)

select * from final
