with int_activity_decomposition as (

    select * from {{ ref('int_activity_decomposition') }}

),

final as (

    {{ select_contract_columns('int_activity_decomposition') }}

)

select * from final
