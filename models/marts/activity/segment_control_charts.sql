with int_segment_control_charts as (

    select * from {{ ref('int_segment_control_charts') }}

),

final as (

    {{ select_contract_columns('int_segment_control_charts') }}

)

select * from final
