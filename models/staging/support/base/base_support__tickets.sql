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
        {{ clean_text('csat_score') }} as csat_score_text,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _source_loaded_at as file_loaded_at,
        _source_modified_at as file_modified_at
    from raw_tickets

),

validated as (

    select
        *,
        {{ quarantine_reason(
            [rule_required('ticket_id', 'ticket_id'),
             rule_required('customer_id', 'customer_id')]
            + rules_timestamp('opened_at', 'opened_at_text', 'opened_at',
                arrival='file_loaded_at', arrival_label='the first load of its file')
            + rules_timestamp('resolved_at', 'resolved_at_text', 'resolved_at', required=false,
                arrival='file_loaded_at', arrival_label='the first load of its file')
            + [('csat_score not between 1 and 5', 'csat_score: outside 1-5')]
        ) }} as quarantine_reason,
        {{ nulled_values_note(
            rules_number('csat_score', 'csat_score_text', 'csat_score', 'whole number')
        ) }} as nulled_values
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
        file_loaded_at,
        file_modified_at,
        quarantine_reason,
        nulled_values,
        case
            when quarantine_reason is null then {{ dedupe_rank(
                'quarantine_reason is null, ticket_id', latest_load_first()
            ) }}
        end as dedupe_rank
    from validated

)

select * from final
