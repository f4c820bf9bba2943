{#
    Sankey edges of the journeys' first `journey_sankey_max_steps` steps: nodes are
    "<step>. <state>" so the chart flows left to right without cycles; value = sessions taking
    that edge. Per segment and for all sessions.
#}

with transition_counts as (

    select * from {{ ref('int_journey_transitions_aggregated') }}

),

early_transitions as (

    -- int_journey_transitions_aggregated numbers only the first journey_sankey_max_steps steps.
    select *
    from transition_counts
    where step_number is not null

),

segment_edges as (

    select
        cast(segment_id as {{ dbt.type_string() }}) as segment_id,
        segment_name,
        step_number,
        from_state,
        to_state,
        sum(transitions) as sessions
    from early_transitions
    where segment_id is not null
    group by segment_id, segment_name, step_number, from_state, to_state

),

all_edges as (

    select
        'all' as segment_id,
        'All sessions' as segment_name,
        step_number,
        from_state,
        to_state,
        sum(transitions) as sessions
    from early_transitions
    group by step_number, from_state, to_state

),

edges as (

    select * from segment_edges
    union all
    select * from all_edges

),

final as (

    select
        segment_id,
        segment_name,
        cast(step_number as {{ dbt.type_string() }}) || '. ' || from_state as source,
        cast(step_number + 1 as {{ dbt.type_string() }}) || '. ' || to_state as target,
        cast(sessions as bigint) as value,
        step_number as source_step,
        from_state as source_state,
        to_state as target_state
    from edges

)

select * from final
