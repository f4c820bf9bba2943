{% macro raw_format_shopify_timestamp(present, name) -%}
    {#- Shopify writes `2024-03-01 10:15:00 -0500`; ISO text passes as it is; neither: the text. -#}
    {%- set text = raw_format_text(present, name) -%}
    {{ return("coalesce(" ~ raw_format_utc_text(
        "coalesce(try_strptime(" ~ text ~ ", '%Y-%m-%d %H:%M:%S %z'), try_cast(" ~ text ~ " as timestamptz))"
    ) ~ ", " ~ text ~ ")") }}
{%- endmacro %}


{% macro raw_format_shopify_lines(rows_sql, present) -%}
    {#- One row per line item; a line's number counts the order's rows in its file. -#}
    {{ return("(select *, row_number() over (partition by _source_file, "
        ~ raw_format_text(present, 'Name') ~ " order by _source_row_number) as _line_number from "
        ~ rows_sql ~ ")") }}
{%- endmacro %}


{% macro raw_entity_view(entity) -%}
    {%- for source_node in raw_source_nodes() if source_node.meta['raw_entity'] == entity -%}
        {{ return(adapter.quote(source_node.schema) ~ '.' ~ adapter.quote(source_node.identifier)) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("raw_entity_view: no raw entity '" ~ entity ~ "'") }}
{%- endmacro %}


{% macro raw_format__shopify_orders(rows_sql, present) -%}
    {%- set t = raw_format_text -%}
    {%- set financial = "lower(" ~ t(present, 'Financial Status') ~ ")" -%}
    {%- set source = "lower(" ~ t(present, 'Source') ~ ")" -%}
    {%- set order_email = hash_pii(normalise_pii('email', t(present, 'Email'))) -%}
    {%- set columns = {
        'order_id': t(present, 'Name'),
        'customer_id': 'customers._customer_id',
        'order_ts': raw_format_shopify_timestamp(present, 'Created at'),
        'status': "case when " ~ t(present, 'Cancelled at') ~ " is not null or " ~ financial
            ~ " = 'voided' then 'cancelled' when " ~ financial ~ " = 'refunded' then 'refunded'"
            ~ " when " ~ financial ~ " in ('paid', 'partially_paid', 'partially_refunded',"
            ~ " 'authorized', 'pending') then 'completed' else " ~ financial ~ " end",
        'channel': "case when " ~ source ~ " in ('web', 'pos') then " ~ source
            ~ " when " ~ source ~ " in ('iphone', 'android') then 'app' end",
        'payment_method': t(present, 'Payment Method'),
        'currency': t(present, 'Currency'),
        'total_amount': t(present, 'Total'),
        'discount_amount': t(present, 'Discount Amount'),
    } -%}
    {#- The order's customer: the customer whose (hashed) e-mail it carries. -#}
    {%- set customers = "(select email as _customer_email, min(customer_id) as _customer_id from "
        ~ raw_entity_view('customers') ~ " where email is not null group by email)" -%}
    {{ return({'columns': columns,
        'from': raw_format_shopify_lines(rows_sql, present) ~ " as source_rows left join "
            ~ customers ~ " as customers on customers._customer_email = " ~ order_email
            ~ " where source_rows._line_number = 1"}) }}
{%- endmacro %}


{% macro raw_format__shopify_order_items(rows_sql, present) -%}
    {%- set t = raw_format_text -%}
    {%- set columns = {
        'order_id': t(present, 'Name'),
        'line_number': '_line_number',
        'product_id': 'coalesce(' ~ t(present, 'Lineitem sku') ~ ', ' ~ t(present, 'Lineitem name') ~ ')',
        'quantity': t(present, 'Lineitem quantity'),
        'unit_price': t(present, 'Lineitem price'),
    } -%}
    {{ return({'columns': columns, 'from': raw_format_shopify_lines(rows_sql, present) ~ ' as source_rows'}) }}
{%- endmacro %}


{% macro raw_format__shopify_customers(rows_sql, present) -%}
    {%- set t = raw_format_text -%}
    {#- The export records no tracking consent: the rule for a customer without one applies. -#}
    {%- set tracking = "'true'" if bool_var('tracking_consent_without_crm_record') else "'false'" -%}
    {%- set columns = {
        'customer_id': "ltrim(" ~ t(present, 'Customer ID') ~ ", '''')",
        'email': t(present, 'Email'),
        'phone': 'coalesce(' ~ t(present, 'Phone') ~ ', ' ~ t(present, 'Default Address Phone') ~ ')',
        'first_name': t(present, 'First Name'),
        'last_name': t(present, 'Last Name'),
        'country': 'coalesce(' ~ t(present, 'Default Address Country Code') ~ ', '
            ~ t(present, 'Country Code') ~ ')',
        'marketing_consent': 'coalesce(' ~ t(present, 'Accepts Email Marketing') ~ ', '
            ~ t(present, 'Accepts Marketing') ~ ')',
        'tracking_consent': tracking,
    } -%}
    {{ return({'columns': columns, 'from': rows_sql ~ ' as source_rows'}) }}
{%- endmacro %}
