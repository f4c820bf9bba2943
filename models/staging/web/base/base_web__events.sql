{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_raw') }}{% endif %}
{{
    config(
        materialized=keyed_incremental_materialization(),
        unique_key='event_id',
        incremental_strategy='delete+insert',
    )
}}

{#
    Incremental by raw file: a run types and validates only the files not loaded before, and
    re-ranks each of their event ids together with the copies loaded earlier (delete+insert on
    event_id), so a re-sent event still replaces its earlier copy and the table equals a full
    refresh. Raw files are append-only: after changing or removing a loaded file, run
    `dbt build --full-refresh`.
#}

{#- The columns ranked together: this load's rows and their earlier copies. -#}
{%- set ranked_columns = [
    'event_id',
    'anonymous_id',
    'user_id',
    'event_type',
    'event_at',
    'page_url',
    'referrer',
    'product_id',
    'category',
    'price',
    'scroll_depth',
    'time_on_page_s',
    'device_type',
    'user_agent',
    'ip_hash',
    'received_at',
    'source_file',
    'source_row_number',
    'file_loaded_at',
    'file_modified_at',
    'loaded_at',
    'quarantine_reason',
    'nulled_values',
] -%}

with raw_events as (

    select * from {{ source('web', 'events') }}

),

typed as (

    select
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('anonymous_id') }} as anonymous_id,
        {{ clean_text('user_id') }} as user_id,
        {{ clean_code('event_type') }} as event_type,
        {{ to_utc_timestamp('event_ts') }} as event_at,
        {{ clean_text('event_ts') }} as event_ts_text,
        {{ clean_text('page_url') }} as page_url,
        {{ clean_text('referrer') }} as referrer,
        {{ clean_text('product_id') }} as product_id,
        {{ clean_text('category') }} as category,
        {{ to_double('price') }} as price,
        {{ clean_text('price') }} as price_text,
        {{ to_integer('scroll_depth') }} as scroll_depth,
        {{ clean_text('scroll_depth') }} as scroll_depth_text,
        {{ to_double('time_on_page_s') }} as time_on_page_s,
        {{ clean_text('time_on_page_s') }} as time_on_page_s_text,
        {{ clean_code('device_type') }} as device_type,
        {{ clean_text('user_agent') }} as user_agent,
        {{ clean_text('ip') }} as ip_hash,
        {{ to_utc_timestamp('received_at') }} as received_at,
        {{ clean_text('received_at') }} as received_at_text,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _source_loaded_at as file_loaded_at,
        _source_modified_at as file_modified_at,
        {{ this_run_loaded_at() }} as loaded_at
    from raw_events
    {% if is_incremental() %}
    where {{ not_loaded_yet('_source_file', 'web', 'events') }}
    {% endif %}

),

validated as (

    select
        *,
        {{ quarantine_reason(
            [rule_required('event_id', 'event_id'),
             ('anonymous_id is null and user_id is null',
              'anonymous_id: required value is missing and there is no user_id'),
             rule_required('event_type', 'event_type')]
            + rules_timestamp('event_at', 'event_ts_text', 'event_ts', arrival=arrival_at())
            + rules_timestamp('received_at', 'received_at_text', 'received_at', required=false,
                arrival='file_loaded_at', arrival_label='the first load of its file')
        ) }} as quarantine_reason,
        {{ nulled_values_note(
            rules_number('price', 'price_text', 'price')
            + rules_number('scroll_depth', 'scroll_depth_text', 'scroll_depth', 'whole number')
            + rules_number('time_on_page_s', 'time_on_page_s_text', 'time_on_page_s')
        ) }} as nulled_values
    from typed

),

{% if is_incremental() %}
earlier_copies as (

    -- Rows of earlier loads with an event id this load brings again: ranked with it.
    select {{ ranked_columns | join(', ') }}
    from {{ this }}
    where event_id in (select event_id from validated)

),
{% endif %}

rows_to_rank as (

    select {{ ranked_columns | join(', ') }}
    from validated
    {% if is_incremental() %}
    union all
    select * from earlier_copies
    {% endif %}

),

final as (

    select
        event_id,
        anonymous_id,
        user_id,
        event_type,
        event_at,
        page_url,
        referrer,
        product_id,
        category,
        price,
        scroll_depth,
        time_on_page_s,
        device_type,
        user_agent,
        ip_hash,
        received_at,
        source_file,
        source_row_number,
        file_loaded_at,
        file_modified_at,
        loaded_at,
        quarantine_reason,
        nulled_values,
        case
            when quarantine_reason is null then {{ dedupe_rank(
                'quarantine_reason is null, event_id',
                'received_at desc nulls last, ' ~ latest_load_first()
            ) }}
        end as dedupe_rank
    from rows_to_rank

)

select * from final
