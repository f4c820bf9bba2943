{#-
    Use a folder's custom schema as-is (staging, quality, reference) instead of dbt's default
    `<target schema>_<custom schema>`, so BI sees short, stable schema names. Models without a
    custom schema land in the target schema (`main` on DuckDB).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
