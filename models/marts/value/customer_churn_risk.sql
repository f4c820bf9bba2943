with int_customer_churn_risk as (

    select * from {{ ref('int_customer_churn_risk') }}

),

final as (

    {{ select_contract_columns('int_customer_churn_risk') }}

)

select * from final
