{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources')()) }}
{%- endmacro %}


{% macro default__register_raw_sources() -%}
    {{ exceptions.raise_compiler_error(
        "register_raw_sources has no implementation for adapter '" ~ adapter.type() ~ "'"
    ) }}
{%- endmacro %}


{% macro raw_data_dir() -%}
    {%- set raw_dir = (var('raw_data_dir') or env_var('RAW_DATA_DIR', 'data/raw')) | string | trim -%}
    {{ return(raw_dir[:-1] if raw_dir.endswith('/') else raw_dir) }}
{%- endmacro %}


{% macro duckdb__register_raw_sources() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- do prepare_pii_key() -%}
    {%- set raw_dir = raw_data_dir() -%}
    {%- set nodes = raw_source_nodes() -%}
    {%- set schemas_created = [] -%}
    {%- for source_node in nodes if source_node.schema not in schemas_created -%}
        {%- do run_query('create schema if not exists ' ~ adapter.quote(source_node.schema)) -%}
        {%- do schemas_created.append(source_node.schema) -%}
    {%- endfor -%}
    {%- set files_by_entity = {} -%}
    {%- set all_files = [] -%}
    {%- for source_node in nodes -%}
        {%- set entity = source_node.meta['raw_entity'] -%}
        {%- if entity not in files_by_entity -%}
            {%- set entity_dir = raw_dir ~ '/' ~ entity -%}
            {%- set files = duckdb_raw_entity_files(
                entity, entity_dir, raw_source_label(source_node, entity_dir)
            ) -%}
            {%- do files_by_entity.update({entity: files}) -%}
            {%- do all_files.extend(files) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if nodes -%}
        {%- do record_raw_file_loads(all_files, adapter.quote(nodes[0].schema) ~ '.raw_files') -%}
    {%- endif -%}
    {%- for source_node in nodes -%}
        {%- set view_sql = raw_entity_select(
            source_node, raw_dir, files_by_entity[source_node.meta['raw_entity']]
        ) -%}
        {%- set view_name = adapter.quote(source_node.schema) ~ '.' ~ adapter.quote(source_node.identifier) -%}
        {%- do run_query('create or replace view ' ~ view_name ~ ' as ' ~ view_sql) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}


{% macro duckdb_raw_entity_files(entity, entity_dir, source_label) -%}
    {%- set files = [] -%}
    {%- set pattern = sql_string_literal(entity_dir ~ '/*') -%}
    {%- if run_query("select count(*) from glob(" ~ pattern ~ ")").rows[0][0] > 0 -%}
        {%- set listing = run_query(
            "select filename, size,"
            ~ " strftime(date_trunc('second', timezone('UTC', last_modified)), '%Y-%m-%d %H:%M:%S')"
            ~ " from read_blob(" ~ pattern ~ ") order by filename"
        ) -%}
        {%- for row in listing.rows -%}
            {%- set listed = raw_listed_file(
                entity, entity_dir, row[0].split('/')[-1], row[1], row[2], source_label
            ) -%}
            {%- if listed is not none -%}{%- do files.append(listed) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(files) }}
{%- endmacro %}


{% macro raw_contract_columns(source_node) -%}
    {%- set contract = [] -%}
    {%- for column in source_node.columns.values() -%}
        {%- set column_meta = column.get('meta') or {} -%}
        {%- set column_config_meta = (column.get('config') or {}).get('meta') or {} -%}
        {%- set required = column_meta.get('required') or column_config_meta.get('required') or false -%}
        {%- set pii = column_meta.get('pii') or column_config_meta.get('pii') or none -%}
        {%- set erasure_key = column_meta.get('erasure_key')
            or column_config_meta.get('erasure_key') or false -%}
        {%- set url = column_meta.get('url') or column_config_meta.get('url') or false -%}
        {%- do contract.append({'name': column.name | lower, 'required': required, 'pii': pii,
            'erasure_key': erasure_key, 'url': url}) -%}
    {%- endfor -%}
    {{ return(contract) }}
{%- endmacro %}


