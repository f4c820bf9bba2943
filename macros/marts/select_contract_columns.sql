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
