with int_segment_centroids as (

    select * from {{ ref('int_segment_centroids') }}

),

final as (

    {{ select_contract_columns('int_segment_centroids') }}

)

select * from final
