{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_raw') }}{% endif %}
with raw_tickets as (

    select * from {{ source('support', 'tickets') }}

),

typed as (

    select
        {{ clean_text('ticket_id') }} as ticket_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('email') }} as email_hash,
        {{ clean_code('channel') }} as channel,
        {{ clean_code('category') }} as category,
        {{ to_utc_timestamp('opened_at') }} as opened_at,
        {{ clean_text('opened_at') }} as opened_at_text,
        {{ to_utc_timestamp('resolved_at') }} as resolved_at,
        {{ clean_text('resolved_at') }} as resolved_at_text,
        {{ to_integer('csat_score') }} as csat_score,
        _source_file as source_file,
        _source_row_number as source_row_number
    from raw_tickets

),

validated as (

    select
        *,
        {{ quarantine_reason(
            [rule_required('ticket_id', 'ticket_id'),
             rule_required('customer_id', 'customer_id')]
            + rules_timestamp('opened_at', 'opened_at_text', 'opened_at')
            + rules_timestamp('resolved_at', 'resolved_at_text', 'resolved_at', required=false)
            + [('csat_score not between 1 and 5', 'csat_score: outside 1-5')]
        ) }} as quarantine_reason
    from typed

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
        source_file,
        source_row_number,
        quarantine_reason,
        case
            when quarantine_reason is null then {{ dedupe_rank(
                'quarantine_reason is null, ticket_id',
                'source_file desc, source_row_number desc'
            ) }}
        end as dedupe_rank
    from validated

)

select * from final
