{#-
    The arrival-time lower bound of an incremental batch: the target's high-water mark minus
    `var('late_arrival_days')`, so late and out-of-order arrivals are re-read. Only call it inside
    `{% if is_incremental() %}`.
-#}
{% macro arrival_watermark(arrival_column='arrived_at') -%}
    (
        select {{ dbt.dateadd('day', -1 * var('late_arrival_days'), 'max(' ~ arrival_column ~ ')') }}
        from {{ this }}
    )
{%- endmacro %}


{#- A fingerprint of a row's content: changes when any listed column changes (nulls included). -#}
{% macro row_fingerprint(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
    {%- endfor -%}
    {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}
