{% macro raw_projected_columns(contract, present_columns) -%}
    {%- set projected = [] -%}
    {%- for column in contract -%}
        {%- set quoted = adapter.quote(column.name) -%}
        {%- if column.name in present_columns and column.pii -%}
            {%- do projected.append(hash_pii(normalise_pii(column.pii, quoted)) ~ ' as ' ~ quoted) -%}
        {%- elif column.name in present_columns and column.url -%}
            {%- do projected.append(url_without_query(quoted) ~ ' as ' ~ quoted) -%}
        {%- elif column.name in present_columns -%}
            {%- do projected.append(quoted) -%}
        {%- else -%}
            {%- do projected.append('cast(null as ' ~ dbt.type_string() ~ ') as ' ~ quoted) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(projected) }}
{%- endmacro %}
