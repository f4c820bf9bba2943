{# The centroid rows of the one segmentation fit (int_segmentation_fit). #}

with segmentation_fit as (

    select * from {{ ref('int_segmentation_fit') }}

),

final as (

    select
        segment_id,
        segment_name,
        feature,
        value,
        imputation_value,
        is_log_transformed,
        scaler_mean,
        scaler_std,
        is_noise_segment,
        is_new_segment,
        naming_method,
        segment_description,
        cast(fitted_as_of_date as date) as fitted_as_of_date,
        fit_settings
    from segmentation_fit
    where fit_output = 'centroid'

)

select * from final
