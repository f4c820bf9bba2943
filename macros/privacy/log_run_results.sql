{% macro log_run_results(results) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set failed = [] -%}
    {%- for result in results or [] if result.status in ('error', 'fail', 'skipped', 'runtime error') -%}
        {%- do failed.append(result.node.unique_id) -%}
    {%- endfor -%}
    {%- do record_build_status('failed' if failed else 'green', failed | length) -%}
    {%- if not results -%}{{ return('') }}{%- endif -%}
    {%- set values = [] -%}
    {%- for result in results -%}
        {%- set node = result.node -%}
        {%- set relation = node.relation_name if node.resource_type in ('model', 'seed', 'snapshot') else none -%}
        {%- set rows_after = 'null' -%}
        {%- if relation and result.status == 'success'
            and node.config.materialized in ('table', 'incremental', 'seed', 'snapshot') -%}
            {%- set rows_after = run_query('select count(*) from ' ~ relation).rows[0][0] -%}
        {%- endif -%}
        {%- do values.append(
            "('" ~ invocation_id ~ "', cast('" ~ run_started_at ~ "' as timestamp), '"
            ~ node.unique_id ~ "', '" ~ node.resource_type ~ "', '" ~ result.status ~ "', "
            ~ ("'" ~ relation | replace("'", "''") ~ "'" if relation else 'null') ~ ", "
            ~ rows_after ~ ", " ~ (result.execution_time or 0) ~ ", current_timestamp)"
        ) -%}
    {%- endfor -%}
    {%- do run_query("insert into audit.dbt_run_results values " ~ values | join(', ')) -%}
    {{ return('') }}
{%- endmacro %}
