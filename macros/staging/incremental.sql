{#-
    The lower bound of an insert-only trigger's lookback: the target's high-water mark of
    `column` minus `var('late_arrival_days')`, so events that arrive late or out of order are
    looked at again (the triggers' idempotency keys stop them firing twice). Only call it
    inside `{% if is_incremental() %}`.
-#}
{% macro arrival_watermark(column) -%}
    (
        select {{ dateadd_exact('day', -1 * var('late_arrival_days'), 'max(' ~ column ~ ')') }}
        from {{ this }}
    )
{%- endmacro %}


{#- A fingerprint of a row's content: changes when any listed column changes (nulls included). -#}
{% macro row_fingerprint(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
    {%- endfor -%}
    {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}


{#-
    The materialization of the models that replace rows by key (incremental_strategy
    'delete+insert'): incremental on DuckDB. Spark's built-in Parquet tables can neither delete
    nor merge rows (that takes Delta Lake or Iceberg, where `merge` on the same unique_key does
    it), so on Spark those models are rebuilt in full as tables: the same rows, more work per run.
-#}
{% macro keyed_incremental_materialization() -%}
    {{ return(adapter.dispatch('keyed_incremental_materialization')()) }}
{%- endmacro %}

{% macro default__keyed_incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__keyed_incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}


{#-
    Rows of raw files this incremental model has not loaded yet (its `source_file` column lists
    the loaded ones). With the source's name, the new files are listed once when the model runs
    and named as constants, so the reader opens only them instead of filtering every row of
    every file. Only call it inside `{% if is_incremental() %}`.
-#}
{% macro not_loaded_yet(source_file_column, source_name=none, table_name=none) -%}
    {%- if source_name is none or not execute -%}
        {{ source_file_column }} not in (select distinct source_file from {{ this }})
    {%- else -%}
        {%- set new_files = raw_files_not_in(source_name, table_name, this) -%}
        {{ file_list_condition(source_file_column, new_files) }}
    {%- endif -%}
{%- endmacro %}


{#- `column in ('a', 'b')`, or a false condition for an empty list. -#}
{% macro file_list_condition(column, files) -%}
    {%- if files -%}
        {{ column }} in ({{ sql_string_literals(files) }})
    {%- else -%}
        1 = 0
    {%- endif -%}
{%- endmacro %}


{#-
    When this dbt invocation started, as a UTC timestamp: the `loaded_at` of the rows an
    incremental model writes, so models downstream pick up exactly the rows loaded since they
    last ran (whatever their event time), with no lookback window.
-#}
{% macro this_run_loaded_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}


{#-
    The largest value of a column in this incremental model's table, as a SQL literal (`null`
    when the table is empty), read once when the model runs: a constant lets the warehouse skip
    the storage blocks of earlier loads instead of joining every row against a subquery.
    Only call it inside `{% if is_incremental() %}`.
-#}
{% macro high_water_mark(column, data_type='timestamp') -%}
    {%- if not execute -%}{{ return('null') }}{%- endif -%}
    {%- set found = run_query(
        'select cast(max(' ~ column ~ ') as ' ~ dbt.type_string() ~ ') from ' ~ this
    ).columns[0].values()[0] -%}
    {%- if found is none -%}{{ return('cast(null as ' ~ data_type ~ ')') }}{%- endif -%}
    {{ return("cast('" ~ found ~ "' as " ~ data_type ~ ")") }}
{%- endmacro %}
