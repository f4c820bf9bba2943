{#- The escaping rules live in the dispatched list macro, which quotes a whole list with one
    call: raw-file listings quote thousands of paths a run, and a dispatched macro call per
    path was most of the on-run-start hook's time. -#}

{% macro sql_string_literal(text) -%}
    {{ return(sql_string_literal_list([text])[0]) }}
{%- endmacro %}


{% macro sql_string_literals(texts) -%}
    {{ return(sql_string_literal_list(texts) | join(', ')) }}
{%- endmacro %}


{% macro sql_string_literal_list(texts) -%}
    {{ return(adapter.dispatch('sql_string_literal_list')(texts)) }}
{%- endmacro %}

{% macro default__sql_string_literal_list(texts) -%}
    {%- set literals = [] -%}
    {%- for escaped in texts | map('string') | map('replace', "'", "''") -%}
        {%- do literals.append("'" ~ escaped ~ "'") -%}
    {%- endfor -%}
    {{ return(literals) }}
{%- endmacro %}

{% macro spark__sql_string_literal_list(texts) -%}
    {%- set literals = [] -%}
    {%- for escaped in texts | map('string') | map('replace', '\\', '\\\\') | map('replace', "'", "\\'")
            | map('replace', '$', '\\u0024') -%}
        {%- do literals.append("'" ~ escaped ~ "'") -%}
    {%- endfor -%}
    {{ return(literals) }}
{%- endmacro %}
