{#
    One lifecycle stage per customer known by the as-of date (docs/lifecycle.md), from their
    activity days (sessions and orders). A customer with no session or order yet is measured
    from the day they were first known (sign-up, ticket, ...). Rules, first match wins, with
    d = days since the last activity:
    - dormant:     d > lifecycle_dormant_days;
    - at_risk:     d > lifecycle_at_risk_factor x usual gap (the median gap between activity
                   days, once there are lifecycle_usual_gap_min_gaps gaps), or
                   d > lifecycle_at_risk_days while there is no usual gap yet;
    - new:         the first activity at most lifecycle_new_days before as_of_date;
    - reactivated: back from dormancy (a gap over lifecycle_dormant_days) at most
                   lifecycle_new_days before as_of_date;
    - active:      everyone else.
#}

with customers as (

    select * from {{ ref('dim_customers') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

customers_without_activity as (

    -- Known by the as-of time but no session or order yet: their first known day stands in.
    select
        customers.customer_id,
        cast(customers.first_seen_at as date) as activity_date
    from customers
    cross join as_of
    where customers.first_seen_at <= as_of.as_of_at
        and not exists (
            select 1 from activity_days
            where activity_days.customer_id = customers.customer_id
        )

),

timeline as (

    select customer_id, activity_date from activity_days
    union all
    select customer_id, activity_date from customers_without_activity

),

timeline_gaps as (

    select
        customer_id,
        activity_date,
        {{ datediff_exact(
            'lag(activity_date) over (partition by customer_id order by activity_date)',
            'activity_date', 'day'
        ) }} as gap_days
    from timeline

),

customer_gaps as (

    select
        customer_id,
        min(activity_date) as first_activity_date,
        max(activity_date) as last_activity_date,
        count(gap_days) as gaps,
        percentile_cont(0.5) within group (order by gap_days) as median_gap_days
    from timeline_gaps
    group by customer_id

),

thresholds as (

    select
        customer_gaps.customer_id,
        customer_gaps.first_activity_date,
        customer_gaps.last_activity_date,
        {{ datediff_exact('customer_gaps.first_activity_date', 'as_of.as_of_date', 'day') }}
            as days_since_first_activity,
        {{ datediff_exact('customer_gaps.last_activity_date', 'as_of.as_of_date', 'day') }}
            as days_since_last_activity,
        case
            when customer_gaps.gaps >= {{ var('lifecycle_usual_gap_min_gaps') }}
                then cast(customer_gaps.median_gap_days as double)
        end as usual_gap_days
    from customer_gaps
    cross join as_of

),

thresholds_resolved as (

    select
        *,
        coalesce(
            {{ var('lifecycle_at_risk_factor') }} * usual_gap_days,
            cast({{ var('lifecycle_at_risk_days') }} as double)
        ) as at_risk_after_days
    from thresholds

),

comebacks as (

    -- The latest return after a dormant gap, and after any gap long enough to be at risk.
    select
        timeline_gaps.customer_id,
        max(
            case when timeline_gaps.gap_days > {{ var('lifecycle_dormant_days') }}
                then timeline_gaps.activity_date end
        ) as reactivated_on,
        max(
            case when timeline_gaps.gap_days > thresholds_resolved.at_risk_after_days
                then timeline_gaps.activity_date end
        ) as recovered_on
    from timeline_gaps
    inner join thresholds_resolved
        on thresholds_resolved.customer_id = timeline_gaps.customer_id
    group by timeline_gaps.customer_id

),

staged as (

    select
        thresholds_resolved.*,
        comebacks.reactivated_on,
        comebacks.recovered_on,
        case
            when thresholds_resolved.days_since_last_activity > {{ var('lifecycle_dormant_days') }}
                then 'dormant'
            when thresholds_resolved.days_since_last_activity > thresholds_resolved.at_risk_after_days
                then 'at_risk'
            when thresholds_resolved.days_since_first_activity <= {{ var('lifecycle_new_days') }}
                then 'new'
            when {{ datediff_exact('comebacks.reactivated_on', 'as_of.as_of_date', 'day') }}
                <= {{ var('lifecycle_new_days') }}
                then 'reactivated'
            else 'active'
        end as lifecycle_stage
    from thresholds_resolved
    inner join comebacks
        on comebacks.customer_id = thresholds_resolved.customer_id
    cross join as_of

),

final as (

    select
        customer_id,
        lifecycle_stage,
        cast(case lifecycle_stage
            when 'dormant' then {{ dateadd_exact(
                'day', var('lifecycle_dormant_days') + 1, 'last_activity_date'
            ) }}
            when 'at_risk' then {{ dateadd_exact(
                'day', 'cast(floor(at_risk_after_days) as integer) + 1', 'last_activity_date'
            ) }}
            when 'new' then first_activity_date
            when 'reactivated' then reactivated_on
            -- active: since the new or reactivated window ended, or the last recovery from
            -- a gap that made them at risk, whichever is latest.
            else greatest(
                {{ dateadd_exact('day', var('lifecycle_new_days') + 1, 'first_activity_date') }},
                coalesce(
                    {{ dateadd_exact('day', var('lifecycle_new_days') + 1, 'reactivated_on') }},
                    first_activity_date
                ),
                coalesce(recovered_on, first_activity_date)
            )
        end as date) as stage_since,
        cast(days_since_last_activity as integer) as days_since_last_activity,
        usual_gap_days,
        first_activity_date,
        last_activity_date,
        at_risk_after_days
    from staged

)

select * from final
