{% macro duckdb__register_raw_sources() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- do prepare_pii_key() -%}
    {%- set raw_dir = raw_data_dir() -%}
    {%- set nodes = raw_source_nodes() -%}
    {%- do check_raw_input_settings(nodes) -%}
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
            {%- set files = [] -%}
            {%- if raw_entity_relation(entity) is none -%}
                {%- do duckdb_check_no_loose_files(source_node, raw_dir) -%}
                {%- for folder in raw_entity_folders(raw_dir, entity) -%}
                    {%- do files.extend(duckdb_raw_entity_files(
                        entity, folder.path, raw_source_label(source_node, folder.path),
                        folder.input_format
                    )) -%}
                {%- endfor -%}
            {%- endif -%}
            {%- do files_by_entity.update({entity: files}) -%}
            {%- do all_files.extend(files) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if nodes -%}
        {%- do record_raw_file_loads(all_files, adapter.quote(nodes[0].schema) ~ '.raw_files') -%}
    {%- endif -%}
    {#- Views an input format reads (shopify_orders: the customers view) are made first. -#}
    {%- for source_node in raw_views_in_order(nodes) -%}
        {%- set entity = source_node.meta['raw_entity'] -%}
        {%- if raw_entity_formats(entity) or raw_entity_relation(entity) is not none -%}
            {%- set view_sql = raw_formatted_entity_select(source_node, raw_dir, files_by_entity[entity]) -%}
        {%- else -%}
            {%- set view_sql = raw_entity_select(source_node, raw_dir, files_by_entity[entity]) -%}
        {%- endif -%}
        {%- set view_name = adapter.quote(source_node.schema) ~ '.' ~ adapter.quote(source_node.identifier) -%}
        {%- do run_query('create or replace view ' ~ view_name ~ ' as ' ~ view_sql) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}


{% macro duckdb_raw_entity_files(entity, entity_dir, source_label, input_format=none) -%}
    {%- set files = [] -%}
    {%- set pattern = sql_string_literal(entity_dir ~ '/*') -%}
    {%- if run_query("select count(*) from glob(" ~ pattern ~ ")").rows[0][0] > 0 -%}
        {%- set listing = run_query(
            "select filename, size,"
            ~ " strftime(date_trunc('second', timezone('UTC', last_modified)), '%Y-%m-%d %H:%M:%S')"
            ~ " from read_blob(" ~ pattern ~ ") order by filename"
        ) -%}
        {%- set rows = [] -%}
        {%- for row in listing.rows -%}
            {%- do rows.append((row[0].split('/')[-1], row[1], row[2])) -%}
        {%- endfor -%}
        {%- do files.extend(raw_listed_files(entity, entity_dir, rows, source_label, input_format)) -%}
    {%- endif -%}
    {{ return(files) }}
{%- endmacro %}


{% macro duckdb_check_no_loose_files(source_node, raw_dir) -%}
    {%- set entity = source_node.meta['raw_entity'] -%}
    {%- set folders = raw_entity_folders(raw_dir, entity) -%}
    {%- set entity_dir = raw_dir ~ '/' ~ entity -%}
    {%- if folders | map(attribute='path') | list != [entity_dir] -%}
        {%- set loose = duckdb_raw_entity_files(
            entity, entity_dir, raw_source_label(source_node, entity_dir), folders[0].input_format
        ) -%}
        {%- if loose -%}
            {{ exceptions.raise_compiler_error(
                "Raw file '" ~ loose[0].path ~ "' of source " ~ raw_source_label(source_node, entity_dir)
                ~ " lies directly in the entity folder, but var raw_formats gives " ~ entity
                ~ " a list of formats, so each format's files are read from its subfolder ("
                ~ folders | map(attribute='path') | join(', ') ~ "): move it into one"
                ~ " (rule: one subfolder per input format)"
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
