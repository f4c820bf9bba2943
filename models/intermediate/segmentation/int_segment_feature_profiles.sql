{#
    Per segment and profile feature: customers with a value, mean and median in original units
    (nulls skipped), z_mean (the segment mean of the feature standardised as the segmentation fit
    prepared it: imputed, signed log1p where the fit took it, scaled with the fit's mean and
    standard deviation; null for features the fit did not use), and the feature's
    Kruskal-Wallis test across segments (int_segment_feature_tests).
#}

with feature_values as (

    select * from {{ ref('int_customer_feature_values') }}

),

centroids as (

    select * from {{ ref('int_segment_centroids') }}

),

feature_tests as (

    select * from {{ ref('int_segment_feature_tests') }}

),

fitted_preparation as (

    select distinct
        feature,
        imputation_value,
        is_log_transformed,
        scaler_mean,
        scaler_std
    from centroids

),

values_prepared as (

    select
        feature_values.segment_id,
        feature_values.segment_name,
        feature_values.feature,
        feature_values.value,
        fitted_preparation.scaler_mean,
        fitted_preparation.scaler_std,
        case
            when fitted_preparation.is_log_transformed
                then sign(coalesce(feature_values.value, fitted_preparation.imputation_value))
                    * ln(1 + abs(coalesce(feature_values.value, fitted_preparation.imputation_value)))
            else coalesce(feature_values.value, fitted_preparation.imputation_value)
        end as fitted_value
    from feature_values
    left join fitted_preparation
        on fitted_preparation.feature = feature_values.feature

),

segment_feature_stats as (

    select
        segment_id,
        segment_name,
        feature,
        count(value) as customers_with_value,
        avg(value) as mean,
        percentile_cont(0.5) within group (order by value) as median,
        avg((fitted_value - scaler_mean) / scaler_std) as z_mean
    from values_prepared
    group by segment_id, segment_name, feature

),

final as (

    select
        segment_feature_stats.segment_id,
        segment_feature_stats.segment_name,
        segment_feature_stats.feature,
        segment_feature_stats.customers_with_value,
        segment_feature_stats.mean,
        cast(segment_feature_stats.median as double) as median,
        segment_feature_stats.z_mean,
        feature_tests.kruskal_h,
        feature_tests.p_value,
        feature_tests.segments_tested
    from segment_feature_stats
    left join feature_tests
        on feature_tests.feature = segment_feature_stats.feature

)

select * from final
