with int_segment_feature_profiles as (

    select * from {{ ref('int_segment_feature_profiles') }}

),

final as (

    {{ select_contract_columns('int_segment_feature_profiles') }}

)

select * from final
