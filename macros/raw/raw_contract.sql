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
        {#- One row per file (its column list), in the listing's file order. -#}
        {%- set schema_rows = run_query(
            "select file_name, to_json(list(lower(name))) from parquet_schema([" ~ sql_string_literals(parquet_paths) ~ "])"
            ~ " where num_children is null or num_children = 0 group by file_name order by file_name"
        ) -%}
        {%- for row in schema_rows.rows -%}
            {%- do columns_by_file.update({row[0]: fromjson(row[1])}) -%}
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
