with int_clv_model_parameters as (

    select * from {{ ref('int_clv_model_parameters') }}

),

final as (

    {{ select_contract_columns('int_clv_model_parameters') }}

)

select * from final
