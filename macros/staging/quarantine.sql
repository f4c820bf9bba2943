{% macro quarantine_reason(rules) -%}
    nullif(concat_ws('; '
    {%- for condition, reason in rules %},
        case when {{ condition }} then '{{ reason }}' end
    {%- endfor %}
    ), '')
{%- endmacro %}


{% macro rule_required(column, label) -%}
    {{ return((column ~ ' is null', label ~ ': required value is missing')) }}
{%- endmacro %}


{% macro rules_timestamp(typed, raw_text, label, required=true, arrival=none,
        arrival_label='its arrival') -%}
    {%- set floor = var('raw_timestamp_floor') -%}
    {%- set rules = [
        (raw_text ~ ' is not null and ' ~ typed ~ ' is null', label ~ ': not a timestamp'),
        (typed ~ ' < cast(' ~ sql_string_literal(floor) ~ ' as timestamp)', label ~ ': before the floor ' ~ floor),
    ] -%}
    {%- for zero in var('raw_zero_timestamps') or [] -%}
        {%- do rules.append((
            typed ~ ' = cast(' ~ sql_string_literal(zero) ~ ' as timestamp)',
            label ~ ': a zero date (' ~ zero ~ ')'
        )) -%}
    {%- endfor -%}
    {%- if arrival is not none -%}
        {%- set minutes = var('raw_max_future_minutes') | int -%}
        {%- do rules.append((
            typed ~ ' > ' ~ dateadd_exact('minute', minutes, arrival),
            label ~ ': in the future (more than ' ~ minutes ~ ' minutes after ' ~ arrival_label ~ ')'
        )) -%}
    {%- endif -%}
    {%- if required -%}
        {%- do rules.insert(0, rule_required(raw_text, label)) -%}
    {%- endif -%}
    {{ return(rules) }}
{%- endmacro %}


{% macro arrival_at(received_at='received_at', file_loaded_at='file_loaded_at') -%}
    coalesce({{ received_at }}, {{ file_loaded_at }})
{%- endmacro %}


{% macro nulled_values_note(rules) -%}
    {%- if rules -%}
        {{ quarantine_reason(rules) }}
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}


{% macro rules_number(typed, raw_text, label, kind='number') -%}
    {{ return([
        (is_non_finite(raw_text), label ~ ': not a finite number'),
        (raw_text ~ ' is not null and ' ~ typed ~ ' is null and not ' ~ is_non_finite(raw_text),
         label ~ ': not a ' ~ kind),
    ]) }}
{%- endmacro %}


{% macro stop_when_mostly_quarantined(base_relation, source_label) -%}
    {%- set limit = var('raw_max_quarantined_share') -%}
    {%- if not execute or limit is none -%}{{ return('') }}{%- endif -%}
    {%- set counts = run_query(
        "select count(*), count(quarantine_reason) from " ~ base_relation
    ).rows[0] -%}
    {%- set rows, quarantined = counts[0] | int, counts[1] | int -%}
    {%- if rows == 0 or quarantined <= rows * (limit | float) -%}{{ return('') }}{%- endif -%}
    {%- set top = run_query(
        "select quarantine_reason, count(*) from " ~ base_relation
        ~ " where quarantine_reason is not null group by quarantine_reason"
        ~ " order by count(*) desc, quarantine_reason limit 1"
    ).rows[0] -%}
    {{ exceptions.raise_compiler_error(
        source_label ~ ": " ~ '{:,}'.format(quarantined) ~ " of " ~ '{:,}'.format(rows)
        ~ " rows (" ~ ((100 * quarantined / rows) | round | int) ~ "%) quarantined, mostly '"
        ~ top[0] ~ "' (" ~ '{:,}'.format(top[1] | int) ~ " rows): " ~ quarantine_remedy(top[0])
        ~ ". Every row and its reasons: " ~ base_relation ~ " (quarantine_reason). The build"
        ~ " stops when more than " ~ ((100 * (limit | float)) | round | int) ~ "% of an entity's"
        ~ " rows are quarantined (var raw_max_quarantined_share)."
    ) }}
{%- endmacro %}


{% macro quarantine_remedy(reason) -%}
    {%- if 'before the floor' in reason -%}
        {{ return("if these dates are real history, set var raw_timestamp_floor earlier, e.g."
            ~ " --vars '{raw_timestamp_floor: 1800-01-01}'") }}
    {%- elif 'in the future' in reason -%}
        {{ return("the clock of the system that wrote the file is wrong (fix it), or its times"
            ~ " lead their arrival by more than var raw_max_future_minutes ("
            ~ var('raw_max_future_minutes') ~ "): set it higher") }}
    {%- elif 'a zero date' in reason -%}
        {{ return("these timestamps are placeholders for a missing value (var"
            ~ " raw_zero_timestamps lists them): fix the export") }}
    {%- elif 'not a timestamp' in reason -%}
        {{ return("the column is not ISO-8601 text or a timestamp: fix the export") }}
    {%- endif -%}
    {{ return("fix the export") }}
{%- endmacro %}


{#- A bigint on both engines (Spark's row_number() is an int, DuckDB's a bigint). -#}
{% macro dedupe_rank(partition_by, order_by) -%}
    cast(row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as bigint)
{%- endmacro %}


{% macro raw_values_json(relation_alias, columns) -%}
    {{ return(adapter.dispatch('raw_values_json')(relation_alias, columns)) }}
{%- endmacro %}

{#- Spark: null values stay in the JSON as null, as in DuckDB's json_object. -#}
{% macro default__raw_values_json(relation_alias, columns) -%}
    to_json(named_struct(
    {%- for column in columns %}
        '{{ column }}', cast({{ relation_alias }}.{{ column }} as {{ dbt.type_string() }})
        {{- ',' if not loop.last }}
    {%- endfor %}
    ), map('ignoreNullFields', 'false'))
{%- endmacro %}

{% macro duckdb__raw_values_json(relation_alias, columns) -%}
    cast(json_object(
    {%- for column in columns %}
        '{{ column }}', cast({{ relation_alias }}.{{ column }} as {{ dbt.type_string() }})
        {{- ',' if not loop.last }}
    {%- endfor %}
    ) as {{ dbt.type_string() }})
{%- endmacro %}


{% macro source_contract_columns(source_name, table_name) -%}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- for node in graph.sources.values()
            if node.source_name == source_name and node.name == table_name -%}
            {%- for column in node.columns.values() -%}
                {%- do columns.append(column.name | lower) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}


{% macro quarantined_rows_from(base_model, source_name, table_name, record_id_column,
        new_files_only=false) -%}
    {%- if new_files_only and execute -%}
        {%- set files = run_query(
            "select distinct source_file from " ~ ref(base_model)
            ~ " where quarantine_reason is not null and source_file not in"
            ~ " (select distinct source_file from " ~ this ~ ") order by 1"
        ).columns[0].values() | list -%}
    {%- endif %}
    select
        '{{ source_name }}.{{ table_name }}' as source_name,
        base.source_file,
        base.source_row_number,
        cast(base.{{ record_id_column }} as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        {{ raw_values_json('raw_rows', source_contract_columns(source_name, table_name)) }}
            as raw_values
    from {{ ref(base_model) }} as base
    inner join {{ source(source_name, table_name) }} as raw_rows
        on raw_rows._source_file = base.source_file
        and raw_rows._source_row_number = base.source_row_number
    where base.quarantine_reason is not null
    {%- if new_files_only and execute %}
        and {{ file_list_condition('base.source_file', files) }}
        and {{ file_list_condition('raw_rows._source_file', files) }}
    {%- endif %}
{%- endmacro %}
