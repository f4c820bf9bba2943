{#-
    Spark: the raw contract of register_raw_sources with Spark's readers. One listing of the raw
    folder (binaryFile: names, sizes and modification times only; Spark itself skips names
    starting with `_` or `.`), filtered by the same listing rule and recorded in the same load
    log (macros/raw/raw_file_loads.sql); each file's columns from its own schema (Parquet footer,
    CSV header), then one reader per group of Parquet files with the same columns (`parquet.`
    path with `_metadata` for file and row number) and one temporary view per CSV file (header,
    RFC 4180 quotes), unioned by name (a column a group lacks is null) under the same
    projection, PII hashing, URL cleaning and erasure filter as on DuckDB.

    Paths reach Spark as Hadoop globs of exactly the listed names (glob characters escaped),
    inside quoted literals (sql_string_literal) or backquoted identifiers (backquotes doubled).
    The entity views are global temporary views (`global_temp.<entity>`): they live as long as
    the dbt invocation's Spark application and may read the session's CSV views. The raw folder
    itself must exist (Spark cannot list a missing path); a missing entity folder gives an empty
    view as on DuckDB. CSV files are comma-separated (DuckDB sniffs the delimiter). Spark
    decompresses a gzip CSV only by a lower-case `.gz` suffix (Hadoop's codec lookup): a
    `.CSV.GZ` file stops the run with a message to rename it, instead of being read as empty.
    Its multi-line CSV reader (needed for RFC 4180 quoted line breaks) hands the listed path to
    Hadoop once more as a pattern: a CSV file name with a glob character or a comma stops the
    run with a message to rename it (Parquet names may hold any character).
-#}
{% macro spark__register_raw_sources() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- do spark_check_no_input_formats() -%}
    {%- do prepare_pii_key() -%}
    {%- set raw_dir = raw_data_dir() -%}
    {%- set nodes = raw_source_nodes() -%}
    {%- for source_node in nodes if source_node.schema != 'global_temp' -%}
        {{ exceptions.raise_compiler_error(
            "On Spark the raw sources live in global_temp (source " ~ source_node.source_name
            ~ "." ~ source_node.name ~ " has schema '" ~ source_node.schema ~ "')"
        ) }}
    {%- endfor -%}
    {%- set files_by_entity = spark_raw_files(raw_dir, nodes) -%}
    {%- set all_files = [] -%}
    {%- for files in files_by_entity.values() -%}
        {%- do all_files.extend(files) -%}
    {%- endfor -%}
    {%- do record_raw_file_loads(all_files, 'global_temp.raw_files') -%}
    {%- for source_node in nodes -%}
        {%- set view_sql = spark_raw_entity_select(
            source_node, raw_dir, files_by_entity.get(source_node.meta['raw_entity'], [])
        ) -%}
        {%- do run_query(
            'create or replace global temporary view ' ~ adapter.quote(source_node.identifier)
            ~ ' as ' ~ view_sql
        ) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}


{% macro spark_raw_files(raw_dir, nodes) -%}
    {%- do run_query(
        "create or replace temporary view behaviorseg_raw_files using binaryFile"
        ~ " options (path " ~ sql_string_literal(spark_glob_escape(raw_dir))
        ~ ", recursiveFileLookup 'true')"
    ) -%}
    {#- path is a URI (file:/.../<entity>/<file>): its last two names are entity and file. -#}
    {%- set listing = run_query(
        "select element_at(split(path, '/'), -2) as entity,"
        ~ " element_at(split(path, '/'), -1) as file_name, length,"
        ~ " date_format(date_trunc('second', modificationTime), 'yyyy-MM-dd HH:mm:ss')"
        ~ " from behaviorseg_raw_files order by entity, file_name"
    ) -%}
    {%- set labels = {} -%}
    {%- for source_node in nodes -%}
        {%- set entity = source_node.meta['raw_entity'] -%}
        {%- do labels.setdefault(entity, raw_source_label(source_node, raw_dir ~ '/' ~ entity)) -%}
    {%- endfor -%}
    {%- set rows_by_entity = {} -%}
    {%- for row in listing.rows if row[0] in labels -%}
        {%- do rows_by_entity.setdefault(row[0], []).append((row[1], row[2], row[3])) -%}
    {%- endfor -%}
    {%- set files_by_entity = {} -%}
    {%- for entity, rows in rows_by_entity.items() -%}
        {%- set files = raw_listed_files(entity, raw_dir ~ '/' ~ entity, rows, labels[entity]) -%}
        {%- if files -%}{%- do files_by_entity.update({entity: files}) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(files_by_entity) }}
{%- endmacro %}


{% macro spark_glob_escape(text) -%}
    {%- set value = namespace(text=text) -%}
    {%- for special in ['\\', '{', '}', '[', ']', '*', '?', ','] -%}
        {%- set value.text = value.text | replace(special, '\\' ~ special) -%}
    {%- endfor -%}
    {{ return(value.text) }}
{%- endmacro %}


{% macro spark_file_glob(entity_dir, names) -%}
    {%- set escaped = [] -%}
    {%- for name in names -%}
        {%- do escaped.append(spark_glob_escape(name)) -%}
    {%- endfor -%}
    {{ return(spark_glob_escape(entity_dir) ~ '/{' ~ escaped | join(',') ~ '}') }}
{%- endmacro %}


{% macro spark_backquoted(text) -%}
    {{ return('`' ~ (text | replace('`', '``')) ~ '`') }}
{%- endmacro %}


{% macro spark_raw_entity_select(source_node, raw_dir, entity_files) -%}
    {%- set entity = source_node.meta['raw_entity'] -%}
    {%- set entity_dir = raw_dir ~ '/' ~ entity -%}
    {%- set source_label = raw_source_label(source_node, entity_dir) -%}
    {%- set contract = raw_contract_columns(source_node) -%}

    {#- Each file's columns; the same checks and messages as on DuckDB. -#}
    {%- set parquet_groups = {} -%}
    {%- set csv_readers = [] -%}
    {%- set all_present = [] -%}
    {%- set columns_by_file = {} -%}
    {%- for file in entity_files -%}
        {%- if file.format == 'parquet' -%}
            {%- set present = run_query(
                "select * from parquet." ~ spark_backquoted(spark_glob_escape(file.path)) ~ " limit 0"
            ).column_names | map('lower') | list -%}
            {%- do parquet_groups.setdefault(present | join(','), {'columns': present, 'names': []})
                .names.append(file.name) -%}
        {%- else -%}
            {%- for special in ['[', ']', '{', '}', '*', '?', ',', '\\'] if special in file.name -%}
                {{ exceptions.raise_compiler_error(
                    "Raw file '" ~ file.path ~ "' of source " ~ source_label ~ ": Spark's"
                    ~ " multi-line CSV reader reads a file name again as a pattern, so a CSV"
                    ~ " file name must not contain any of [ ] { } * ? , \\ (rule: Spark CSV"
                    ~ " file names); rename it (DuckDB reads it as it is)."
                ) }}
            {%- endfor -%}
            {%- if (file.name | lower).endswith('.gz') and not file.name.endswith('.gz') -%}
                {{ exceptions.raise_compiler_error(
                    "Raw file '" ~ file.path ~ "' of source " ~ source_label ~ ": Spark reads a"
                    ~ " gzip-compressed CSV only with a lower-case '.gz' suffix (rule: Spark's"
                    ~ " codec lookup); rename it to '" ~ file.name[:-3] ~ ".gz'."
                ) }}
            {%- endif -%}
            {%- set view_name = 'behaviorseg_raw_' ~ entity ~ '_csv_' ~ (csv_readers | length + 1) -%}
            {%- do run_query(
                "create or replace temporary view " ~ view_name ~ " using csv options (path "
                ~ sql_string_literal(spark_glob_escape(file.path))
                ~ ", header 'true', escape '\"', multiLine 'true')"
            ) -%}
            {%- set present = run_query("select * from " ~ view_name ~ " limit 0")
                .column_names | map('lower') | list -%}
            {%- do csv_readers.append({'view': view_name, 'path': file.path, 'columns': present}) -%}
        {%- endif -%}
        {%- do columns_by_file.update({file.path: present}) -%}
        {%- do all_present.extend(present) -%}
    {%- endfor -%}
    {%- do check_required_columns(contract, columns_by_file, source_label) -%}

    {#- One select per reader with every contract column seen in any file (null where absent). -#}
    {%- set readers = [] -%}
    {%- for group in parquet_groups.values() -%}
        {#-
            _metadata.file_name is URI-encoded (a space is %20): decoded, with a literal '+'
            kept (url_decode would turn it into a space; URIs leave '+' as it is).
        -#}
        {%- do readers.append(
            "select " ~ spark_raw_reader_columns(contract, all_present, group.columns)
            ~ ", concat(" ~ sql_string_literal(entity_dir ~ '/')
            ~ ", url_decode(replace(_metadata.file_name, '+', '%2B'))) as _source_file,"
            ~ " _metadata.row_index + 1 as _source_row_number"
            ~ " from parquet." ~ spark_backquoted(spark_file_glob(entity_dir, group.names))
        ) -%}
    {%- endfor -%}
    {%- for reader in csv_readers -%}
        {#- CSV: every value arrives as text; staging types it. Row numbers follow read order. -#}
        {%- do readers.append(
            "select " ~ spark_raw_reader_columns(contract, all_present, reader.columns)
            ~ ", " ~ sql_string_literal(reader.path) ~ " as _source_file,"
            ~ " cast(row_number() over (order by monotonically_increasing_id()) as bigint)"
            ~ " as _source_row_number from " ~ reader.view
        ) -%}
    {%- endfor -%}

    {%- if readers -%}
        {{ raw_view_rows(contract, all_present, readers | join(' union all ')) }}
    {%- else -%}
        select {% for column in contract -%}
            cast(null as string) as {{ adapter.quote(column.name) }},
        {%- endfor %}
            cast(null as string) as _source_file, cast(null as bigint) as _source_row_number,
            cast(null as timestamp) as _source_loaded_at, cast(null as timestamp) as _source_modified_at
        where 1 = 0
    {%- endif -%}
{%- endmacro %}


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


{% macro spark_check_no_input_formats() -%}
    {%- for var_name in ['raw_formats', 'raw_relations'] -%}
        {%- set configured = {} -%}
        {%- for entity, value in (var(var_name, {}) or {}).items() if value -%}
            {%- do configured.update({entity: value}) -%}
        {%- endfor -%}
        {%- if configured -%}
            {{ exceptions.raise_compiler_error(
                "var " ~ var_name ~ " is set (" ~ configured | tojson ~ "), but input formats and"
                ~ " warehouse relations as raw sources run on the DuckDB target only; on Spark every"
                ~ " raw entity folder is in the project's own contract (docs/input-formats.md:"
                ~ " convert the export with a DuckDB build, or unset the var)"
            ) }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
