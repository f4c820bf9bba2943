{% macro create_privacy_and_audit_tables() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- do run_query("create schema if not exists privacy") -%}
    {%- do run_query("create schema if not exists audit") -%}
    {%- do run_query(create_table_if_not_exists('privacy.erasure_requests', [
        ('customer_id_hash', 'varchar'),
        ('requested_at', 'timestamp'),
        ('invocation_id', 'varchar'),
        ('rows_deleted', 'bigint'),
    ])) -%}
    {%- do run_query(create_table_if_not_exists('privacy.erased_identifiers', [
        ('identifier_type', 'varchar'),
        ('identifier_hash', 'varchar'),
        ('request_hash', 'varchar'),
        ('erased_at', 'timestamp'),
    ])) -%}
    {%- do run_query(create_table_if_not_exists('audit.erasure_log', [
        ('request_hash', 'varchar'),
        ('logged_at', 'timestamp'),
        ('invocation_id', 'varchar'),
        ('outcome', 'varchar'),
        ('table_name', 'varchar'),
        ('rows_deleted', 'bigint'),
    ])) -%}
    {%- do run_query(create_table_if_not_exists('audit.dbt_run_results', [
        ('invocation_id', 'varchar'),
        ('run_started_at', 'timestamp'),
        ('node_id', 'varchar'),
        ('resource_type', 'varchar'),
        ('status', 'varchar'),
        ('relation', 'varchar'),
        ('rows_after', 'bigint'),
        ('execution_seconds', 'double'),
        ('logged_at', 'timestamp'),
    ])) -%}
    {%- do run_query(create_table_if_not_exists('audit.build_status', [
        ('invocation_id', 'varchar'),
        ('command', 'varchar'),
        ('status', 'varchar'),
        ('failed_nodes', 'bigint'),
        ('recorded_at', 'timestamp'),
    ])) -%}
    {%- if flags.WHICH in ('build', 'run', 'test', 'seed', 'snapshot') -%}
        {%- do record_build_status('started', none) -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{% macro record_build_status(status, failed_nodes) -%}
    {%- do run_query(
        "insert into audit.build_status values ('" ~ invocation_id ~ "', '"
        ~ (flags.WHICH or 'unknown') ~ "', '" ~ status ~ "', "
        ~ (failed_nodes if failed_nodes is not none else 'null') ~ ", current_timestamp)"
    ) -%}
{%- endmacro %}


{% macro erasure_hash(expression) -%}
    {{ hash_pii(clean_text(expression)) }}
{%- endmacro %}


{% macro not_erased_condition(columns) -%}
    {%- set conditions = [] -%}
    {%- for column, key_type in columns -%}
        {%- set hashed = erasure_hash(adapter.quote(column)) -%}
        {%- set condition = "(" ~ adapter.quote(column) ~ " is null or " ~ hashed
            ~ " not in (select identifier_hash from privacy.erased_identifiers"
            ~ " where identifier_type = '" ~ key_type ~ "')" -%}
        {%- if key_type == 'customer_id' -%}
            {%- set condition = condition ~ " and " ~ hashed
                ~ " not in (select customer_id_hash from privacy.erasure_requests)" -%}
        {%- endif -%}
        {%- do conditions.append(condition ~ ")") -%}
    {%- endfor -%}
    {{ return(conditions | join(' and ') if conditions else 'true') }}
{%- endmacro %}


{% macro erasure_key_types() -%}
    {{ return(['customer_id', 'anonymous_id', 'device_id', 'order_id']) }}
{%- endmacro %}


{% macro erasure_key_type(column) -%}
    {%- set declared = column.erasure_key -%}
    {%- if not declared -%}{{ return(none) }}{%- endif -%}
    {%- set key_type = 'customer_id' if declared is sameas true else declared | string | trim | lower -%}
    {%- if key_type not in erasure_key_types() -%}
        {{ exceptions.raise_compiler_error(
            "column " ~ column.name ~ ": erasure_key '" ~ declared ~ "' is not one of "
            ~ erasure_key_types() | join(', ') ~ " (sources yml)"
        ) }}
    {%- endif -%}
    {{ return(key_type) }}
{%- endmacro %}
