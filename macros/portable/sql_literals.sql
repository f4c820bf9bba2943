{% macro sql_string_literal(text) -%}
    {{ return(adapter.dispatch('sql_string_literal')(text)) }}
{%- endmacro %}

{% macro default__sql_string_literal(text) -%}
    {{ return("'" ~ (text | string | replace("'", "''")) ~ "'") }}
{%- endmacro %}

{% macro spark__sql_string_literal(text) -%}
    {%- set escaped = text | string | replace('\\', '\\\\') | replace("'", "\\'")
        | replace('$', '\\u0024') -%}
    {{ return("'" ~ escaped ~ "'") }}
{%- endmacro %}


{% macro sql_string_literals(texts) -%}
    {%- set literals = [] -%}
    {%- for text in texts -%}
        {%- do literals.append(sql_string_literal(text)) -%}
    {%- endfor -%}
    {{ return(literals | join(', ')) }}
{%- endmacro %}
