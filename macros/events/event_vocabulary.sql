{% macro fixed_journey_states() -%}
    {{ return(['landing', 'purchase', 'exit']) }}
{%- endmacro %}


{% macro event_type_map_flags() -%}
    {{ return(['is_page_view', 'is_product_view', 'is_search', 'is_cart_add', 'is_checkout',
               'is_purchase']) }}
{%- endmacro %}


{% macro event_type_map_override_rows() -%}
    {%- set rows = var('event_type_map_overrides', []) -%}
    {%- set text_columns = ['source', 'raw_event_type', 'event_type', 'journey_state'] -%}
    {%- for row in rows %}
    {%- for column in ['source', 'raw_event_type', 'event_type'] %}
    {%- if not row.get(column) %}
    {{ exceptions.raise_compiler_error(
        "var event_type_map_overrides, row " ~ loop.index ~ " (" ~ row ~ "): column `" ~ column
        ~ "` is required (the seed event_type_map's columns: source, raw_event_type, event_type,"
        ~ " journey_state, " ~ event_type_map_flags() | join(', ') ~ ")") }}
    {%- endif %}
    {%- endfor %}
    select
        {%- for column in text_columns %}
        {% if row.get(column) is none -%}
        cast(null as {{ dbt.type_string() }})
        {%- else -%}
        cast('{{ row[column] | lower | replace("'", "''") }}' as {{ dbt.type_string() }})
        {%- endif %} as {{ column }},
        {%- endfor %}
        {%- for flag in event_type_map_flags() %}
        {{ 'true' if row.get(flag) in [true, 'true', 'True', 1, '1'] else 'false' }} as {{ flag }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if rows | length == 0 %}
    select
        {%- for column in text_columns %}
        cast(null as {{ dbt.type_string() }}) as {{ column }},
        {%- endfor %}
        {%- for flag in event_type_map_flags() %}
        false as {{ flag }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    where 1 = 0
    {%- endif %}
{%- endmacro %}


{% macro warn_unmapped_event_types() -%}
    {%- if execute -%}
    {%- set rows = run_query(
        "select source, raw_event_type, events from " ~ this
        ~ " order by events desc, source, raw_event_type") -%}
    {%- if rows | length > 0 -%}
    {%- set listed = [] -%}
    {%- for row in rows -%}
    {%- do listed.append(row[0] ~ " " ~ row[1] ~ " (" ~ row[2] ~ " events)") -%}
    {%- endfor -%}
    {%- do exceptions.warn(
        "Unmapped event types: " ~ listed | join(', ') ~ ". They are kept but count as no"
        ~ " behaviour and take no journey step. To map one, add a row (source, raw_event_type,"
        ~ " event_type, journey_state, is_page_view, is_product_view, is_search, is_cart_add,"
        ~ " is_checkout, is_purchase) to var event_type_map_overrides or the seed event_type_map"
        ~ " (docs/event-vocabulary.md); quality.unmapped_event_types lists them.") -%}
    {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}


{% macro explain_empty_trigger() -%}
    {%- if execute and target.type != 'spark' -%}
    {%- set counts = run_query(
        "select (select count(*) from " ~ this ~ "), "
        ~ "(select count(*) from " ~ ref('stg_crm__customers') ~ "), "
        ~ "(select count(*) from " ~ ref('dim_customers')
        ~ " where has_marketing_consent and has_tracking_consent)") -%}
    {%- set triggers, crm_customers, consented = counts.rows[0][0], counts.rows[0][1], counts.rows[0][2] -%}
    {%- if triggers == 0 -%}
    {%- if crm_customers == 0 -%}
    {%- set reason = "no customer has marketing consent because no `customers` entity (CRM) was loaded; consent comes from it" -%}
    {%- elif consented == 0 -%}
    {%- set reason = "no customer has both marketing and tracking consent (dim_customers)" -%}
    {%- else -%}
    {%- set reason = "no session of the " ~ consented ~ " consented customers qualifies yet" -%}
    {%- endif -%}
    {%- do log(this.identifier ~ " holds no trigger: " ~ reason ~ ".", info=true) -%}
    {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
