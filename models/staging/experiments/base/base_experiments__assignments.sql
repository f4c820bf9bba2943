{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_raw') }}{% endif %}
with raw_assignments as (

    select * from {{ source('experiments', 'assignments') }}

),

typed as (

    select
        {{ clean_text('experiment_id') }} as experiment_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_code('variant') }} as variant,
        {{ to_utc_timestamp('assigned_at') }} as assigned_at,
        {{ clean_text('assigned_at') }} as assigned_at_text,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _source_loaded_at as file_loaded_at,
        _source_modified_at as file_modified_at
    from raw_assignments

),

validated as (

    select
        *,
        {{ quarantine_reason(
            [rule_required('experiment_id', 'experiment_id'),
             rule_required('customer_id', 'customer_id'),
             rule_required('variant', 'variant')]
            + rules_timestamp('assigned_at', 'assigned_at_text', 'assigned_at',
                arrival='file_loaded_at', arrival_label='the first load of its file')
        ) }} as quarantine_reason,
        {#- Assignments carry no optional value that staging could null. -#}
        {{ nulled_values_note([]) }} as nulled_values
    from typed

),

final as (

    select
        experiment_id,
        customer_id,
        variant,
        assigned_at,
        source_file,
        source_row_number,
        file_loaded_at,
        file_modified_at,
        quarantine_reason,
        nulled_values,
        case
            -- The first exposure defines the customer's arm; later re-sends are duplicates
            -- (among equal exposures, the copy of the earliest load).
            when quarantine_reason is null then {{ dedupe_rank(
                'quarantine_reason is null, experiment_id, customer_id',
                'assigned_at asc, file_loaded_at asc nulls last, file_modified_at asc nulls last,'
                ~ ' source_file asc, source_row_number asc'
            ) }}
        end as dedupe_rank
    from validated

)

select * from final
