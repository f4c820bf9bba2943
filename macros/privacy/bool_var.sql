{% macro bool_var(name) -%}
    {%- set value = var(name) -%}
    {%- if value is sameas true or value is sameas false -%}{{ return(value) }}{%- endif -%}
    {%- set text = value | string | trim | lower -%}
    {%- if text in ('true', 'yes', '1') -%}{{ return(true) }}{%- endif -%}
    {%- if text in ('false', 'no', '0') -%}{{ return(false) }}{%- endif -%}
    {{ exceptions.raise_compiler_error(
        "var " ~ name ~ " must be true or false, got '" ~ value ~ "' (dbt_project.yml vars)"
    ) }}
{%- endmacro %}


{% macro bool_var_sql(name) -%}
    {{ return('true' if bool_var(name) else 'false') }}
{%- endmacro %}
