{#-
    Tables that outlive runs, created at the start of every dbt invocation (before the raw views
    that read the erasure list):

    * privacy.erasure_requests: one row per `forget_customer` request. Only a salted hash of
      the customer id is kept (the same salt as PII hashing), so the list itself holds no id.
      The raw views drop every row whose customer id hashes to an entry, so a rebuild from the
      same raw files never brings an erased customer back.
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
    {%- do record_build_status('started', none) -%}
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


{#- Filter for a raw view: none of the erasure-key columns belongs to an erased customer. -#}
{% macro not_erased_condition(columns) -%}
    {%- set conditions = [] -%}
    {%- for column in columns -%}
        {%- do conditions.append(
            "(" ~ adapter.quote(column) ~ " is null or " ~ erasure_hash(adapter.quote(column))
            ~ " not in (select customer_id_hash from privacy.erasure_requests))"
        ) -%}
    {%- endfor -%}
    {{ return(conditions | join(' and ') if conditions else 'true') }}
{%- endmacro %}
