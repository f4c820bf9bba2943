with int_activity_forecasts as (

    select * from {{ ref('int_activity_forecasts') }}

),

final as (

    {{ select_contract_columns('int_activity_forecasts') }}

)

select * from final
