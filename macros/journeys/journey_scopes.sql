{% macro person_current_segments(identity_map, customer_segments) -%}
    select
        person_customers.person_id,
        customer_segments.segment_id,
        customer_segments.segment_name
    from (
        select person_id, min(customer_id) as customer_id
        from {{ identity_map }}
        group by person_id
    ) as person_customers
    inner join {{ customer_segments }}
        on customer_segments.customer_id = person_customers.customer_id
{%- endmacro %}


{% macro session_device_types(events) -%}
    {#- A session's first event (by event_at, event_key) is the one that starts it. -#}
    select
        session_id,
        coalesce(lower(device), 'unknown') as device_type
    from {{ events }}
    where is_session_start
{%- endmacro %}
