{% macro raw_format_ga4_param(key) -%}
    {#- The value of the event parameter `key`, whichever of its typed fields is set, as text. -#}
    {%- set record = "list_filter(_ga4_params, lambda param: (param ->> '$.key') = "
        ~ sql_string_literal(key) ~ ")[1]" -%}
    {{ return("coalesce(" ~ record ~ " ->> '$.value.string_value', " ~ record
        ~ " ->> '$.value.int_value', " ~ record ~ " ->> '$.value.double_value', " ~ record
        ~ " ->> '$.value.float_value')") }}
{%- endmacro %}


{% macro raw_format__ga4_events(rows_sql, present) -%}
    {%- set t = raw_format_text -%}
    {%- set j = raw_format_json_text -%}
    {%- set params = "cast(to_json(" ~ raw_format_column(present, 'event_params') ~ ") as json[])" -%}
    {%- set micros = "try_cast(" ~ t(present, 'event_timestamp') ~ " as bigint)" -%}
    {%- set items = raw_format_column(present, 'items') -%}
    {%- set ecommerce = raw_format_column(present, 'ecommerce') -%}
    {%- set columns = {
        'event_id': "'ga4:' || md5(concat_ws('|', " ~ t(present, 'user_pseudo_id') ~ ", "
            ~ t(present, 'event_timestamp') ~ ", " ~ t(present, 'event_name') ~ ", "
            ~ t(present, 'event_bundle_sequence_id') ~ ", " ~ t(present, 'batch_event_index') ~ "))",
        'anonymous_id': t(present, 'user_pseudo_id'),
        'user_id': t(present, 'user_id'),
        'event_type': t(present, 'event_name'),
        'event_ts': 'coalesce(' ~ raw_format_utc_text('make_timestamp(' ~ micros ~ ')') ~ ', '
            ~ t(present, 'event_timestamp') ~ ')',
        'page_url': raw_format_ga4_param('page_location'),
        'referrer': raw_format_ga4_param('page_referrer'),
        'product_id': j(items, '$[0].item_id'),
        'category': j(items, '$[0].item_category'),
        'price': "case when " ~ t(present, 'event_name') ~ " = 'purchase' then coalesce("
            ~ j(ecommerce, '$.purchase_revenue') ~ ", " ~ raw_format_ga4_param('value')
            ~ ") else " ~ j(items, '$[0].price') ~ " end",
        'scroll_depth': raw_format_ga4_param('percent_scrolled'),
        'time_on_page_s': "try_cast(" ~ raw_format_ga4_param('engagement_time_msec')
            ~ " as double) / 1000",
        'device_type': "lower(" ~ j(raw_format_column(present, 'device'), '$.category') ~ ")",
    } -%}
    {{ return({'columns': columns,
        'from': "(select *, " ~ params ~ " as _ga4_params from " ~ rows_sql ~ ") as source_rows"}) }}
{%- endmacro %}
