{#
    Weekly growth accounting of active customers (a session or an order in the week, weeks
    from Monday), every week from the first active one to the as-of date's week:
    - new: active this week for the first time;
    - retained: active this week and last week;
    - reactivated: active this week, not last week, but in some week before;
    - churned: active last week, not this week.
    So active = new + retained + reactivated and churned = last week's active - retained.
    The as-of date's week is partial unless as_of_date is a Sunday (is_partial).
#}

with activity_days as (

    select * from {{ ref('int_customer_activity_days') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

customer_weeks as (

    select distinct
        customer_id,
        cast({{ dbt.date_trunc('week', 'activity_date') }} as date) as week_start
    from activity_days

),

first_weeks as (

    select
        customer_id,
        min(week_start) as first_week_start
    from customer_weeks
    group by customer_id

),

days as (

    {{ date_spine(
        '(select min(activity_date) from ' ~ ref('int_customer_activity_days') ~ ')',
        '(select max(as_of_date) from ' ~ ref('int_as_of_date_resolved') ~ ')'
    ) }}

),

weeks as (

    select distinct cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start
    from days

),

classified as (

    select
        customer_weeks.week_start,
        customer_weeks.customer_id,
        case
            when customer_weeks.week_start = first_weeks.first_week_start then 'new'
            when previous_weeks.customer_id is not null then 'retained'
            else 'reactivated'
        end as status
    from customer_weeks
    inner join first_weeks
        on first_weeks.customer_id = customer_weeks.customer_id
    left join customer_weeks as previous_weeks
        on previous_weeks.customer_id = customer_weeks.customer_id
        and previous_weeks.week_start = cast(
            {{ dateadd_exact('day', -7, 'customer_weeks.week_start') }} as date
        )

),

weekly_counts as (

    select
        week_start,
        count(*) as active,
        {{ count_where("status = 'new'") }} as new,
        {{ count_where("status = 'retained'") }} as retained,
        {{ count_where("status = 'reactivated'") }} as reactivated
    from classified
    group by week_start

),

churned_counts as (

    select
        cast({{ dateadd_exact('day', 7, 'previous_weeks.week_start') }} as date) as week_start,
        count(*) as churned
    from customer_weeks as previous_weeks
    left join customer_weeks
        on customer_weeks.customer_id = previous_weeks.customer_id
        and customer_weeks.week_start = cast(
            {{ dateadd_exact('day', 7, 'previous_weeks.week_start') }} as date
        )
    where customer_weeks.customer_id is null
    group by 1

),

final as (

    select
        weeks.week_start,
        cast(coalesce(weekly_counts.active, 0) as bigint) as active,
        cast(coalesce(weekly_counts.new, 0) as bigint) as new,
        cast(coalesce(weekly_counts.retained, 0) as bigint) as retained,
        cast(coalesce(weekly_counts.reactivated, 0) as bigint) as reactivated,
        cast(coalesce(churned_counts.churned, 0) as bigint) as churned,
        cast({{ dateadd_exact('day', 6, 'weeks.week_start') }} as date) > as_of.as_of_date
            as is_partial
    from weeks
    cross join as_of
    left join weekly_counts
        on weekly_counts.week_start = weeks.week_start
    left join churned_counts
        on churned_counts.week_start = weeks.week_start

)

select * from final
