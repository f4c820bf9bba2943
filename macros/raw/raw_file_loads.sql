{#-
    Which raw files there are, and when each first arrived: one listing rule and one load log,
    read by the raw views, the incremental staging models and the raw quality gate alike.

    The listing rule: a raw file is a file directly inside `<raw dir>/<entity>/` whose name ends
    in `.parquet`, `.csv` or `.csv.gz` in any letter case and does not start with `.` or `_`
    (hidden files and the `_SUCCESS` / `_temporary` files Spark and Hadoop write are skipped).
    An entity whose var raw_formats entry is one input format reads the same folder; one whose
    entry is a list reads `<raw dir>/<entity>/<format>/` per format (macros/raw/raw_input_formats.sql).
    A format that reads JSON Lines (ga4_events, snowplow_events, the segment_* formats) also
    lists `.jsonl`, `.ndjson` and `.json` (optionally `.gz`) files.

    The load log `audit.raw_file_loads` outlives every run and `--full-refresh`: one row per raw
    file the first time a run lists it (path, entity, format, size, modification time, the run's
    start as `first_loaded_at`, its invocation id). "The latest file wins" in staging means the
    latest load: the later `first_loaded_at`, then the later modification time, then the later
    name; never the alphabetical order alone. A file's `first_loaded_at` is also the arrival of
    its rows that carry no `received_at` (the future-timestamp rule). Because the log is
    durable, a full refresh orders and judges every row exactly as the incremental runs did.

    `<raw schema>.raw_files` (recreated by every run) is this run's listing joined to the log:
    the files the raw views read now, with their load facts.
-#}

{% macro raw_listed_files(entity, entity_dir, rows, source_label, input_format=none) -%}
    {#- One call per folder, the rule inline: a macro call per file cost seconds at 2k files. -#}
    {%- set reads_json = input_format is not none
        and raw_input_format_spec(input_format).get('json') -%}
    {%- set files = [] -%}
    {%- for row in rows -%}
        {%- set name = row[0] -%}
        {%- set lowered = name | lower -%}
        {%- set format = none -%}
        {%- if lowered.startswith('.') or lowered.startswith('_') -%}
        {%- elif lowered.endswith('.parquet') -%}
            {%- set format = 'parquet' -%}
        {%- elif lowered.endswith('.csv') or lowered.endswith('.csv.gz') -%}
            {%- set format = 'csv' -%}
        {%- elif reads_json and (lowered.endswith('.jsonl') or lowered.endswith('.jsonl.gz')
                or lowered.endswith('.ndjson') or lowered.endswith('.json')
                or lowered.endswith('.json.gz')) -%}
            {%- set format = 'json' -%}
        {%- endif -%}
        {%- if format is not none -%}
            {%- set path = entity_dir ~ '/' ~ name -%}
            {%- if row[1] == 0 -%}
                {{ exceptions.raise_compiler_error(
                    "Raw data contract violated: file '" ~ path ~ "' of source " ~ source_label
                    ~ " is empty (0 bytes) (rule: a raw file holds a header/schema)."
                ) }}
            {%- endif -%}
            {%- do files.append({'path': path, 'name': name, 'entity': entity, 'format': format,
                'size': row[1], 'modified_at': row[2], 'input_format': input_format}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(files) }}
{%- endmacro %}


{% macro raw_source_nodes() -%}
    {%- set nodes = [] -%}
    {%- for source_node in graph.sources.values() if source_node.meta.get('raw_entity') -%}
        {%- do nodes.append(source_node) -%}
    {%- endfor -%}
    {{ return(nodes | sort(attribute='unique_id')) }}
{%- endmacro %}


{% macro raw_source_label(source_node, entity_dir) -%}
    {{ return(source_node.source_name ~ '.' ~ source_node.name ~ " (" ~ entity_dir ~ ")") }}
{%- endmacro %}


{% macro record_raw_file_loads(files, listing_relation) -%}
    {%- do run_query("create schema if not exists audit") -%}
    {%- do run_query(create_table_if_not_exists('audit.raw_file_loads', [
        ('source_file', 'varchar'),
        ('entity', 'varchar'),
        ('file_format', 'varchar'),
        ('size_bytes', 'bigint'),
        ('modified_at', 'timestamp'),
        ('first_loaded_at', 'timestamp'),
        ('first_invocation_id', 'varchar'),
    ])) -%}
    {%- if files -%}
        {%- set listed = raw_listing_rows(files) ~ " as listed" -%}
        {%- do run_query(
            "insert into audit.raw_file_loads select listed.source_file, listed.entity,"
            ~ " listed.file_format, listed.size_bytes, listed.modified_at, "
            ~ this_run_loaded_at() ~ ", " ~ sql_string_literal(invocation_id) ~ " from " ~ listed
            ~ " where listed.source_file not in (select source_file from audit.raw_file_loads)"
        ) -%}
        {%- set listing_sql = "select listed.source_file, listed.entity, listed.file_format,"
            ~ " listed.size_bytes, loads.modified_at, loads.first_loaded_at from " ~ listed
            ~ " inner join audit.raw_file_loads as loads on loads.source_file = listed.source_file" -%}
    {%- else -%}
        {%- set listing_sql = "select cast(null as " ~ dbt.type_string() ~ ") as source_file,"
            ~ " cast(null as " ~ dbt.type_string() ~ ") as entity,"
            ~ " cast(null as " ~ dbt.type_string() ~ ") as file_format,"
            ~ " cast(null as bigint) as size_bytes, cast(null as timestamp) as modified_at,"
            ~ " cast(null as timestamp) as first_loaded_at where 1 = 0" -%}
    {%- endif -%}
    {%- do run_query(raw_listing_ddl(listing_relation, listing_sql)) -%}
{%- endmacro %}


{% macro raw_listing_rows(files) -%}
    {{ return(adapter.dispatch('raw_listing_rows')(files)) }}
{%- endmacro %}

{#- DuckDB: this run's listing as a temporary table, filled from one JSON literal (a VALUES
    list of 2k files took DuckDB's parser about 0.6 s, twice a run). -#}
{% macro duckdb__raw_listing_rows(files) -%}
    {%- set rows = [] -%}
    {%- for file in files -%}
        {%- do rows.append({'source_file': file.path, 'entity': file.entity,
            'file_format': file.format, 'size_bytes': file.size | int,
            'modified_at': file.modified_at}) -%}
    {%- endfor -%}
    {%- do run_query(
        "create or replace temporary table behaviorseg_listed_files as"
        ~ " select unnest(from_json(" ~ sql_string_literal(tojson(rows)) ~ ", "
        ~ sql_string_literal('[{"source_file": "VARCHAR", "entity": "VARCHAR",'
            ~ ' "file_format": "VARCHAR", "size_bytes": "BIGINT", "modified_at": "TIMESTAMP"}]')
        ~ "), recursive := true)"
    ) -%}
    {{ return('behaviorseg_listed_files') }}
{%- endmacro %}

{#- Elsewhere (Spark): a VALUES list, each column quoted in one call. -#}
{% macro default__raw_listing_rows(files) -%}
    {%- set paths = sql_string_literal_list(files | map(attribute='path')) -%}
    {%- set entities = sql_string_literal_list(files | map(attribute='entity')) -%}
    {%- set formats = sql_string_literal_list(files | map(attribute='format')) -%}
    {%- set modified = sql_string_literal_list(files | map(attribute='modified_at')) -%}
    {%- set rows = [] -%}
    {%- for file in files -%}
        {%- do rows.append(
            "(" ~ paths[loop.index0] ~ ", " ~ entities[loop.index0] ~ ", " ~ formats[loop.index0]
            ~ ", cast(" ~ file.size ~ " as bigint), cast(" ~ modified[loop.index0] ~ " as timestamp))"
        ) -%}
    {%- endfor -%}
    {{ return("(select * from (values " ~ rows | join(', ')
        ~ ") as listed(source_file, entity, file_format, size_bytes, modified_at))") }}
{%- endmacro %}


{% macro raw_listing_ddl(listing_relation, listing_sql) -%}
    {{ return(adapter.dispatch('raw_listing_ddl')(listing_relation, listing_sql)) }}
{%- endmacro %}

{% macro default__raw_listing_ddl(listing_relation, listing_sql) -%}
    {{ return('create or replace table ' ~ listing_relation ~ ' as ' ~ listing_sql) }}
{%- endmacro %}

{% macro spark__raw_listing_ddl(listing_relation, listing_sql) -%}
    {{ return('create or replace global temporary view ' ~ listing_relation.split('.')[-1]
        ~ ' as ' ~ listing_sql) }}
{%- endmacro %}


{% macro raw_files_not_in(source_name, table_name, relation) -%}
    {%- for node in graph.sources.values()
        if node.source_name == source_name and node.name == table_name -%}
        {%- set listing = node.schema ~ '.raw_files' -%}
        {%- set new_files = run_query(
            "select source_file from " ~ listing ~ " where entity = "
            ~ sql_string_literal(node.meta.get('raw_entity'))
            ~ " and source_file not in (select distinct source_file from " ~ relation
            ~ " where source_file is not null)"
            ~ " order by first_loaded_at, modified_at, source_file"
        ).columns[0].values() | list -%}
        {{ return(new_files) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("raw_files_not_in: no raw source " ~ source_name ~ "." ~ table_name) }}
{%- endmacro %}


{% macro latest_load_first(loaded_at='file_loaded_at', modified_at='file_modified_at',
        source_file='source_file', row_number='source_row_number') -%}
    {{ loaded_at }} desc nulls last, {{ modified_at }} desc nulls last, {{ source_file }} desc,
    {{ row_number }} desc
{%- endmacro %}
