with int_customer_lifetime_value as (

    select * from {{ ref('int_customer_lifetime_value') }}

),

final as (

    {{ select_contract_columns('int_customer_lifetime_value') }}

)

select * from final
