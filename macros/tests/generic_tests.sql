{#-
    Generic tests dbt-core lacks (dbt Hub packages such as dbt_utils cannot be fetched here).
    Each returns the failing rows; zero rows is a pass.
-#}

{#- Every row satisfies a SQL boolean expression (optionally only rows matching `where`). -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression if column_name is none else column_name ~ ' ' ~ expression }}), false)
{% endtest %}


{#- Values lie within [min_value, max_value] (either bound optional); nulls pass. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    select *
    from {{ model }}
    where {{ column_name }} is not null
      and (
        false
        {%- if min_value is not none %}
        or {{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        or {{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }}
        {%- endif %}
      )
{% endtest %}


{#- A set of columns is unique together. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select {{ combination_of_columns | join(', ') }}, count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}


{#- The model has at least `min_rows` rows (guards against a silently empty build). -#}
{% test row_count_at_least(model, min_rows=1) %}
    select row_count
    from (select count(*) as row_count from {{ model }}) as counted
    where row_count < {{ min_rows }}
{% endtest %}
