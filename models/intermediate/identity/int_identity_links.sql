{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_staging') }}{% endif %}
{#
    Every identifier seen together with a customer id: a cookie or app device on a logged-in
    event, and an e-mail (hashed) on a CRM record or a support ticket. One row per
    (identifier, user); identifiers never seen logged in appear once with a null user_id so they
    still become nodes of the identity graph. `linked_users` counts the distinct users an
    identifier was seen with; above `identity_max_users_per_identifier` (a store kiosk, a shared
    family inbox) it is shared and must not bridge people.
#}

with events as (

    select * from {{ ref('int_events_unified') }}

),

crm_customers as (

    select * from {{ ref('stg_crm__customers') }}

),

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

event_links as (

    select distinct
        identifier_type,
        identifier,
        user_id
    from events
    where identifier is not null

),

email_links as (

    select email_hash as identifier, customer_id as user_id from crm_customers
    where email_hash is not null
    union
    select email_hash as identifier, customer_id as user_id from tickets
    where email_hash is not null

),

all_links as (

    select identifier_type, identifier, user_id from event_links
    union all
    select 'email_hash' as identifier_type, identifier, user_id from email_links

),

linked_user_counts as (

    select
        identifier_type,
        identifier,
        count(distinct user_id) as linked_users
    from all_links
    group by identifier_type, identifier

),

final as (

    select
        all_links.identifier_type,
        all_links.identifier,
        all_links.user_id,
        linked_user_counts.linked_users,
        linked_user_counts.linked_users > {{ var('identity_max_users_per_identifier') }}
            as is_shared_identifier
    from all_links
    inner join linked_user_counts
        on linked_user_counts.identifier_type = all_links.identifier_type
        and linked_user_counts.identifier = all_links.identifier
    -- An identifier seen both anonymously and logged in needs no anonymous row of its own.
    where all_links.user_id is not null
        or linked_user_counts.linked_users = 0

)

select * from final
