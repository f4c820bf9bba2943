{#-
    The arrival-time lower bound of an incremental batch: the target's high-water mark minus
    `var('late_arrival_days')`, so late and out-of-order arrivals are re-read. Only call it inside
    `{% if is_incremental() %}`.
-#}
{% macro arrival_watermark(arrival_column='arrived_at') -%}
    (
        select {{ dateadd_exact('day', -1 * var('late_arrival_days'), 'max(' ~ arrival_column ~ ')') }}
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
    the loaded ones). Only call it inside `{% if is_incremental() %}`.
-#}
{% macro not_loaded_yet(source_file_column) -%}
    {{ source_file_column }} not in (select distinct source_file from {{ this }})
{%- endmacro %}
