{% macro date_spine(start_expression, end_expression) -%}
    {{ return(adapter.dispatch('date_spine')(start_expression, end_expression)) }}
{%- endmacro %}

{% macro default__date_spine(start_expression, end_expression) -%}
    select explode(sequence(
        cast({{ start_expression }} as date), cast({{ end_expression }} as date), interval 1 day
    )) as date_day
{%- endmacro %}

{% macro duckdb__date_spine(start_expression, end_expression) -%}
    select cast(unnest(generate_series(
        cast({{ start_expression }} as date), cast({{ end_expression }} as date), interval 1 day
    )) as date) as date_day
{%- endmacro %}
