{#-
    Text that comes from outside the project (file names, customer ids, var values) goes into
    SQL only through this macro: one quoted SQL string literal, whatever the text holds
    (quotes, semicolons, backslashes, spaces), so it can never end the literal early.

    DuckDB (standard SQL): a quote is doubled; a backslash is an ordinary character.
    Spark: a backslash escapes and `''` would silently join two literals ('o''brien' is
    'obrien'), so backslash and quote are backslash-escaped; `$` is written `\u0024`, so
    Spark's `${...}` variable substitution (which runs on the SQL text before it is parsed)
    never rewrites a name.
-#}
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


{#- A list of SQL string literals, comma-separated: `'a', 'b'`. -#}
{% macro sql_string_literals(texts) -%}
    {%- set literals = [] -%}
    {%- for text in texts -%}
        {%- do literals.append(sql_string_literal(text)) -%}
    {%- endfor -%}
    {{ return(literals | join(', ')) }}
{%- endmacro %}
