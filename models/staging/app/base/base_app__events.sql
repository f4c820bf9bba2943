{% if target.type != 'spark' %}-- depends_on: {{ ref('dq_gate_raw') }}{% endif %}
{{
    config(
        materialized=keyed_incremental_materialization(),
        unique_key='event_id',
        incremental_strategy='delete+insert',
    )
}}

{#
    Incremental by raw file, the same way as base_web__events (see there).
#}

{#- The columns ranked together: this load's rows and their earlier copies. -#}
{%- set ranked_columns = [
    'event_id',
    'device_id',
    'user_id',
    'event_name',
    'event_at',
    'feature',
    'screen',
    'platform',
    'app_version',
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

    select * from {{ source('app', 'events') }}

),

typed as (

    select
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('device_id') }} as device_id,
        {{ clean_text('user_id') }} as user_id,
        {{ clean_code('event_name') }} as event_name,
        {{ to_utc_timestamp('event_ts') }} as event_at,
        {{ clean_text('event_ts') }} as event_ts_text,
        {{ clean_code('feature') }} as feature,
        {{ clean_text('screen') }} as screen,
        {{ clean_code('platform') }} as platform,
        {{ clean_text('app_version') }} as app_version,
        {{ to_utc_timestamp('received_at') }} as received_at,
        {{ clean_text('received_at') }} as received_at_text,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _source_loaded_at as file_loaded_at,
        _source_modified_at as file_modified_at,
        {{ this_run_loaded_at() }} as loaded_at
    from raw_events
    {% if is_incremental() %}
    where {{ not_loaded_yet('_source_file', 'app', 'events') }}
    {% endif %}

),

validated as (

    select
        *,
        {{ quarantine_reason(
            [rule_required('event_id', 'event_id'),
             ('device_id is null and user_id is null',
              'device_id: required value is missing and there is no user_id'),
             rule_required('event_name', 'event_name')]
            + rules_timestamp('event_at', 'event_ts_text', 'event_ts', arrival=arrival_at())
            + rules_timestamp('received_at', 'received_at_text', 'received_at', required=false,
                arrival='file_loaded_at', arrival_label='the first load of its file')
        ) }} as quarantine_reason,
        {#- App events carry no optional value that staging could null. -#}
        {{ nulled_values_note([]) }} as nulled_values
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
        device_id,
        user_id,
        event_name,
        event_at,
        feature,
        screen,
        platform,
        app_version,
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
