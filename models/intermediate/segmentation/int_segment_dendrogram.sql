{# The dendrogram rows of the one segmentation fit (int_segmentation_fit; none unless hierarchical). #}

with segmentation_fit as (

    select * from {{ ref('int_segmentation_fit') }}

),

final as (

    select
        merge_step,
        node_id,
        left_node_id,
        right_node_id,
        distance,
        leaf_count,
        cast(fitted_as_of_date as date) as fitted_as_of_date,
        fit_settings
    from segmentation_fit
    where fit_output = 'dendrogram'

)

select * from final
