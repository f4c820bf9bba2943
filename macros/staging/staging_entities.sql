{% macro staging_entities() -%}
    {{ return([
        {'source': 'web', 'table': 'events', 'base': 'base_web__events',
         'staged': 'stg_web__events', 'record_id': 'event_id'},
        {'source': 'app', 'table': 'events', 'base': 'base_app__events',
         'staged': 'stg_app__events', 'record_id': 'event_id'},
        {'source': 'commerce', 'table': 'orders', 'base': 'base_commerce__orders',
         'staged': 'stg_commerce__orders', 'record_id': 'order_id'},
        {'source': 'commerce', 'table': 'order_items', 'base': 'base_commerce__order_items',
         'staged': 'stg_commerce__order_items', 'record_id': 'order_id'},
        {'source': 'support', 'table': 'tickets', 'base': 'base_support__tickets',
         'staged': 'stg_support__tickets', 'record_id': 'ticket_id'},
        {'source': 'crm', 'table': 'customers', 'base': 'base_crm__customers',
         'staged': 'stg_crm__customers', 'record_id': 'customer_id'},
        {'source': 'experiments', 'table': 'assignments', 'base': 'base_experiments__assignments',
         'staged': 'stg_experiments__assignments', 'record_id': 'customer_id'},
    ]) }}
{%- endmacro %}
