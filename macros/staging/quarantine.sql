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
    Missing (when required), present but not a timestamp, or before `var('raw_timestamp_floor')`.
-#}
{% macro rules_timestamp(typed, raw_text, label, required=true) -%}
    {%- set floor = var('raw_timestamp_floor') -%}
    {%- set rules = [
        (raw_text ~ ' is not null and ' ~ typed ~ ' is null', label ~ ': not a timestamp'),
        (typed ~ " < cast('" ~ floor ~ "' as timestamp)", label ~ ': before the floor ' ~ floor),
    ] -%}
    {%- if required -%}
        {%- do rules.insert(0, rule_required(raw_text, label)) -%}
    {%- endif -%}
    {{ return(rules) }}
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
