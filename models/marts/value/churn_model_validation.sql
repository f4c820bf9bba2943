with int_churn_model_validation as (

    select * from {{ ref('int_churn_model_validation') }}

),

final as (

    {{ select_contract_columns('int_churn_model_validation') }}

)

select * from final
