with experiment_results as (

    select * from {{ ref('int_segment_experiment_results') }}

),

final as (

    {{ select_contract_columns('experiment_results') }}

)

select * from final
