{#-
    Generic tests dbt-core lacks (dbt Hub packages such as dbt_utils cannot be fetched here).
    Each returns the failing rows; zero rows is a pass.
-#}

{#- Every row satisfies a SQL boolean expression (optionally only rows matching `where`). -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression if column_name is none else column_name ~ ' ' ~ expression }}), false)
{% endtest %}


{#- Values lie within [min_value, max_value] (either bound optional); nulls pass. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    select *
    from {{ model }}
    where {{ column_name }} is not null
      and (
        false
        {%- if min_value is not none %}
        or {{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        or {{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }}
        {%- endif %}
      )
{% endtest %}


{#- A set of columns is unique together. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select {{ combination_of_columns | join(', ') }}, count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}


{#- The model has at least `min_rows` rows (guards against a silently empty build). -#}
{% test row_count_at_least(model, min_rows=1) %}
    select row_count
    from (select count(*) as row_count from {{ model }}) as counted
    where row_count < {{ min_rows }}
{% endtest %}


{% macro written_in_this_run(run_column, run_marker) -%}
    {%- if run_marker == 'invocation_id' -%}
        {{ run_column }} = '{{ invocation_id }}'
    {%- elif run_marker == 'loaded_at' -%}
        {{ run_column }} = {{ this_run_loaded_at() }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "run_marker must be 'invocation_id' or 'loaded_at', not '" ~ run_marker ~ "'"
        ) }}
    {%- endif -%}
{%- endmacro %}


{% macro check_only_this_run(model, this_run) -%}
    {%- if not execute or flags.WHICH == 'test' -%}{{ return(false) }}{%- endif -%}
    {%- set earlier_rows = run_query(
        "select count(*) from " ~ model ~ " where not coalesce(" ~ this_run ~ ", false)"
    ).columns[0].values()[0] -%}
    {{ return(earlier_rows > 0) }}
{%- endmacro %}


{#-
    The key (a column, or `combination_of_columns`) of every row written in this run is unique
    in the whole table: new keys are checked against all earlier rows too, so a duplicate an
    incremental run leaves behind fails.
-#}
{% test unique_in_this_run(model, column_name=none, combination_of_columns=none,
        run_column='sessionised_invocation_id', run_marker='invocation_id') %}
    {%- set columns = combination_of_columns or [column_name] -%}
    {%- set this_run = written_in_this_run(run_column, run_marker) -%}
    {%- if not check_only_this_run(model, this_run) %}
    select {{ columns | join(', ') }}, count(*) as occurrences
    from {{ model }}
    where {% for column in columns %}{{ column }} is not null{{ ' and ' if not loop.last }}{% endfor %}
    group by {{ columns | join(', ') }}
    having count(*) > 1
    {%- else %}
    with keys_of_this_run as (
        select distinct {{ columns | join(', ') }}
        from {{ model }}
        where {{ this_run }}
    )
    select {% for column in columns %}all_rows.{{ column }}{{ ', ' if not loop.last }}{% endfor %},
        count(*) as occurrences
    from {{ model }} as all_rows
    inner join keys_of_this_run
        on {% for column in columns %}keys_of_this_run.{{ column }} = all_rows.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
    group by {% for column in columns %}all_rows.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
    having count(*) > 1
    {%- endif %}
{% endtest %}


{#- The column is never null on the rows written in this run. -#}
{% test not_null_in_this_run(model, column_name, run_column='sessionised_invocation_id',
        run_marker='invocation_id') %}
    {%- set this_run = written_in_this_run(run_column, run_marker) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is null
    {%- if check_only_this_run(model, this_run) %}
        and {{ this_run }}
    {%- endif %}
{% endtest %}


{#-
    Values of `column_name` the event vocabulary does not declare: each value of the column
    must appear in `map_column` of int_event_type_map (the seed event_type_map with var
    event_type_map_overrides), of one `source` when given, or be one of `fixed_values` (e.g.
    the fixed journey states landing and exit). Fails (or warns) with one row per undeclared
    value and its row count, so the message names the value.
-#}
{% test in_event_vocabulary(model, column_name, map_column, source=none, fixed_values=[]) %}

with declared as (

    select distinct {{ map_column }} as declared_value
    from {{ ref('int_event_type_map') }}
    where {{ map_column }} is not null
    {%- if source %}
        and source = '{{ source }}'
    {%- endif %}

),

undeclared as (

    select
        {{ column_name }} as undeclared_value,
        count(*) as rows_with_value
    from {{ model }}
    where {{ column_name }} is not null
        and {{ column_name }} not in (select declared_value from declared)
        {%- for value in fixed_values %}
        and {{ column_name }} <> '{{ value }}'
        {%- endfor %}
    group by {{ column_name }}

)

select * from undeclared

{% endtest %}
