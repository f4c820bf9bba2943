with int_segment_dendrogram as (

    select * from {{ ref('int_segment_dendrogram') }}

),

final as (

    {{ select_contract_columns('int_segment_dendrogram') }}

)

select * from final
