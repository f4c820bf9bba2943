{#-
    Tables that outlive runs, created at the start of every dbt invocation (before the raw views
    that read the erasure list):

    * privacy.erasure_requests: one row per `forget_customer` request. Only a salted hash of
      the customer id is kept (the same salt as PII hashing), so the list itself holds no id.
      The raw views drop every row whose customer id hashes to an entry, so a rebuild from the
      same raw files never brings an erased customer back.
    * privacy.erased_identifiers: the identifiers an erasure removed (type and salted hash:
      customer_id, and the customer's own anonymous_id, device_id and order_id values), also
      for an id that was not found. The raw views drop every row whose `erasure_key` column of
      that type hashes to an entry (macros/raw/register_raw_sources.sql).
    * audit.erasure_log: per erasure, the rows deleted per table (or 'not found'), when, by
      which invocation; the customer only as its salted hash.
    * audit.build_status: the start and the outcome of every build (the publish gate).
    * audit.dbt_run_results: one row per node per dbt invocation (see log_run_results).
-#}
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


{#-
    audit.build_status: a 'started' row when an invocation begins (first on-run-start hook),
    a 'green' or 'failed' row when it ends (on-run-end). `behaviorseg publish-marts` and
    `behaviorseg export` publish only when the latest build/run/test invocation ended green;
    one that stopped in a hook (a raw gate) never gets its end row, so it refuses too.
    Insert-only, so it works on engines without UPDATE.
-#}
{% macro record_build_status(status, failed_nodes) -%}
    {%- do run_query(
        "insert into audit.build_status values ('" ~ invocation_id ~ "', '"
        ~ (flags.WHICH or 'unknown') ~ "', '" ~ status ~ "', "
        ~ (failed_nodes if failed_nodes is not none else 'null') ~ ", current_timestamp)"
    ) -%}
{%- endmacro %}


{#- A customer id as the erasure list stores it: salted SHA-256 of the trimmed id. -#}
{% macro erasure_hash(expression) -%}
    {{ hash_pii(clean_text(expression)) }}
{%- endmacro %}


{#-
    Filter for a raw view: none of its erasure-key columns ([(column, key type)]) holds an
    erased identifier of that type. Customer ids are also matched against
    privacy.erasure_requests (the request list).
-#}
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


{#- The key types a contract column may declare as `erasure_key` (true means customer_id). -#}
{% macro erasure_key_types() -%}
    {{ return(['customer_id', 'anonymous_id', 'device_id', 'order_id']) }}
{%- endmacro %}


{#- A contract column's erasure key type, or none; an unknown type stops the run. -#}
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
