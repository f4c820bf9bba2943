{% macro raw_format_snowplow_entity(present, entity_schema, field) -%}
    {#- A field of the first entity in `contexts` whose schema names `entity_schema`. -#}
    {%- set entities = "cast(try_cast(" ~ raw_format_column(present, 'contexts')
        ~ " as json) -> '$.data' as json[])" -%}
    {{ return("(list_filter(" ~ entities ~ ", lambda entity: (entity ->> '$.schema') like "
        ~ sql_string_literal('%/' ~ entity_schema ~ '/%') ~ ")[1] ->> "
        ~ sql_string_literal('$.data.' ~ field) ~ ")") }}
{%- endmacro %}


{% macro raw_format__snowplow_events(rows_sql, present) -%}
    {%- set t = raw_format_text -%}
    {%- set action = "(try_cast(" ~ raw_format_column(present, 'unstruct_event')
        ~ " as json) ->> '$.data.data.type')" -%}
    {%- set event_type = "case when " ~ t(present, 'event_name') ~ " = 'snowplow_ecommerce_action'"
        ~ " then coalesce(" ~ action ~ ", 'snowplow_ecommerce_action') else "
        ~ t(present, 'event_name') ~ " end" -%}
    {%- set y_max = "try_cast(" ~ t(present, 'pp_yoffset_max') ~ " as double)" -%}
    {%- set view_height = "try_cast(" ~ t(present, 'br_viewheight') ~ " as double)" -%}
    {%- set doc_height = "try_cast(" ~ t(present, 'doc_height') ~ " as double)" -%}
    {%- set is_mobile = "try_cast(" ~ t(present, 'dvce_ismobile') ~ " as boolean)" -%}
    {%- set columns = {
        'event_id': t(present, 'event_id'),
        'anonymous_id': t(present, 'domain_userid'),
        'user_id': t(present, 'user_id'),
        'event_type': event_type,
        'event_ts': 'coalesce(' ~ t(present, 'derived_tstamp') ~ ', ' ~ t(present, 'collector_tstamp') ~ ')',
        'page_url': t(present, 'page_url'),
        'referrer': t(present, 'page_referrer'),
        'product_id': raw_format_snowplow_entity(present, 'product', 'id'),
        'category': raw_format_snowplow_entity(present, 'product', 'category'),
        'price': "case when " ~ event_type ~ " = 'transaction' then "
            ~ raw_format_snowplow_entity(present, 'transaction', 'revenue') ~ " else "
            ~ raw_format_snowplow_entity(present, 'product', 'price') ~ " end",
        'scroll_depth': "case when " ~ y_max ~ " is not null and " ~ doc_height ~ " > 0 then"
            ~ " cast(round(least(100, greatest(0, 100 * (" ~ y_max ~ " + coalesce(" ~ view_height
            ~ ", 0)) / " ~ doc_height ~ "))) as integer) end",
        'device_type': "case when " ~ is_mobile ~ " then 'mobile' when not " ~ is_mobile
            ~ " then 'desktop' end",
        'user_agent': t(present, 'useragent'),
        'ip': t(present, 'user_ipaddress'),
        'received_at': t(present, 'collector_tstamp'),
    } -%}
    {{ return({'columns': columns, 'from': rows_sql ~ ' as source_rows'}) }}
{%- endmacro %}
