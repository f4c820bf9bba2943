{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_staging') }}{% endif %}
{#
    The identity graph cut into people. Nodes: every cookie, app device, hashed e-mail and
    customer id the data knows (customer ids from events, orders, CRM, support and experiments,
    so an orders-only customer is a person too; an event with a user id and no cookie or app
    device makes its user a node as well). Edges: identifier <-> customer id links, except
    links of shared identifiers, which stay nodes of their own. Connected components by label
    propagation (macro connected_component_ctes); the label is the component's smallest node
    key, and customer ids sort first, so a person's id derives from its smallest customer id
    whatever the load order.
#}

with links as (

    select * from {{ ref('int_identity_links') }}

),

events as {{ not_materialized() }} (

    select * from {{ ref('int_events_unified') }}

),

orders as (

    select * from {{ ref('stg_commerce__orders') }}

),

crm_customers as (

    select * from {{ ref('stg_crm__customers') }}

),

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

assignments as (

    select * from {{ ref('stg_experiments__assignments') }}

),

customer_ids as (

    select user_id as customer_id from links where user_id is not null
    union
    -- Logged in without a cookie or app device (web user_id with a null anonymous_id): the
    -- customer is a person of their own, and their events are theirs.
    select user_id as customer_id from events where identifier is null and user_id is not null
    union
    select customer_id from orders
    union
    select customer_id from crm_customers
    union
    select customer_id from tickets
    union
    select customer_id from assignments

),

typed_nodes as (

    select distinct
        identifier_type as node_type,
        identifier as node_id,
        linked_users,
        is_shared_identifier
    from links

    union all

    select
        'user_id' as node_type,
        customer_id as node_id,
        1 as linked_users,
        false as is_shared_identifier
    from customer_ids

),

graph_nodes as (

    select
        *,
        -- Customer ids sort before every other identifier, so they name the component.
        case when node_type = 'user_id' then '0' else '1' end
            || '|' || node_type || '|' || node_id as node_key
    from typed_nodes

),

graph_edges as (

    select
        '1|' || identifier_type || '|' || identifier as from_key,
        '0|user_id|' || user_id as to_key
    from links
    where user_id is not null
        and not is_shared_identifier

),

{{ connected_component_ctes('graph_nodes', 'graph_edges', var('identity_propagation_rounds')) }},

final as (

    select
        graph_nodes.node_type,
        graph_nodes.node_id,
        graph_nodes.node_key,
        component_labels.label as component_key,
        md5(component_labels.label) as person_id,
        graph_nodes.linked_users,
        graph_nodes.is_shared_identifier
    from graph_nodes
    inner join component_labels
        on component_labels.node_key = graph_nodes.node_key

)

select * from final
