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
