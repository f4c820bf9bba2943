{% macro arrival_watermark(column) -%}
    (
        select {{ dateadd_exact('day', -1 * var('late_arrival_days'), 'max(' ~ column ~ ')') }}
        from {{ this }}
    )
{%- endmacro %}


{% macro row_fingerprint(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
    {%- endfor -%}
    {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}


{% macro keyed_incremental_materialization() -%}
    {{ return(adapter.dispatch('keyed_incremental_materialization')()) }}
{%- endmacro %}

{% macro default__keyed_incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__keyed_incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}


{% macro not_loaded_yet(source_file_column, source_name=none, table_name=none) -%}
    {%- if source_name is none or not execute -%}
        {{ source_file_column }} not in (select distinct source_file from {{ this }})
    {%- else -%}
        {%- set new_files = raw_files_not_in(source_name, table_name, this) -%}
        {{ file_list_condition(source_file_column, new_files) }}
    {%- endif -%}
{%- endmacro %}


{% macro file_list_condition(column, files) -%}
    {%- if files -%}
        {{ column }} in ({{ sql_string_literals(files) }})
    {%- else -%}
        1 = 0
    {%- endif -%}
{%- endmacro %}


{% macro this_run_loaded_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}


{% macro high_water_mark(column, data_type='timestamp') -%}
    {%- if not execute -%}{{ return('null') }}{%- endif -%}
    {%- set found = run_query(
        'select cast(max(' ~ column ~ ') as ' ~ dbt.type_string() ~ ') from ' ~ this
    ).columns[0].values()[0] -%}
    {%- if found is none -%}{{ return('cast(null as ' ~ data_type ~ ')') }}{%- endif -%}
    {{ return("cast('" ~ found ~ "' as " ~ data_type ~ ")") }}
{%- endmacro %}
