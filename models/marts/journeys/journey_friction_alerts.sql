with int_journey_friction_alerts as (

    select * from {{ ref('int_journey_friction_alerts') }}

),

final as (

    {{ select_contract_columns('int_journey_friction_alerts') }}

)

select * from final
