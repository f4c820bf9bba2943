{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources')()) }}
{%- endmacro %}


{% macro default__register_raw_sources() -%}
    {{ exceptions.raise_compiler_error(
        "register_raw_sources has no implementation for adapter '" ~ adapter.type() ~ "'"
    ) }}
{%- endmacro %}


{% macro raw_data_dir() -%}
    {%- set raw_dir = (var('raw_data_dir') or env_var('RAW_DATA_DIR', 'data/raw')) | string | trim -%}
    {{ return(raw_dir[:-1] if raw_dir.endswith('/') else raw_dir) }}
{%- endmacro %}
