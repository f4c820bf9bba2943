with segments_assigned as (

    select * from {{ ref('int_customer_segments_assigned') }}

),

final as (

    {{ select_contract_columns('segments_assigned') }}

)

select * from final
