{% macro create_quality_log() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- do run_query("create schema if not exists quality") -%}
    {%- do run_query(create_table_if_not_exists('quality.dq_validation_results', [
        ('gate', 'varchar'),
        ('run_id', 'varchar'),
        ('suite_name', 'varchar'),
        ('expectation', 'varchar'),
        ('column', 'varchar'),
        ('success', 'boolean'),
        ('observed_value', 'varchar'),
        ('severity', 'varchar'),
        ('run_at', 'timestamp'),
        ('layer', 'varchar'),
        ('data_asset', 'varchar'),
        ('rule', 'varchar'),
        ('status', 'varchar'),
        ('combination', 'varchar'),
        ('element_count', 'bigint'),
        ('unexpected_count', 'bigint'),
        ('unexpected_percent', 'double'),
        ('check_id', 'varchar'),
        ('batches', 'bigint'),
        ('unexpected_sources', 'varchar'),
        ('kwargs', 'varchar'),
    ])) -%}
    {%- do run_query(create_table_if_not_exists('quality.dq_raw_files', [
        ('source_file', 'varchar'),
        ('entity', 'varchar'),
        ('row_count', 'bigint'),
        ('passed', 'boolean'),
        ('run_id', 'varchar'),
        ('run_at', 'timestamp'),
    ])) -%}
    {{ return('') }}
{%- endmacro %}
