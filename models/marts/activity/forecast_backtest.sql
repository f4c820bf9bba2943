with int_forecast_backtest as (

    select * from {{ ref('int_forecast_backtest') }}

),

final as (

    {{ select_contract_columns('int_forecast_backtest') }}

)

select * from final
