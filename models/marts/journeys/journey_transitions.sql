{#
    The journey Markov chain's transition counts and probabilities, per customer segment and for
    all sessions ('all', anonymous visitors included). Each from_state's probabilities sum to 1.
#}

with transition_counts as (

    select * from {{ ref('int_journey_transitions_aggregated') }}

),

segment_counts as (

    select
        cast(segment_id as {{ dbt.type_string() }}) as segment_id,
        segment_name,
        from_state,
        to_state,
        sum(transitions) as transitions
    from transition_counts
    where segment_id is not null
    group by segment_id, segment_name, from_state, to_state

),

all_counts as (

    select
        'all' as segment_id,
        'All sessions' as segment_name,
        from_state,
        to_state,
        sum(transitions) as transitions
    from transition_counts
    group by from_state, to_state

),

counts as (

    select * from segment_counts
    union all
    select * from all_counts

),

final as (

    select
        segment_id,
        segment_name,
        from_state,
        to_state,
        cast(transitions as bigint) as transitions,
        transitions * 1.0 / sum(transitions) over (partition by segment_id, from_state)
            as probability
    from counts

)

select * from final
