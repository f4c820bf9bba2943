{#-
    Raw files -> dbt sources.

    Every source with `meta.raw_entity` is a folder `<raw_data_dir>/<raw_entity>/` of Parquet
    and/or CSV files. At the start of every dbt invocation this macro (an `on-run-start` hook)
    checks the files against the contract written in the sources yml and (re)creates one view
    per entity in the `raw` schema, so staging selects from `{{ source(...) }}` like from any
    warehouse table:

    * every contract column is present; a column absent from a user's file becomes null, a
      required column absent from any file stops the run naming the file, column and rule;
    * `_source_file` and `_source_row_number` say where each row came from (quarantine);
    * a missing folder gives an empty view with the contract's columns, so every entity is
      optional;
    * an empty (0-byte) file stops the run naming the file;
    * columns marked `pii` in the contract are normalised and salted-hashed right here, so clear
      text e-mails, phones, names and IPs never appear in any warehouse table or view;
    * rows whose `erasure_key` column (a customer id) belongs to a customer erased with
      `forget_customer` are left out, so no layer ever sees them again.

    Dispatched so another adapter (Spark: `create temporary view ... using parquet`) can bring
    its own implementation.
-#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources')()) }}
{%- endmacro %}


{% macro default__register_raw_sources() -%}
    {{ exceptions.raise_compiler_error(
        "register_raw_sources has no implementation for adapter '" ~ adapter.type() ~ "'"
    ) }}
{%- endmacro %}


{% macro duckdb__register_raw_sources() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set raw_dir = (var('raw_data_dir') or env_var('RAW_DATA_DIR', 'data/raw')) | string | trim -%}
    {%- set raw_dir = raw_dir[:-1] if raw_dir.endswith('/') else raw_dir -%}
    {%- set schemas_created = [] -%}
    {%- for source_node in graph.sources.values() if source_node.meta.get('raw_entity') -%}
        {%- if source_node.schema not in schemas_created -%}
            {%- do run_query('create schema if not exists ' ~ adapter.quote(source_node.schema)) -%}
            {%- do schemas_created.append(source_node.schema) -%}
        {%- endif -%}
        {%- set view_sql = raw_entity_select(source_node, raw_dir) -%}
        {%- set view_name = adapter.quote(source_node.schema) ~ '.' ~ adapter.quote(source_node.identifier) -%}
        {%- do run_query('create or replace view ' ~ view_name ~ ' as ' ~ view_sql) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}


{#- The contract columns of a source node: [{name, required, pii}] in yml order. -#}
{% macro raw_contract_columns(source_node) -%}
    {%- set contract = [] -%}
    {%- for column in source_node.columns.values() -%}
        {%- set column_meta = column.get('meta') or {} -%}
        {%- set column_config_meta = (column.get('config') or {}).get('meta') or {} -%}
        {%- set required = column_meta.get('required') or column_config_meta.get('required') or false -%}
        {%- set pii = column_meta.get('pii') or column_config_meta.get('pii') or none -%}
        {%- set erasure_key = column_meta.get('erasure_key')
            or column_config_meta.get('erasure_key') or false -%}
        {%- do contract.append({'name': column.name | lower, 'required': required, 'pii': pii,
            'erasure_key': erasure_key}) -%}
    {%- endfor -%}
    {{ return(contract) }}
{%- endmacro %}


{#- Files of one entity folder, by format: {'parquet': [...], 'csv': [...]}; fails on empty files. -#}
{% macro raw_entity_files(entity_dir, source_label) -%}
    {%- set found = {'parquet': [], 'csv': []} -%}
    {%- set listing = run_query(
        "select filename, size from read_blob('" ~ entity_dir ~ "/*') order by filename"
    ) if raw_dir_has_files(entity_dir) else none -%}
    {%- if listing is not none -%}
        {%- for row in listing.rows -%}
            {%- set path = row[0] -%}
            {%- set lowered = path | lower -%}
            {%- set format = 'parquet' if lowered.endswith('.parquet')
                else ('csv' if (lowered.endswith('.csv') or lowered.endswith('.csv.gz')) else none) -%}
            {%- if format is not none -%}
                {%- if row[1] == 0 -%}
                    {{ exceptions.raise_compiler_error(
                        "Raw data contract violated: file '" ~ path ~ "' of source " ~ source_label
                        ~ " is empty (0 bytes) (rule: a raw file holds a header/schema)."
                    ) }}
                {%- endif -%}
                {%- do found[format].append(path) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}


{% macro raw_dir_has_files(entity_dir) -%}
    {%- set result = run_query("select count(*) from glob('" ~ entity_dir ~ "/*')") -%}
    {{ return(result.rows[0][0] > 0) }}
{%- endmacro %}


{#- Column names present in each file: {path: [lowercase names]}. -#}
{% macro raw_file_columns(files_by_format, entity_dir) -%}
    {%- set columns_by_file = {} -%}
    {%- if files_by_format['parquet'] -%}
        {%- set schema_rows = run_query(
            "select file_name, lower(name) from parquet_schema('" ~ entity_dir ~ "/*.parquet')"
            ~ " where num_children is null or num_children = 0"
        ) -%}
        {%- for row in schema_rows.rows -%}
            {%- do columns_by_file.setdefault(row[0], []).append(row[1]) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for path in files_by_format['csv'] -%}
        {%- set sniffed = run_query(
            "select unnest(Columns).name from sniff_csv('" ~ path ~ "', header = true)"
        ) -%}
        {%- do columns_by_file.update({path: sniffed.columns[0].values() | map('lower') | list}) -%}
    {%- endfor -%}
    {{ return(columns_by_file) }}
{%- endmacro %}


{#- The select that types nothing and renames nothing: contract columns + provenance. -#}
{% macro raw_entity_select(source_node, raw_dir) -%}
    {%- set entity = source_node.meta['raw_entity'] -%}
    {%- set entity_dir = raw_dir ~ '/' ~ entity -%}
    {%- set source_label = source_node.source_name ~ '.' ~ source_node.name
        ~ " (" ~ entity_dir ~ ")" -%}
    {%- set contract = raw_contract_columns(source_node) -%}
    {%- set files = raw_entity_files(entity_dir, source_label) -%}
    {%- set columns_by_file = raw_file_columns(files, entity_dir) -%}

    {%- for path, present in columns_by_file.items() -%}
        {%- for column in contract if column.required and column.name not in present -%}
            {{ exceptions.raise_compiler_error(
                "Raw data contract violated: file '" ~ path ~ "' of source " ~ source_label
                ~ " has no column '" ~ column.name ~ "' (rule: required column)."
            ) }}
        {%- endfor -%}
    {%- endfor -%}

    {%- set all_present = [] -%}
    {%- for present in columns_by_file.values() -%}
        {%- do all_present.extend(present) -%}
    {%- endfor -%}

    {%- set readers = [] -%}
    {%- if files['parquet'] -%}
        {%- do readers.append(
            "select *, filename as _source_file, file_row_number + 1 as _source_row_number"
            ~ " from read_parquet('" ~ entity_dir ~ "/*.parquet', union_by_name = true,"
            ~ " filename = true, file_row_number = true)"
        ) -%}
    {%- endif -%}
    {%- if files['csv'] -%}
        {#- CSV: every value arrives as text; staging types it. Row numbers follow read order. -#}
        {%- do readers.append(
            "select *, filename as _source_file,"
            ~ " row_number() over (partition by filename) as _source_row_number"
            ~ " from read_csv(['" ~ files['csv'] | join("', '") ~ "'], union_by_name = true,"
            ~ " filename = true, all_varchar = true, header = true)"
        ) -%}
    {%- endif -%}

    {%- set projected = [] -%}
    {%- for column in contract -%}
        {%- if column.name in all_present and column.pii -%}
            {%- do projected.append(
                hash_pii(normalise_pii(column.pii, adapter.quote(column.name)))
                ~ ' as ' ~ adapter.quote(column.name)
            ) -%}
        {%- elif column.name in all_present -%}
            {%- do projected.append(adapter.quote(column.name)) -%}
        {%- else -%}
            {%- do projected.append('cast(null as varchar) as ' ~ adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set erasure_keys = [] -%}
    {%- for column in contract if column.erasure_key and column.name in all_present -%}
        {%- do erasure_keys.append(column.name) -%}
    {%- endfor -%}
    {%- if readers -%}
        select {{ projected | join(', ') }}, _source_file, _source_row_number
        from ({{ readers | join(' union all by name ') }}) as raw_rows
        where {{ not_erased_condition(erasure_keys) }}
    {%- else -%}
        select {{ projected | join(', ') }},
            cast(null as varchar) as _source_file, cast(null as bigint) as _source_row_number
        where 1 = 0
    {%- endif -%}
{%- endmacro %}
