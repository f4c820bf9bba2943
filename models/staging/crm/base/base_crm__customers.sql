{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_raw') }}{% endif %}
with raw_customers as (

    select * from {{ source('crm', 'customers') }}

),

typed as (

    select
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('email') }} as email_hash,
        {{ clean_text('phone') }} as phone_hash,
        {{ clean_text('first_name') }} as first_name_hash,
        {{ clean_text('last_name') }} as last_name_hash,
        upper({{ clean_text('country') }}) as country,
        {{ to_utc_timestamp('signup_ts') }} as signed_up_at,
        {{ clean_text('signup_ts') }} as signup_ts_text,
        -- Privacy by default: consent that is absent or unreadable counts as not given.
        coalesce({{ to_boolean('marketing_consent') }}, false) as has_marketing_consent,
        {{ clean_text('marketing_consent') }} as marketing_consent_text,
        {{ to_boolean('marketing_consent') }} as marketing_consent_read,
        coalesce({{ to_boolean('tracking_consent') }}, false) as has_tracking_consent,
        {{ clean_text('tracking_consent') }} as tracking_consent_text,
        {{ to_boolean('tracking_consent') }} as tracking_consent_read,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ clean_text('updated_at') }} as updated_at_text,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _source_loaded_at as file_loaded_at,
        _source_modified_at as file_modified_at
    from raw_customers

),

validated as (

    select
        *,
        {{ quarantine_reason(
            [rule_required('customer_id', 'customer_id')]
            + rules_timestamp('signed_up_at', 'signup_ts_text', 'signup_ts', required=false,
                arrival='file_loaded_at', arrival_label='the first load of its file')
            + rules_timestamp('updated_at', 'updated_at_text', 'updated_at', required=false,
                arrival='file_loaded_at', arrival_label='the first load of its file')
        ) }} as quarantine_reason,
        {{ nulled_values_note([
            ('marketing_consent_text is not null and marketing_consent_read is null',
             'marketing_consent: not a boolean (counts as not given)'),
            ('tracking_consent_text is not null and tracking_consent_read is null',
             'tracking_consent: not a boolean (counts as not given)'),
        ]) }} as nulled_values
    from typed

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
        source_file,
        source_row_number,
        file_loaded_at,
        file_modified_at,
        quarantine_reason,
        nulled_values,
        case
            when quarantine_reason is null then {{ dedupe_rank(
                'quarantine_reason is null, customer_id',
                'updated_at desc nulls last, ' ~ latest_load_first()
            ) }}
        end as dedupe_rank
    from validated

)

select * from final
