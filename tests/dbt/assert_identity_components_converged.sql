-- Label propagation converged: no non-shared link joins two different people. A failure means a
-- person's identifiers are more than `identity_propagation_rounds` links apart: raise that var.
with links as (

    select * from {{ ref('int_identity_links') }}

),

components as (

    select * from {{ ref('int_identity_components') }}

),

link_people as (

    select
        links.identifier_type,
        links.identifier,
        links.user_id,
        identifier_component.person_id as identifier_person_id,
        user_component.person_id as user_person_id
    from links
    inner join components as identifier_component
        on identifier_component.node_type = links.identifier_type
        and identifier_component.node_id = links.identifier
    inner join components as user_component
        on user_component.node_type = 'user_id'
        and user_component.node_id = links.user_id
    where not links.is_shared_identifier

)

select * from link_people
where identifier_person_id <> user_person_id
