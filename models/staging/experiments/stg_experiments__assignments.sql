{#- Stop here, naming the cause, when most of the entity's raw rows were quarantined. -#}
{{ stop_when_mostly_quarantined(ref('base_experiments__assignments'), 'experiments.assignments') }}

with validated_assignments as (

    select * from {{ ref('base_experiments__assignments') }}

),

final as (

    select
        experiment_id,
        customer_id,
        variant,
        assigned_at,
        source_file
    from validated_assignments
    where quarantine_reason is null
        and dedupe_rank = 1

)

select * from final
