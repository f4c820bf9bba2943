-- depends_on: {{ ref('stg_crm__customers') }}
{{
    config(
        materialized='incremental',
        unique_key='idempotency_key',
        incremental_strategy='append',
        post_hook=["{{ explain_empty_trigger() }}"],
    )
}}

{#
    Abandoned-cart triggers: a session in which a consented customer added to cart, and no
    purchase by the same person (a purchase event on any device, or a completed order) followed
    within `abandoned_cart_minutes` of the last cart add. "Now" is the latest timestamp in the
    data (int_as_of_date_resolved), so a cart is only judged once its window has passed.

    Incremental and insert-only: each run looks at carts of the last `late_arrival_days` before
    the newest trigger and inserts those whose idempotency key is new, so a re-run (every few
    minutes) never fires a cart twice. Only customers with marketing and tracking consent.
#}

with sessionised_events as (

    select * from {{ ref('int_events_sessionised') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

identity_map as (

    select * from {{ ref('identity_map') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

cart_adds as (

    select
        session_id,
        person_id,
        event_at,
        product_id,
        coalesce(price, 0) as price
    from sessionised_events
    where is_cart_add
    {% if is_incremental() %}
        and event_at >= {{ arrival_watermark('last_cart_add_at') }}
    {% endif %}

),

session_carts as (

    select
        session_id,
        person_id,
        min(event_at) as first_cart_add_at,
        max(event_at) as last_cart_add_at,
        count(*) as cart_items,
        sum(price) as cart_value,
        {{ sorted_listagg('product_id', "','", distinct=true) }} as cart_products
    from cart_adds
    group by session_id, person_id

),

person_customers as (

    select distinct person_id, customer_id
    from identity_map
    where customer_id is not null

),

purchases as (

    select person_id, event_at as purchased_at
    from sessionised_events
    where is_purchase

    union all

    select person_id, ordered_at as purchased_at
    from orders
    where is_completed

),

carts_past_their_window as (

    select
        session_carts.*,
        {{ dateadd_exact('minute', var('abandoned_cart_minutes'), 'session_carts.last_cart_add_at') }}
            as eligible_at
    from session_carts
    cross join as_of
    where {{ dateadd_exact('minute', var('abandoned_cart_minutes'), 'session_carts.last_cart_add_at') }}
        <= as_of.as_of_at

),

abandoned as (

    select carts_past_their_window.*
    from carts_past_their_window
    where not exists (
        select 1
        from purchases
        where purchases.person_id = carts_past_their_window.person_id
            and purchases.purchased_at >= carts_past_their_window.first_cart_add_at
            and purchases.purchased_at <= carts_past_their_window.eligible_at
    )

),

final as (

    select
        md5('abandoned_cart:' || abandoned.session_id) as idempotency_key,
        person_customers.customer_id,
        abandoned.person_id,
        customers.email_hash,
        abandoned.session_id,
        abandoned.first_cart_add_at,
        abandoned.last_cart_add_at,
        abandoned.eligible_at,
        abandoned.cart_items,
        {{ round_to_decimal('abandoned.cart_value', 18, 2) }} as cart_value,
        abandoned.cart_products,
        cast('{{ run_started_at }}' as timestamp) as detected_at
    from abandoned
    inner join person_customers
        on person_customers.person_id = abandoned.person_id
    inner join customers
        on customers.customer_id = person_customers.customer_id
    where customers.has_marketing_consent
        and customers.has_tracking_consent
    {% if is_incremental() %}
        and md5('abandoned_cart:' || abandoned.session_id) not in (
            select idempotency_key from {{ this }}
        )
    {% endif %}

)

select * from final
