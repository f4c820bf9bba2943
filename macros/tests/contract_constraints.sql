{#-
    The not_null, unique and primary_key constraints of a model's contract (its yml), checked as
    a data test on a target that does not enforce them. DuckDB enforces them when it writes the
    table (the build fails naming the column), so there the test is disabled and costs nothing.
    dbt-spark accepts them but Spark cannot enforce them on Parquet tables: there this test checks
    each one, read from the model's node in the graph, so the rule lives once, in the yml.
    One row per broken constraint with its failing row count. A unique key's nulls pass, as in
    SQL and in the `unique` test; a primary key's columns must also be not null.
    --vars '{contract_constraints_as_tests: true}' enables it on DuckDB too (to audit tables
    written without the constraints; the tests use it to check this macro).
-#}
{% test contract_constraints(model) %}
    {{ config(enabled=(target.type != 'duckdb' or var('contract_constraints_as_tests', false))) }}
    {%- set checks = [] -%}
    {%- if execute -%}
        {%- set node = contract_constraints_node(model) -%}
        {%- set keys = [] -%}
        {%- set not_null_columns = [] -%}
        {%- for column in node.columns.values() -%}
            {%- for constraint in column.constraints -%}
                {%- if constraint.type in ('not_null', 'primary_key') -%}
                    {%- do not_null_columns.append(column.name) -%}
                {%- endif -%}
                {%- if constraint.type in ('unique', 'primary_key') -%}
                    {%- do keys.append([column.name]) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for constraint in node.constraints -%}
            {%- if constraint.type == 'not_null' -%}
                {%- do not_null_columns.extend(constraint.columns) -%}
            {%- elif constraint.type in ('unique', 'primary_key') -%}
                {%- do keys.append(constraint.columns) -%}
                {%- if constraint.type == 'primary_key' -%}
                    {%- do not_null_columns.extend(constraint.columns) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for column in not_null_columns | unique -%}
            {%- do checks.append(
                "select 'not_null' as constraint_type, '" ~ column ~ "' as constraint_columns,"
                ~ " count(*) as failing_rows from " ~ model ~ " where " ~ column ~ " is null"
            ) -%}
        {%- endfor -%}
        {%- for key in keys -%}
            {%- do checks.append(
                "select 'unique' as constraint_type, '" ~ key | join(', ') ~ "' as constraint_columns,"
                ~ " count(*) as failing_rows from (select " ~ key | join(', ') ~ " from " ~ model
                ~ " where " ~ key | join(' is not null and ') ~ " is not null"
                ~ " group by " ~ key | join(', ') ~ " having count(*) > 1) as duplicated_keys"
            ) -%}
        {%- endfor -%}
    {%- endif %}
    {%- if checks %}
    select constraint_type, constraint_columns, failing_rows
    from (
        {{ checks | join('\n        union all\n        ') }}
    ) as checked
    where failing_rows > 0
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as constraint_type,
        cast(null as {{ dbt.type_string() }}) as constraint_columns,
        cast(0 as bigint) as failing_rows
    where 1 = 0
    {%- endif %}
{% endtest %}


{#- The model node (of the graph) a test's `model` relation is built by; an error when none. -#}
{% macro contract_constraints_node(relation) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model'
            and (node.alias or node.name) | lower == relation.identifier | lower
            and node.schema | lower == relation.schema | lower -%}
        {{ return(node) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("contract_constraints: no model builds " ~ relation) }}
{%- endmacro %}
