{#-
    The select of a mart that publishes a Python model's output: every column of this model's
    contract (its yml `columns` with `data_type`), cast to the contracted type, in contract order.
    Python models cannot carry enforced contracts, so each one is published by a SQL mart made
    of this select; the contract stays written once, in the mart's yml.
-#}
{% macro select_contract_columns(relation) -%}
    {%- set columns = model.columns.values() | list -%}
    {%- if not execute -%}
        {#- At parse time the yml columns are not attached yet. -#}
        select * from {{ relation }}
    {%- elif not columns -%}
        {{ exceptions.raise_compiler_error(
            "select_contract_columns: model '" ~ model.name ~ "' documents no columns"
        ) }}
    {%- else -%}
    select
    {%- for column in columns %}
        cast({{ adapter.quote(column.name) }} as {{ column.data_type }}) as {{ adapter.quote(column.name) }}
        {{- ',' if not loop.last }}
    {%- endfor %}
    from {{ relation }}
    {%- endif -%}
{%- endmacro %}
