{# Each step of each journey with the state it leads to, and the session's customer segment. #}

with steps as (

    select * from {{ ref('int_journey_steps') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

steps_with_next as (

    select
        session_id,
        step_number,
        journey_state as from_state,
        lead(journey_state) over (partition by session_id order by step_number) as to_state
    from steps

),

final as (

    select
        steps_with_next.session_id,
        steps_with_next.step_number,
        steps_with_next.from_state,
        steps_with_next.to_state,
        sessions.customer_id,
        customer_segments.segment_id,
        customer_segments.segment_name
    from steps_with_next
    inner join sessions
        on sessions.session_id = steps_with_next.session_id
    left join customer_segments
        on customer_segments.customer_id = sessions.customer_id
    where steps_with_next.to_state is not null

)

select * from final
