{#- Stop here, naming the cause, when most of the entity's raw rows were quarantined. -#}
{{ stop_when_mostly_quarantined(ref('base_crm__customers'), 'crm.customers') }}

with validated_customers as (

    select * from {{ ref('base_crm__customers') }}

),

final as (

    select
        customer_id,
        email_hash,
        phone_hash,
        first_name_hash,
        last_name_hash,
        country,
        signed_up_at,
        has_marketing_consent,
        has_tracking_consent,
        updated_at,
        source_file
    from validated_customers
    where quarantine_reason is null
        and dedupe_rank = 1

)

select * from final
