with int_segment_drift_alerts as (

    select * from {{ ref('int_segment_drift_alerts') }}

),

final as (

    {{ select_contract_columns('int_segment_drift_alerts') }}

)

select * from final
