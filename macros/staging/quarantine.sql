{#-
    Row validation. A base model lists its rules as (condition, reason) pairs; a row that breaks
    any rule is quarantined with every broken rule named ("event_ts: not a timestamp; ...").
-#}
{% macro quarantine_reason(rules) -%}
    nullif(concat_ws('; '
    {%- for condition, reason in rules %},
        case when {{ condition }} then '{{ reason }}' end
    {%- endfor %}
    ), '')
{%- endmacro %}


{#- Rule: a required value is missing (null or blank after cleaning). -#}
{% macro rule_required(column, label) -%}
    {{ return((column ~ ' is null', label ~ ': required value is missing')) }}
{%- endmacro %}


{#-
    Rules for a timestamp: `raw_text` is the cleaned raw text, `typed` its parsed UTC value.
    Missing (when required), present but not a timestamp, before `var('raw_timestamp_floor')`,
    one of the placeholder instants in `var('raw_zero_timestamps')` (a zero date), and, when
    `arrival` is given, later than that arrival plus `var('raw_max_future_minutes')` (a wrong
    clock): `arrival_label` says what the arrival is in the reason.
-#}
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


{#-
    When a row arrived: the collector's `received_at` when the row has one, else the first load
    of its file (the load log, macros/raw/raw_file_loads.sql). A `received_at` itself is
    judged against the first load of its file.
-#}
{% macro arrival_at(received_at='received_at', file_loaded_at='file_loaded_at') -%}
    coalesce({{ received_at }}, {{ file_loaded_at }})
{%- endmacro %}


{#-
    Notes on optional values that were nulled: the same form as quarantine_reason, for values a
    row can do without (a price of 'abc' or 'inf'). The row is staged with the value null and
    the note says which value went and why (column `nulled_values` of the base models; counted
    per entity in quality.raw_row_reconciliation).
-#}
{% macro nulled_values_note(rules) -%}
    {%- if rules -%}
        {{ quarantine_reason(rules) }}
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}


{#-
    Rules for an optional number (`typed` its parsed value, null when it does not parse or is
    not finite; `raw_text` the cleaned raw text): not a finite number (inf, -inf, nan as text
    or as a Parquet float), or not a number of `kind` at all. For notes (nulled) or, on a
    required number, for quarantine.
-#}
{% macro rules_number(typed, raw_text, label, kind='number') -%}
    {{ return([
        (is_non_finite(raw_text), label ~ ': not a finite number'),
        (raw_text ~ ' is not null and ' ~ typed ~ ' is null and not ' ~ is_non_finite(raw_text),
         label ~ ': not a ' ~ kind),
    ]) }}
{%- endmacro %}


{#-
    Stop the build here, naming the cause, when more than `var('raw_max_quarantined_share')` of
    an entity's raw rows were quarantined: the rest would be a misleading minority, and every
    layer after staging would fail later on a symptom. Called at the top of each stg_ model,
    which runs right after its base model; the base model (its rows and reasons) and
    quality.quarantined_rows are still built, so the rows can be inspected.
-#}
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


{#- What to change for the most common quarantine reason of an entity. -#}
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


{#- The row-number that picks one row per key: 1 is kept, higher ranks are duplicates. -#}
{% macro dedupe_rank(partition_by, order_by) -%}
    row_number() over (partition by {{ partition_by }} order by {{ order_by }})
{%- endmacro %}


{#- The raw values of a row as JSON text (PII columns arrive hashed from the raw view). -#}
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


{#- Column names of a source's contract, from the sources yml (the raw view has exactly these). -#}
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


{#-
    One entity's quarantined rows for `quarantined_rows`: the base model's verdict joined back to
    the raw row (by file and row number) so the raw values are kept as they arrived (PII hashed).
    With `new_files_only` (its incremental batch), only rows of the files with quarantined rows
    that quarantined_rows does not hold yet, named as constants so the raw reader opens only
    those files: a row's verdict depends on that row alone, so earlier files never change.
-#}
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
