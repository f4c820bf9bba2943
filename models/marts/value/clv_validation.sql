with int_clv_validation as (

    select * from {{ ref('int_clv_validation') }}

),

final as (

    {{ select_contract_columns('int_clv_validation') }}

)

select * from final
