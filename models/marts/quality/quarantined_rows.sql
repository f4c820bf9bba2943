{{ config(materialized='incremental', incremental_strategy='append') }}

{#
    Every rejected raw row with its reasons and raw values. Incremental by raw file: a run adds
    the rows of files it has not seen (raw files are append-only; a row's verdict depends only
    on that row). Refs are spelled out so dbt's parser sees every dependency; the SQL comes
    from the macro.
#}
-- depends_on: {{ ref('base_web__events') }}, {{ ref('base_app__events') }}
-- depends_on: {{ ref('base_commerce__orders') }}, {{ ref('base_commerce__order_items') }}
-- depends_on: {{ ref('base_support__tickets') }}, {{ ref('base_crm__customers') }}
-- depends_on: {{ ref('base_experiments__assignments') }}

with

{% for entity in staging_entities() %}
quarantined_{{ entity.source }}_{{ entity.table }} as (

    {{ quarantined_rows_from(
        entity.base, entity.source, entity.table, entity.record_id,
        new_files_only=is_incremental()
    ) }}

),

{% endfor %}
all_quarantined as (

    {% for entity in staging_entities() %}
    select * from quarantined_{{ entity.source }}_{{ entity.table }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        source_name,
        source_file,
        source_row_number,
        record_id,
        reason,
        raw_values
    from all_quarantined

)

select * from final
