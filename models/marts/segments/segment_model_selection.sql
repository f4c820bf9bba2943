with int_segment_model_selection as (

    select * from {{ ref('int_segment_model_selection') }}

),

final as (

    {{ select_contract_columns('int_segment_model_selection') }}

)

select * from final
