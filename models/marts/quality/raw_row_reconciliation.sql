-- depends_on: {{ ref('base_web__events') }}, {{ ref('base_app__events') }}
-- depends_on: {{ ref('base_commerce__orders') }}, {{ ref('base_commerce__order_items') }}
-- depends_on: {{ ref('base_support__tickets') }}, {{ ref('base_crm__customers') }}
-- depends_on: {{ ref('base_experiments__assignments') }}
-- depends_on: {{ ref('stg_web__events') }}, {{ ref('stg_app__events') }}
-- depends_on: {{ ref('stg_commerce__orders') }}, {{ ref('stg_commerce__order_items') }}
-- depends_on: {{ ref('stg_support__tickets') }}, {{ ref('stg_crm__customers') }}
-- depends_on: {{ ref('stg_experiments__assignments') }}

{#
    Nothing lost: per raw entity, the rows read from the files (counted straight from the raw
    view, independently of staging) against where they went. The test on this model asserts
    rows_in = rows_staged + rows_duplicate + rows_quarantined. rows_with_nulled_values counts
    the staged rows that lost an unusable optional value (base models' nulled_values).
#}

with quarantined as (

    select * from {{ ref('quarantined_rows') }}

),

{% for entity in staging_entities() %}
counts_{{ entity.source }}_{{ entity.table }} as (

    select
        '{{ entity.source }}.{{ entity.table }}' as source_name,
        (select count(*) from {{ source(entity.source, entity.table) }}) as rows_in,
        (select count(*) from {{ ref(entity.staged) }}) as rows_staged,
        (
            select count(*) from {{ ref(entity.base) }}
            where quarantine_reason is null and dedupe_rank > 1
        ) as rows_duplicate,
        (
            select count(*) from quarantined
            where source_name = '{{ entity.source }}.{{ entity.table }}'
        ) as rows_quarantined,
        (
            select count(*) from {{ ref(entity.base) }}
            where quarantine_reason is null and dedupe_rank = 1 and nulled_values is not null
        ) as rows_with_nulled_values

),

{% endfor %}
final as (

    {% for entity in staging_entities() %}
    select
        source_name,
        rows_in,
        rows_staged,
        rows_duplicate,
        rows_quarantined,
        rows_with_nulled_values,
        rows_in = rows_staged + rows_duplicate + rows_quarantined as is_reconciled
    from counts_{{ entity.source }}_{{ entity.table }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
