{#-
    Feature scoring and normalisation helpers.
-#}

{% macro quintile_score(column, higher_is_better=true) -%}
    case
        when {{ column }} is not null then cast(ceil(round(5 * cume_dist() over (
            partition by case when {{ column }} is null then 0 else 1 end
            order by {{ column }} {{ 'asc' if higher_is_better else 'desc' }}
        ), 9)) as integer)
    end
{%- endmacro %}


{% macro percentile_rank(column, higher_is_better=true) -%}
    case
        when {{ column }} is not null then percent_rank() over (
            partition by case when {{ column }} is null then 0 else 1 end
            order by {{ column }} {{ 'asc' if higher_is_better else 'desc' }}
        )
    end
{%- endmacro %}


{% macro zscore(column) -%}
    {{ return(adapter.dispatch('zscore')(column)) }}
{%- endmacro %}

{% macro default__zscore(column) -%}
    coalesce(
        ({{ column }} - avg({{ column }}) over ())
        / nullif(stddev_pop({{ column }}) over (), 0),
        case when {{ column }} is not null then 0.0 end
    )
{%- endmacro %}


{% macro spark__zscore(column) -%}
    {%- set value = 'cast(' ~ column ~ ' as double)' -%}
    coalesce(
        ({{ value }} - avg({{ value }}) over ())
        / nullif(stddev_pop({{ value }}) over (), 0),
        case when {{ column }} is not null then 0.0 end
    )
{%- endmacro %}


{% macro min_max_scale(column) -%}
    {{ return(adapter.dispatch('min_max_scale')(column)) }}
{%- endmacro %}

{% macro default__min_max_scale(column) -%}
    coalesce(
        ({{ column }} - min({{ column }}) over ())
        / nullif(max({{ column }}) over () - min({{ column }}) over (), 0),
        case when {{ column }} is not null then 0.0 end
    )
{%- endmacro %}

{% macro spark__min_max_scale(column) -%}
    coalesce(
        cast({{ column }} - min({{ column }}) over () as double)
        / cast(nullif(max({{ column }}) over () - min({{ column }}) over (), 0) as double),
        case when {{ column }} is not null then 0.0 end
    )
{%- endmacro %}


{% macro engagement_score(rank_columns) -%}
    {%- set weights = var('engagement_weights') -%}
    {%- set total = weights.values() | sum -%}
    {%- set weighted -%}
    100 * (
        {%- for component, weight in weights.items() %}
        {{ weight }} * coalesce({{ rank_columns[component] }}, 0){{ ' +' if not loop.last }}
        {%- endfor %}
    ) / {{ total }}
    {%- endset %}
    {{ round_double(weighted, 2) }}
{%- endmacro %}


{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as bigint)
{%- endmacro %}
