{#-
    Connected components by iterative label propagation, in portable SQL.

    `nodes` is a relation (or CTE name) with one `node_key` per node; `edges` one with
    `from_key`, `to_key` (undirected). Every node starts labelled with its own key; each round
    gives a node the smallest label among itself and its neighbours, so after `rounds` rounds
    every node of a component whose diameter is at most `rounds` carries the component's
    smallest node key: deterministic whatever the load order. Each round reads the previous one
    once, so the unrolled chain stays linear in size on engines that inline CTEs (Spark).

    The macro emits CTEs named `<prefix>_round_<n>` and `<prefix>_labels` (node_key, label);
    call it inside a `with` clause, after the CTEs it reads. The test
    `assert_identity_components_converged` fails when a graph needs more rounds.
-#}
{% macro connected_component_ctes(nodes, edges, rounds, prefix='component') -%}
{{ prefix }}_directed_edges as (

    select from_key as source_key, to_key as target_key from {{ edges }}
    union all
    select to_key as source_key, from_key as target_key from {{ edges }}
    union all
    select node_key as source_key, node_key as target_key from {{ nodes }}

),

{{ prefix }}_round_0 as (

    select node_key, node_key as label from {{ nodes }}

),
{% for round in range(1, rounds + 1) %}
{{ prefix }}_round_{{ round }} as (

    select
        {{ prefix }}_directed_edges.target_key as node_key,
        min({{ prefix }}_round_{{ round - 1 }}.label) as label
    from {{ prefix }}_directed_edges
    inner join {{ prefix }}_round_{{ round - 1 }}
        on {{ prefix }}_round_{{ round - 1 }}.node_key = {{ prefix }}_directed_edges.source_key
    group by {{ prefix }}_directed_edges.target_key

),
{% endfor %}
{{ prefix }}_labels as (

    select node_key, label from {{ prefix }}_round_{{ rounds }}

)
{%- endmacro %}
