{% macro person_customers(identity_map) -%}
    select
        person_id,
        min(customer_id) as customer_id
    from {{ identity_map }}
    where customer_id is not null
    group by person_id
{%- endmacro %}
