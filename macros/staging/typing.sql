{#-
    Typing helpers used by the staging layer. Raw values may arrive as any type (CSV: text,
    Parquet: whatever the exporter wrote), so each helper goes through text and never fails:
    an unparseable value becomes null and the base model decides whether that quarantines the row.
-#}

{% macro clean_text(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}


{% macro clean_code(column) -%}
    lower({{ clean_text(column) }})
{%- endmacro %}


{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
    cast(to_utc_timestamp(cast({{ clean_text(column) }} as timestamp), 'UTC') as timestamp)
{%- endmacro %}

{% macro duckdb__to_utc_timestamp(column) -%}
    timezone('UTC', try_cast({{ clean_text(column) }} as timestamptz))
{%- endmacro %}

{#-
    Spark: the cast reads any UTC offset, and text without one in the session time zone (the
    profile pins it to UTC); a timestamp is an instant shown in that zone. Only text starting
    with a full date is cast, as on DuckDB (Spark would also take '2025' or '2025-10').
-#}
{% macro spark__to_utc_timestamp(column) -%}
    case
        when {{ clean_text(column) }} rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
            then try_cast({{ clean_text(column) }} as timestamp)
    end
{%- endmacro %}


{% macro to_amount(column) -%}
    {{ return(adapter.dispatch('to_amount')(column)) }}
{%- endmacro %}

{% macro default__to_amount(column) -%}
    cast({{ clean_text(column) }} as decimal(18, 2))
{%- endmacro %}

{% macro duckdb__to_amount(column) -%}
    try_cast({{ clean_text(column) }} as decimal(18, 2))
{%- endmacro %}

{% macro spark__to_amount(column) -%}
    try_cast({{ clean_text(column) }} as decimal(18, 2))
{%- endmacro %}


{% macro to_double(column) -%}
    {{ return(adapter.dispatch('to_double')(column)) }}
{%- endmacro %}

{% macro default__to_double(column) -%}
    cast({{ clean_text(column) }} as double)
{%- endmacro %}

{% macro duckdb__to_double(column) -%}
    case
        when isfinite(try_cast({{ clean_text(column) }} as double))
            then try_cast({{ clean_text(column) }} as double)
    end
{%- endmacro %}

{#- Spark: Java's parser would also accept a type suffix ('1.5d'); DuckDB does not. -#}
{% macro spark__to_double(column) -%}
    case
        when not {{ clean_text(column) }} rlike '[dDfF]$'
            and not {{ is_non_finite(column) }}
            then try_cast({{ clean_text(column) }} as double)
    end
{%- endmacro %}


{% macro is_non_finite(column) -%}
    {{ return(adapter.dispatch('is_non_finite')(column)) }}
{%- endmacro %}

{% macro default__is_non_finite(column) -%}
    coalesce(not isfinite(try_cast({{ clean_text(column) }} as double)), false)
{%- endmacro %}

{% macro spark__is_non_finite(column) -%}
    coalesce(
        isnan(try_cast({{ clean_text(column) }} as double))
        or abs(try_cast({{ clean_text(column) }} as double)) = cast('Infinity' as double),
        false
    )
{%- endmacro %}


{% macro to_integer(column) -%}
    {{ return(adapter.dispatch('to_integer')(column)) }}
{%- endmacro %}

{% macro default__to_integer(column) -%}
    cast({{ clean_text(column) }} as integer)
{%- endmacro %}

{% macro duckdb__to_integer(column) -%}
    case
        when try_cast({{ clean_text(column) }} as double)
            = floor(try_cast({{ clean_text(column) }} as double))
            then try_cast(try_cast({{ clean_text(column) }} as double) as integer)
    end
{%- endmacro %}

{#- Spark: a plain cast would truncate '3.5' to 3; the same whole-number test as DuckDB. -#}
{% macro spark__to_integer(column) -%}
    case
        when {{ to_double(column) }} = floor({{ to_double(column) }})
            then try_cast({{ to_double(column) }} as integer)
    end
{%- endmacro %}


{% macro to_boolean(column) -%}
    case
        when {{ clean_code(column) }} in ('true', 't', 'yes', 'y', '1', '1.0') then true
        when {{ clean_code(column) }} in ('false', 'f', 'no', 'n', '0', '0.0') then false
    end
{%- endmacro %}
