{% macro raw_format_segment_common(present) -%}
    {%- set t = raw_format_text -%}
    {{ return({
        'event_id': t(present, 'id'),
        'anonymous_id': t(present, 'anonymous_id'),
        'user_id': t(present, 'user_id'),
        'event_ts': t(present, 'timestamp'),
        'page_url': t(present, 'context_page_url'),
        'referrer': t(present, 'context_page_referrer'),
        'user_agent': t(present, 'context_user_agent'),
        'ip': t(present, 'context_ip'),
        'received_at': t(present, 'received_at'),
    }) }}
{%- endmacro %}


{% macro raw_format__segment_tracks(rows_sql, present) -%}
    {%- set t = raw_format_text -%}
    {%- set columns = raw_format_segment_common(present) -%}
    {%- do columns.update({
        'event_type': 'coalesce(' ~ t(present, 'event_text') ~ ', ' ~ t(present, 'event') ~ ')',
        'product_id': t(present, 'product_id'),
        'category': t(present, 'category'),
        'price': 'coalesce(' ~ t(present, 'price') ~ ', ' ~ t(present, 'revenue') ~ ', '
            ~ t(present, 'total') ~ ')',
    }) -%}
    {{ return({'columns': columns, 'from': rows_sql ~ ' as source_rows'}) }}
{%- endmacro %}


{% macro raw_format__segment_pages(rows_sql, present) -%}
    {%- set t = raw_format_text -%}
    {%- set columns = raw_format_segment_common(present) -%}
    {%- do columns.update({
        'event_type': "'page_view'",
        'page_url': 'coalesce(' ~ t(present, 'url') ~ ', ' ~ t(present, 'context_page_url') ~ ')',
        'referrer': 'coalesce(' ~ t(present, 'referrer') ~ ', ' ~ t(present, 'context_page_referrer') ~ ')',
    }) -%}
    {{ return({'columns': columns, 'from': rows_sql ~ ' as source_rows'}) }}
{%- endmacro %}


{% macro raw_format__segment_identifies(rows_sql, present) -%}
    {%- set columns = raw_format_segment_common(present) -%}
    {%- do columns.update({'event_type': "'identify'"}) -%}
    {{ return({'columns': columns, 'from': rows_sql ~ ' as source_rows'}) }}
{%- endmacro %}
