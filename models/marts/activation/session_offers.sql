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
    Session offers: a consented customer's session in which they viewed high-value products
    (price >= `offer_min_product_price`) at least `offer_min_high_value_views` times without
    buying in it: a moment for an offer on what they keep looking at. Incremental and
    insert-only with an idempotency key per session, like abandoned_carts.
#}

with sessionised_events as (

    select * from {{ ref('int_events_sessionised') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

identity_map as (

    select * from {{ ref('identity_map') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

high_value_views as (

    select
        session_id,
        person_id,
        event_at,
        product_id,
        price
    from sessionised_events
    where is_product_view
        and price >= {{ var('offer_min_product_price') }}
    {% if is_incremental() %}
        and event_at >= {{ arrival_watermark('session_start_at') }}
    {% endif %}

),

product_views_per_session as (

    select
        session_id,
        product_id,
        count(*) as views,
        max(price) as price
    from high_value_views
    group by session_id, product_id

),

most_viewed_products as (

    select
        session_id,
        product_id as most_viewed_product_id,
        price as most_viewed_product_price,
        row_number() over (
            partition by session_id order by views desc, price desc, product_id
        ) as view_rank
    from product_views_per_session

),

session_interest as (

    select
        session_id,
        person_id,
        count(*) as high_value_views,
        count(distinct product_id) as high_value_products,
        max(price) as max_viewed_price
    from high_value_views
    group by session_id, person_id
    having count(*) >= {{ var('offer_min_high_value_views') }}

),

person_customers as (

    select distinct person_id, customer_id
    from identity_map
    where customer_id is not null

),

final as (

    select
        md5('session_offer:' || session_interest.session_id) as idempotency_key,
        person_customers.customer_id,
        session_interest.person_id,
        customers.email_hash,
        session_interest.session_id,
        sessions.session_start_at,
        sessions.session_end_at,
        session_interest.high_value_views,
        session_interest.high_value_products,
        most_viewed_products.most_viewed_product_id,
        most_viewed_products.most_viewed_product_price,
        session_interest.max_viewed_price,
        cast('{{ run_started_at }}' as timestamp) as detected_at
    from session_interest
    inner join sessions
        on sessions.session_id = session_interest.session_id
    inner join most_viewed_products
        on most_viewed_products.session_id = session_interest.session_id
        and most_viewed_products.view_rank = 1
    inner join person_customers
        on person_customers.person_id = session_interest.person_id
    inner join customers
        on customers.customer_id = person_customers.customer_id
    where not sessions.has_purchase
        and customers.has_marketing_consent
        and customers.has_tracking_consent
    {% if is_incremental() %}
        and md5('session_offer:' || session_interest.session_id) not in (
            select idempotency_key from {{ this }}
        )
    {% endif %}

)

select * from final
