{#- Stop here, naming the cause, when most of the entity's raw rows were quarantined. -#}
{{ stop_when_mostly_quarantined(ref('base_support__tickets'), 'support.tickets') }}

with validated_tickets as (

    select * from {{ ref('base_support__tickets') }}

),

final as (

    select
        ticket_id,
        customer_id,
        email_hash,
        channel,
        category,
        opened_at,
        resolved_at,
        csat_score,
        source_file
    from validated_tickets
    where quarantine_reason is null
        and dedupe_rank = 1

)

select * from final
