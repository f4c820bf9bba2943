with anomalies_scored as (

    select * from {{ ref('int_customer_anomalies_scored') }}

),

final as (

    {{ select_contract_columns('anomalies_scored') }}

)

select * from final
