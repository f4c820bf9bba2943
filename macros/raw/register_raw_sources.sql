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

    Dispatched: DuckDB reads the files with read_parquet/read_csv into views of the `raw`
    schema; Spark (spark__register_raw_sources, below) into global temporary views (the sources'
    schema is `global_temp` on that target) over per-file-group readers, with the same contract.
-#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources')()) }}
{%- endmacro %}


{% macro default__register_raw_sources() -%}
    {{ exceptions.raise_compiler_error(
        "register_raw_sources has no implementation for adapter '" ~ adapter.type() ~ "'"
    ) }}
{%- endmacro %}


{#- The raw folder: var raw_data_dir, else env RAW_DATA_DIR, else data/raw; no trailing slash. -#}
{% macro raw_data_dir() -%}
    {%- set raw_dir = (var('raw_data_dir') or env_var('RAW_DATA_DIR', 'data/raw')) | string | trim -%}
    {{ return(raw_dir[:-1] if raw_dir.endswith('/') else raw_dir) }}
{%- endmacro %}


{% macro duckdb__register_raw_sources() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set raw_dir = raw_data_dir() -%}
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

    {%- set projected = raw_projected_columns(contract, all_present) -%}

    {%- if readers -%}
        select {{ projected | join(', ') }}, _source_file, _source_row_number
        from ({{ readers | join(' union all by name ') }}) as raw_rows
        where {{ raw_not_erased_condition(contract, all_present) }}
    {%- else -%}
        select {{ projected | join(', ') }},
            cast(null as varchar) as _source_file, cast(null as bigint) as _source_row_number
        where 1 = 0
    {%- endif -%}
{%- endmacro %}


{#-
    Spark: the same contract with Spark's readers. One listing of the raw folder (binaryFile,
    names and sizes only; Spark skips names starting with `_` or `.`), each file's columns from
    its own schema (Parquet footer, CSV header), then one reader per group of Parquet files with
    the same columns (`parquet.` path with `_metadata` for file and row number) and one
    temporary view per CSV file (header, RFC 4180 quotes), unioned by name (a column a group
    lacks is null) under the same projection, PII hashing and erasure filter as on DuckDB.
    The entity views are global temporary views (`global_temp.<entity>`): they live as long as
    the dbt invocation's Spark application and may read the session's CSV views. The raw
    folder itself must exist (Spark cannot list a missing path); a missing entity folder gives
    an empty view as on DuckDB. CSV files are comma-separated (DuckDB sniffs the delimiter).
-#}
{% macro spark__register_raw_sources() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set raw_dir = raw_data_dir() -%}
    {%- set files_by_entity = spark_raw_files(raw_dir) -%}
    {%- for source_node in graph.sources.values() if source_node.meta.get('raw_entity') -%}
        {%- if source_node.schema != 'global_temp' -%}
            {{ exceptions.raise_compiler_error(
                "On Spark the raw sources live in global_temp (source " ~ source_node.source_name
                ~ "." ~ source_node.name ~ " has schema '" ~ source_node.schema ~ "')"
            ) }}
        {%- endif -%}
        {%- set entity = source_node.meta['raw_entity'] -%}
        {%- set view_sql = spark_raw_entity_select(
            source_node, raw_dir, files_by_entity.get(entity, [])
        ) -%}
        {%- do run_query(
            'create or replace global temporary view ' ~ adapter.quote(source_node.identifier)
            ~ ' as ' ~ view_sql
        ) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}


{#- Files directly inside each entity folder: {entity: [{name, size}]}, sorted by name. -#}
{% macro spark_raw_files(raw_dir) -%}
    {%- do run_query(
        "create or replace temporary view behaviorseg_raw_files using binaryFile"
        ~ " options (path '" ~ raw_dir ~ "', recursiveFileLookup 'true')"
    ) -%}
    {#- path is a URI (file:/.../<entity>/<file>): its last two names are entity and file. -#}
    {%- set listing = run_query(
        "select element_at(split(path, '/'), -2) as entity,"
        ~ " element_at(split(path, '/'), -1) as file_name, length"
        ~ " from behaviorseg_raw_files order by entity, file_name"
    ) -%}
    {%- set files_by_entity = {} -%}
    {%- for row in listing.rows -%}
        {%- do files_by_entity.setdefault(row[0], []).append({'name': row[1], 'size': row[2]}) -%}
    {%- endfor -%}
    {{ return(files_by_entity) }}
{%- endmacro %}


{#- A Hadoop glob matching exactly these file names of a folder (special characters escaped). -#}
{% macro spark_file_glob(entity_dir, names) -%}
    {%- set escaped = [] -%}
    {%- for name in names -%}
        {%- set value = namespace(text=name) -%}
        {%- for special in ['\\', '{', '}', '[', ']', '*', '?', ','] -%}
            {%- set value.text = value.text | replace(special, '\\' ~ special) -%}
        {%- endfor -%}
        {%- do escaped.append(value.text) -%}
    {%- endfor -%}
    {{ return(entity_dir ~ '/{' ~ escaped | join(',') ~ '}') }}
{%- endmacro %}


{#- The raw view's select on Spark (see spark__register_raw_sources). -#}
{% macro spark_raw_entity_select(source_node, raw_dir, entity_files) -%}
    {%- set entity = source_node.meta['raw_entity'] -%}
    {%- set entity_dir = raw_dir ~ '/' ~ entity -%}
    {%- set source_label = source_node.source_name ~ '.' ~ source_node.name
        ~ " (" ~ entity_dir ~ ")" -%}
    {%- set contract = raw_contract_columns(source_node) -%}

    {#- Each file's columns; the same checks and messages as on DuckDB. -#}
    {%- set parquet_groups = {} -%}
    {%- set csv_readers = [] -%}
    {%- set all_present = [] -%}
    {%- for file in entity_files -%}
        {%- set path = entity_dir ~ '/' ~ file.name -%}
        {%- set lowered = file.name | lower -%}
        {%- set format = 'parquet' if lowered.endswith('.parquet')
            else ('csv' if (lowered.endswith('.csv') or lowered.endswith('.csv.gz')) else none) -%}
        {%- if format is not none and file.size == 0 -%}
            {{ exceptions.raise_compiler_error(
                "Raw data contract violated: file '" ~ path ~ "' of source " ~ source_label
                ~ " is empty (0 bytes) (rule: a raw file holds a header/schema)."
            ) }}
        {%- endif -%}
        {%- if format == 'parquet' -%}
            {%- set present = run_query(
                "select * from parquet.`" ~ path ~ "` limit 0"
            ).column_names | map('lower') | list -%}
            {%- do parquet_groups.setdefault(present | join(','), {'columns': present, 'names': []})
                .names.append(file.name) -%}
        {%- elif format == 'csv' -%}
            {%- set view_name = 'behaviorseg_raw_' ~ entity ~ '_csv_' ~ (csv_readers | length + 1) -%}
            {%- do run_query(
                "create or replace temporary view " ~ view_name ~ " using csv options (path '"
                ~ path ~ "', header 'true', escape '\"', multiLine 'true')"
            ) -%}
            {%- set present = run_query("select * from " ~ view_name ~ " limit 0")
                .column_names | map('lower') | list -%}
            {%- do csv_readers.append({'view': view_name, 'path': path, 'columns': present}) -%}
        {%- endif -%}
        {%- if format is not none -%}
            {%- for column in contract if column.required and column.name not in present -%}
                {{ exceptions.raise_compiler_error(
                    "Raw data contract violated: file '" ~ path ~ "' of source " ~ source_label
                    ~ " has no column '" ~ column.name ~ "' (rule: required column)."
                ) }}
            {%- endfor -%}
            {%- do all_present.extend(present) -%}
        {%- endif -%}
    {%- endfor -%}

    {#- One select per reader with every contract column seen in any file (null where absent). -#}
    {%- set readers = [] -%}
    {%- set glob_matches_group = namespace(value=(parquet_groups | length == 1)) -%}
    {%- for group in parquet_groups.values() -%}
        {%- for name in group.names if not name.endswith('.parquet') -%}
            {%- set glob_matches_group.value = false -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for group in parquet_groups.values() -%}
        {#- Usually every file has the same columns: one reader over the folder's glob. -#}
        {%- set location = entity_dir ~ '/*.parquet' if glob_matches_group.value
            else spark_file_glob(entity_dir, group.names) -%}
        {%- do readers.append(
            "select " ~ spark_raw_reader_columns(contract, all_present, group.columns)
            ~ ", concat('" ~ entity_dir ~ "/', _metadata.file_name) as _source_file,"
            ~ " _metadata.row_index + 1 as _source_row_number"
            ~ " from parquet.`" ~ location ~ "`"
        ) -%}
    {%- endfor -%}
    {%- for reader in csv_readers -%}
        {#- CSV: every value arrives as text; staging types it. Row numbers follow read order. -#}
        {%- do readers.append(
            "select " ~ spark_raw_reader_columns(contract, all_present, reader.columns)
            ~ ", '" ~ reader.path ~ "' as _source_file,"
            ~ " cast(row_number() over (order by monotonically_increasing_id()) as bigint)"
            ~ " as _source_row_number from " ~ reader.view
        ) -%}
    {%- endfor -%}

    {%- set projected = raw_projected_columns(contract, all_present) -%}

    {%- if readers -%}
        select {{ projected | join(', ') }}, _source_file, _source_row_number
        from ({{ readers | join(' union all ') }}) as raw_rows
        where {{ raw_not_erased_condition(contract, all_present) }}
    {%- else -%}
        select {% for column in contract -%}
            cast(null as string) as {{ adapter.quote(column.name) }},
        {%- endfor %}
            cast(null as string) as _source_file, cast(null as bigint) as _source_row_number
        where 1 = 0
    {%- endif -%}
{%- endmacro %}


{#-
    A reader's contract columns, in contract order: the file's own column, an untyped null
    where this file lacks a column other files have (the union takes the other files' type),
    text null where no file has it.
-#}
{% macro spark_raw_reader_columns(contract, all_present, present) -%}
    {%- set columns = [] -%}
    {%- for column in contract -%}
        {%- if column.name in present -%}
            {%- do columns.append(adapter.quote(column.name)) -%}
        {%- elif column.name in all_present -%}
            {%- do columns.append('null as ' ~ adapter.quote(column.name)) -%}
        {%- else -%}
            {%- do columns.append('cast(null as string) as ' ~ adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns | join(', ')) }}
{%- endmacro %}


{#- The erasure filter of a raw view: on the contract's `erasure_key` columns the files have. -#}
{% macro raw_not_erased_condition(contract, present_columns) -%}
    {%- set erasure_keys = [] -%}
    {%- for column in contract if column.erasure_key and column.name in present_columns -%}
        {%- do erasure_keys.append(column.name) -%}
    {%- endfor -%}
    {{ return(not_erased_condition(erasure_keys)) }}
{%- endmacro %}


{#-
    A raw view's columns in contract order: PII hashed, a column no file has as text null (on
    Spark the readers already hold that null; projecting it again is the same value).
-#}
{% macro raw_projected_columns(contract, present_columns) -%}
    {%- set projected = [] -%}
    {%- for column in contract -%}
        {%- if column.name in present_columns and column.pii -%}
            {%- do projected.append(
                hash_pii(normalise_pii(column.pii, adapter.quote(column.name)))
                ~ ' as ' ~ adapter.quote(column.name)
            ) -%}
        {%- elif column.name in present_columns -%}
            {%- do projected.append(adapter.quote(column.name)) -%}
        {%- else -%}
            {%- do projected.append(
                'cast(null as ' ~ dbt.type_string() ~ ') as ' ~ adapter.quote(column.name)
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(projected) }}
{%- endmacro %}