{% macro raw_file_columns(files) -%}
    {%- set columns_by_file = {} -%}
    {%- set parquet_paths = files | selectattr('format', 'equalto', 'parquet') | map(attribute='path') | list -%}
    {%- if parquet_paths -%}
        {%- set schema_rows = run_query(
            "select file_name, lower(name) from parquet_schema([" ~ sql_string_literals(parquet_paths) ~ "])"
            ~ " where num_children is null or num_children = 0"
        ) -%}
        {%- for row in schema_rows.rows -%}
            {%- do columns_by_file.setdefault(row[0], []).append(row[1]) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for file in files if file.format == 'csv' -%}
        {%- set sniffed = run_query(
            "select unnest(Columns).name from sniff_csv(" ~ sql_string_literal(file.path) ~ ", header = true)"
        ) -%}
        {%- do columns_by_file.update({file.path: sniffed.columns[0].values() | map('lower') | list}) -%}
    {%- endfor -%}
    {{ return(columns_by_file) }}
{%- endmacro %}


{% macro check_required_columns(contract, columns_by_file, source_label) -%}
    {%- for path, present in columns_by_file.items() -%}
        {%- for column in contract if column.required and column.name not in present -%}
            {{ exceptions.raise_compiler_error(
                "Raw data contract violated: file '" ~ path ~ "' of source " ~ source_label
                ~ " has no column '" ~ column.name ~ "' (rule: required column)."
            ) }}
        {%- endfor -%}
    {%- endfor -%}
{%- endmacro %}


{% macro raw_entity_select(source_node, raw_dir, files) -%}
    {%- set entity_dir = raw_dir ~ '/' ~ source_node.meta['raw_entity'] -%}
    {%- set contract = raw_contract_columns(source_node) -%}
    {%- set columns_by_file = raw_file_columns(files) -%}
    {%- do check_required_columns(contract, columns_by_file, raw_source_label(source_node, entity_dir)) -%}

    {%- set all_present = [] -%}
    {%- for present in columns_by_file.values() -%}
        {%- do all_present.extend(present) -%}
    {%- endfor -%}

    {%- set readers = [] -%}
    {%- set parquet_paths = files | selectattr('format', 'equalto', 'parquet') | map(attribute='path') | list -%}
    {%- set csv_paths = files | selectattr('format', 'equalto', 'csv') | map(attribute='path') | list -%}
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

    {%- set projected = raw_projected_columns(contract, all_present) -%}

    {%- if readers -%}
        with raw_rows as (
            select {{ projected | join(', ') }}, _source_file, _source_row_number
            from ({{ readers | join(' union all by name ') }}) as file_rows
            where {{ raw_not_erased_condition(contract, all_present) }}
        )
        {{ raw_rows_with_load_facts() }}
    {%- else -%}
        select {{ projected | join(', ') }},
            cast(null as varchar) as _source_file, cast(null as bigint) as _source_row_number,
            cast(null as timestamp) as _source_loaded_at, cast(null as timestamp) as _source_modified_at
        where 1 = 0
    {%- endif -%}
{%- endmacro %}


{% macro raw_rows_with_load_facts() -%}
    select raw_rows.*, loads.first_loaded_at as _source_loaded_at,
        loads.modified_at as _source_modified_at
    from raw_rows
    left join audit.raw_file_loads as loads on loads.source_file = raw_rows._source_file
{%- endmacro %}


{% macro raw_not_erased_condition(contract, present_columns) -%}
    {%- set erasure_keys = [] -%}
    {%- for column in contract if column.erasure_key and column.name in present_columns -%}
        {%- do erasure_keys.append((column.name, erasure_key_type(column))) -%}
    {%- endfor -%}
    {{ return(not_erased_condition(erasure_keys)) }}
{%- endmacro %}


{% macro raw_projected_columns(contract, present_columns) -%}
    {%- set projected = [] -%}
    {%- for column in contract -%}
        {%- set quoted = adapter.quote(column.name) -%}
        {%- if column.name in present_columns and column.pii -%}
            {%- do projected.append(hash_pii(normalise_pii(column.pii, quoted)) ~ ' as ' ~ quoted) -%}
        {%- elif column.name in present_columns and column.url -%}
            {%- do projected.append(url_without_query(quoted) ~ ' as ' ~ quoted) -%}
        {%- elif column.name in present_columns -%}
            {%- do projected.append(quoted) -%}
        {%- else -%}
            {%- do projected.append('cast(null as ' ~ dbt.type_string() ~ ') as ' ~ quoted) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(projected) }}
{%- endmacro %}
