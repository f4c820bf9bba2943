{#
    Journey transitions counted per customer segment (null for anonymous visitors), step (only
    for the first `journey_sankey_max_steps` steps, null after them) and state pair: what the
    journey marts read. A session counts in its person's customer's current segment, so the
    counts follow segment changes without the steps being rebuilt.
#}

with steps as (

    select * from {{ ref('int_journey_steps') }}

),

identity_map as (

    select * from {{ ref('identity_map') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

person_segments as (

    {{ person_current_segments('identity_map', 'customer_segments') }}

),

transitions as (

    select
        person_id,
        case
            when step_number < {{ var('journey_sankey_max_steps') }} then step_number
        end as step_number,
        journey_state as from_state,
        next_state as to_state
    from steps
    where next_state is not null

),

final as (

    select
        person_segments.segment_id,
        person_segments.segment_name,
        transitions.step_number,
        transitions.from_state,
        transitions.to_state,
        count(*) as transitions
    from transitions
    left join person_segments
        on person_segments.person_id = transitions.person_id
    group by
        person_segments.segment_id,
        person_segments.segment_name,
        transitions.step_number,
        transitions.from_state,
        transitions.to_state

)

select * from final
