{% macro raw_not_erased_condition(contract, present_columns) -%}
    {%- set erasure_keys = [] -%}
    {%- for column in contract if column.erasure_key and column.name in present_columns -%}
        {%- do erasure_keys.append((column.name, erasure_key_type(column))) -%}
    {%- endfor -%}
    {{ return(not_erased_condition(erasure_keys)) }}
{%- endmacro %}
