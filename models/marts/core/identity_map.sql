{#
    Every cookie, app device and customer id mapped to the person it belongs to, with that
    person's customer id when one is known. Shared identifiers (store kiosks) are people of their
    own: their logged-in events are attributed to the user who logged in, not to the kiosk.
#}

with components as (

    select * from {{ ref('int_identity_components') }}

),

person_customers as (

    -- A person's customer id: its smallest (usually only) customer id.
    select
        person_id,
        min(node_id) as customer_id,
        count(*) as customer_ids
    from components
    where node_type = 'user_id'
    group by person_id

),

final as (

    select
        components.node_type as identifier_type,
        components.node_id as identifier,
        components.person_id,
        person_customers.customer_id,
        coalesce(person_customers.customer_ids, 0) as person_customer_ids,
        components.linked_users,
        components.is_shared_identifier
    from components
    left join person_customers
        on person_customers.person_id = components.person_id
    where components.node_type in ('anonymous_id', 'device_id', 'user_id')

)

select * from final
