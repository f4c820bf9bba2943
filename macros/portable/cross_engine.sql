{#-
    Cross-engine helpers: where DuckDB and Spark SQL differ and dbt's cross-database macros do
    not give the same answer on both, one macro per construct. Each is dispatched: `default__`
    is the SQL the project always ran on DuckDB (unchanged, so the DuckDB path stays as fast as
    before), `spark__` gives the same values on Spark (the `spark` target, docs/spark.md "Running on a
    distributed warehouse"). The staging typing, PII and JSON helpers are dispatched the same
    way in macros/staging/.
-#}


{% macro datediff_exact(first_date, second_date, datepart) -%}
    {{ return(adapter.dispatch('datediff_exact')(first_date, second_date, datepart)) }}
{%- endmacro %}

{% macro default__datediff_exact(first_date, second_date, datepart) -%}
    {{ dbt.datediff(first_date, second_date, datepart) }}
{%- endmacro %}

{% macro spark__datediff_exact(first_date, second_date, datepart) -%}
    {%- if datepart == 'day' -%}
        cast(datediff(cast({{ second_date }} as date), cast({{ first_date }} as date)) as bigint)
    {%- elif datepart == 'second' -%}
        (unix_seconds(cast({{ second_date }} as timestamp))
            - unix_seconds(cast({{ first_date }} as timestamp)))
    {%- elif datepart == 'millisecond' -%}
        (unix_millis(cast({{ second_date }} as timestamp))
            - unix_millis(cast({{ first_date }} as timestamp)))
    {%- else -%}
        {{ dbt.datediff(first_date, second_date, datepart) }}
    {%- endif -%}
{%- endmacro %}


{% macro dateadd_exact(datepart, interval, from_date_or_timestamp) -%}
    {{ return(adapter.dispatch('dateadd_exact')(datepart, interval, from_date_or_timestamp)) }}
{%- endmacro %}

{% macro default__dateadd_exact(datepart, interval, from_date_or_timestamp) -%}
    {{ dbt.dateadd(datepart, interval, from_date_or_timestamp) }}
{%- endmacro %}

{% macro spark__dateadd_exact(datepart, interval, from_date_or_timestamp) -%}
    {%- set parts = {
        'day': '0, 0, 0, {n}, 0, 0, 0',
        'hour': '0, 0, 0, 0, {n}, 0, 0',
        'minute': '0, 0, 0, 0, 0, {n}, 0',
        'second': '0, 0, 0, 0, 0, 0, {n}',
        'millisecond': '0, 0, 0, 0, 0, 0, ({n}) / 1000.0',
    } -%}
    {%- if datepart not in parts -%}
        {{ dbt.dateadd(datepart, interval, from_date_or_timestamp) }}
    {%- else -%}
        (cast({{ from_date_or_timestamp }} as timestamp)
            + make_interval({{ parts[datepart] | replace('{n}', interval | string) }}))
    {%- endif -%}
{%- endmacro %}


{% macro float_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('float_divide')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__float_divide(numerator, denominator) -%}
    {{ numerator }} / {{ denominator }}
{%- endmacro %}

{% macro spark__float_divide(numerator, denominator) -%}
    cast({{ numerator }} as double) / {{ denominator }}
{%- endmacro %}


{% macro share_where(condition, among=none) -%}
    {{ return(adapter.dispatch('share_where')(condition, among)) }}
{%- endmacro %}

{% macro default__share_where(condition, among=none) -%}
    {%- if among -%}
        avg(case when {{ among }} and {{ condition }} then 1.0 when {{ among }} then 0.0 end)
    {%- else -%}
        avg(case when {{ condition }} then 1.0 else 0.0 end)
    {%- endif -%}
{%- endmacro %}

{% macro spark__share_where(condition, among=none) -%}
    {%- if among -%}
        avg(case when {{ among }} and {{ condition }} then cast(1 as double)
            when {{ among }} then cast(0 as double) end)
    {%- else -%}
        avg(case when {{ condition }} then cast(1 as double) else cast(0 as double) end)
    {%- endif -%}
{%- endmacro %}


{% macro round_double(expression, digits) -%}
    {{ return(adapter.dispatch('round_double')(expression, digits)) }}
{%- endmacro %}

{% macro default__round_double(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}

{% macro spark__round_double(expression, digits) -%}
    {%- set modifier = '1e' ~ digits -%}
    (round(cast({{ expression }} as double) * {{ modifier }}, 0) / {{ modifier }})
{%- endmacro %}


{% macro round_to_decimal(expression, precision, scale) -%}
    {{ return(adapter.dispatch('round_to_decimal')(expression, precision, scale)) }}
{%- endmacro %}

{% macro default__round_to_decimal(expression, precision, scale) -%}
    cast({{ expression }} as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{% macro spark__round_to_decimal(expression, precision, scale) -%}
    cast({{ round_double(expression, scale) }} as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}


{% macro sorted_listagg(measure, delimiter_text, distinct=false) -%}
    {{ return(adapter.dispatch('sorted_listagg')(measure, delimiter_text, distinct)) }}
{%- endmacro %}

{% macro default__sorted_listagg(measure, delimiter_text, distinct=false) -%}
    {{ dbt.listagg(('distinct ' if distinct else '') ~ measure, delimiter_text, 'order by ' ~ measure) }}
{%- endmacro %}

{#- DuckDB: the distinct values through a list per group (see count_distinct for why). -#}
{% macro duckdb__sorted_listagg(measure, delimiter_text, distinct=false) -%}
    {%- if distinct -%}
    case when count({{ measure }}) > 0 then array_to_string(
        list_sort(list_distinct(list({{ measure }}))), {{ delimiter_text }}
    ) end
    {%- else -%}
    {{ default__sorted_listagg(measure, delimiter_text, distinct) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__sorted_listagg(measure, delimiter_text, distinct=false) -%}
    case when count({{ measure }}) > 0 then array_join(
        array_sort({{ 'collect_set' if distinct else 'collect_list' }}({{ measure }})),
        {{ delimiter_text }}
    ) end
{%- endmacro %}


{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}


{% macro last_value_ignoring_nulls(expression) -%}
    {{ return(adapter.dispatch('last_value_ignoring_nulls')(expression)) }}
{%- endmacro %}

{% macro default__last_value_ignoring_nulls(expression) -%}
    last_value({{ expression }} ignore nulls)
{%- endmacro %}

{% macro spark__last_value_ignoring_nulls(expression) -%}
    last_value({{ expression }}, true)
{%- endmacro %}


{% macro count_distinct(expression) -%}
    {{ return(adapter.dispatch('count_distinct')(expression)) }}
{%- endmacro %}

{% macro default__count_distinct(expression) -%}
    count(distinct {{ expression }})
{%- endmacro %}

{% macro duckdb__count_distinct(expression) -%}
    cast(len(list_distinct(list({{ expression }}))) as bigint)
{%- endmacro %}


{% macro create_table_if_not_exists(relation, columns) -%}
    {{ return(adapter.dispatch('create_table_if_not_exists')(relation, columns)) }}
{%- endmacro %}

{% macro default__create_table_if_not_exists(relation, columns) -%}
    create table if not exists {{ relation }} (
    {%- for name, type in columns %}
        {{ adapter.quote(name) }} {{ type }}{{ ',' if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}

{% macro spark__create_table_if_not_exists(relation, columns) -%}
    create table if not exists {{ relation }} (
    {%- for name, type in columns %}
        {{ adapter.quote(name) }} {{ 'string' if type == 'varchar' else type }}{{ ',' if not loop.last }}
    {%- endfor %}
    ) using parquet
{%- endmacro %}


{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
    materialized
{%- endmacro %}
