{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_staging') }}{% endif %}
{#
    One row per known customer (every customer id seen in CRM, orders, support, experiments or as
    a logged-in user), with hashed contact keys, consent and lifetime figures over all the data.
#}

with identity_map as (

    select * from {{ ref('identity_map') }}

),

crm_customers as (

    select * from {{ ref('stg_crm__customers') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

customer_spine as (

    select
        identifier as customer_id,
        person_id
    from identity_map
    where identifier_type = 'user_id'

),

lifetime_orders as (

    select
        customer_id,
        count(*) as lifetime_orders_placed,
        {{ count_where("is_completed") }} as lifetime_completed_orders,
        cast(sum(net_revenue) as decimal(18, 2)) as lifetime_net_revenue,
        cast(sum(refunded_amount) as decimal(18, 2)) as lifetime_refunded_amount,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at
    from orders
    group by customer_id

),

person_sessions as (

    select
        person_id,
        count(*) as lifetime_sessions,
        min(session_start_at) as first_session_at,
        max(session_end_at) as last_session_at
    from sessions
    group by person_id

),

lifetime_tickets as (

    select
        customer_id,
        count(*) as lifetime_support_tickets,
        min(opened_at) as first_ticket_at,
        max(opened_at) as last_ticket_at
    from tickets
    group by customer_id

),

final as (

    select
        customer_spine.customer_id,
        customer_spine.person_id,
        crm_customers.email_hash,
        crm_customers.phone_hash,
        crm_customers.country,
        crm_customers.signed_up_at,
        -- No CRM record: the documented vars decide (docs/privacy.md); a record always wins.
        case
            when crm_customers.customer_id is null
                then {{ bool_var_sql('marketing_consent_without_crm_record') }}
            else coalesce(crm_customers.has_marketing_consent, false)
        end as has_marketing_consent,
        case
            when crm_customers.customer_id is null
                then {{ bool_var_sql('tracking_consent_without_crm_record') }}
            else coalesce(crm_customers.has_tracking_consent, false)
        end as has_tracking_consent,
        crm_customers.customer_id is not null as is_in_crm,
        -- Not to be analysed: a refusal on the CRM record, or no record while
        -- tracking_consent_without_crm_record is false.
        case
            when crm_customers.customer_id is null
                then not {{ bool_var_sql('tracking_consent_without_crm_record') }}
            else not coalesce(crm_customers.has_tracking_consent, false)
        end as is_tracking_opted_out,
        least(
            crm_customers.signed_up_at, lifetime_orders.first_order_at,
            person_sessions.first_session_at, lifetime_tickets.first_ticket_at
        ) as first_seen_at,
        greatest(
            lifetime_orders.last_order_at, person_sessions.last_session_at,
            lifetime_tickets.last_ticket_at, crm_customers.signed_up_at
        ) as last_seen_at,
        lifetime_orders.first_order_at,
        lifetime_orders.last_order_at,
        coalesce(lifetime_orders.lifetime_orders_placed, 0) as lifetime_orders_placed,
        coalesce(lifetime_orders.lifetime_completed_orders, 0) as lifetime_completed_orders,
        coalesce(lifetime_orders.lifetime_net_revenue, 0) as lifetime_net_revenue,
        coalesce(lifetime_orders.lifetime_refunded_amount, 0) as lifetime_refunded_amount,
        coalesce(person_sessions.lifetime_sessions, 0) as lifetime_sessions,
        coalesce(lifetime_tickets.lifetime_support_tickets, 0) as lifetime_support_tickets
    from customer_spine
    left join crm_customers
        on crm_customers.customer_id = customer_spine.customer_id
    left join lifetime_orders
        on lifetime_orders.customer_id = customer_spine.customer_id
    left join person_sessions
        on person_sessions.person_id = customer_spine.person_id
    left join lifetime_tickets
        on lifetime_tickets.customer_id = customer_spine.customer_id

)

select * from final
