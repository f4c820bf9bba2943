{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_staging') }}{% endif %}
{# Per customer, support tickets opened up to the as-of date. #}

with tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

final as (

    select
        tickets.customer_id,
        count(*) as support_tickets,
        avg(tickets.csat_score) as mean_csat,
        {{ datediff_exact('cast(max(tickets.opened_at) as date)', 'max(as_of.as_of_date)', 'day') }}
            as days_since_last_ticket
    from tickets
    cross join as_of
    where tickets.opened_at <= as_of.as_of_at
    group by tickets.customer_id

)

select * from final
