{% macro raw_entity_select(source_node, raw_dir, files) -%}
    {%- set entity_dir = raw_dir ~ '/' ~ source_node.meta['raw_entity'] -%}
    {%- set contract = raw_contract_columns(source_node) -%}
    {%- set columns_by_file = raw_file_columns(files) -%}
    {%- do check_required_columns(contract, columns_by_file, raw_source_label(source_node, entity_dir)) -%}

    {%- set all_present = [] -%}
    {%- for present in columns_by_file.values() -%}
        {%- do all_present.extend(present) -%}
    {%- endfor -%}

    {%- set readers = raw_file_readers(files) -%}
    {%- if readers -%}
        {{ raw_view_rows(contract, all_present, readers | join(' union all by name ')) }}
    {%- else -%}
        {{ raw_empty_view(contract) }}
    {%- endif -%}
{%- endmacro %}


{% macro raw_view_rows(contract, present_columns, rows_sql) -%}
    with raw_rows as (
        select {{ raw_projected_columns(contract, present_columns) | join(', ') }},
            _source_file, _source_row_number
        from ({{ rows_sql }}) as file_rows
        where {{ raw_not_erased_condition(contract, present_columns) }}
    )
    {{ raw_rows_with_load_facts() }}
{%- endmacro %}


{% macro raw_empty_view(contract) -%}
    select {{ raw_projected_columns(contract, []) | join(', ') }},
        cast(null as varchar) as _source_file, cast(null as bigint) as _source_row_number,
        cast(null as timestamp) as _source_loaded_at, cast(null as timestamp) as _source_modified_at
    where 1 = 0
{%- endmacro %}


{% macro raw_rows_with_load_facts() -%}
    select raw_rows.*, loads.first_loaded_at as _source_loaded_at,
        loads.modified_at as _source_modified_at
    from raw_rows
    left join audit.raw_file_loads as loads on loads.source_file = raw_rows._source_file
{%- endmacro %}


{% macro raw_file_readers(files) -%}
    {%- set readers = [] -%}
    {%- set parquet_paths = files | selectattr('format', 'equalto', 'parquet') | map(attribute='path') | list -%}
    {%- set csv_paths = files | selectattr('format', 'equalto', 'csv') | map(attribute='path') | list -%}
    {%- set json_paths = files | selectattr('format', 'equalto', 'json') | map(attribute='path') | list -%}
    {%- if parquet_paths -%}
        {%- do readers.append(
            "select *, filename as _source_file, file_row_number + 1 as _source_row_number"
            ~ " from read_parquet([" ~ sql_string_literals(parquet_paths) ~ "], union_by_name = true,"
            ~ " filename = true, file_row_number = true)"
        ) -%}
    {%- endif -%}
    {%- if csv_paths -%}
        {#- CSV: every value arrives as text; staging types it. Row numbers follow read order. -#}
        {%- do readers.append(
            "select *, filename as _source_file,"
            ~ " row_number() over (partition by filename) as _source_row_number"
            ~ " from read_csv([" ~ sql_string_literals(csv_paths) ~ "], union_by_name = true,"
            ~ " filename = true, all_varchar = true, header = true)"
        ) -%}
    {%- endif -%}
    {%- if json_paths -%}
        {#- JSON Lines (or a JSON array): nested records stay records; read order numbers rows. -#}
        {%- do readers.append(
            "select *, filename as _source_file,"
            ~ " row_number() over (partition by filename) as _source_row_number"
            ~ " from read_json([" ~ sql_string_literals(json_paths) ~ "], union_by_name = true,"
            ~ " filename = true, format = 'auto')"
        ) -%}
    {%- endif -%}
    {{ return(readers) }}
{%- endmacro %}
