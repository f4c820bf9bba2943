{#-
    Pre-hook of every mart: an incremental mart whose table was created before a constraint was
    declared in its yml gets it here, in place, before the run writes to it. dbt-duckdb creates a
    table with its contract's constraints but an incremental run only inserts into the stored
    table, so without this a warehouse built before the constraints existed would never enforce
    them (fct_orders, fct_sessions, quarantined_rows and the trigger marts keep their history and
    are not rebuilt). A stored row breaking the constraint fails the run with DuckDB's error.
    Only on DuckDB, and only for an incremental run: a table mart (and a first or full-refresh
    build) is created with every constraint. On Spark nothing: see spark__persist_constraints.
-#}
{% macro add_missing_contract_constraints() -%}
    {{ return(adapter.dispatch('add_missing_contract_constraints')()) }}
{%- endmacro %}

{% macro default__add_missing_contract_constraints() -%}
{%- endmacro %}

{% macro duckdb__add_missing_contract_constraints() -%}
    {%- if execute and is_incremental() and config.get('contract').enforced -%}
        {%- set declared = [] -%}
        {%- for column in model.columns.values() -%}
            {%- for constraint in column.constraints -%}
                {%- do declared.append({'type': constraint.type, 'columns': [column.name]}) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for constraint in model.constraints -%}
            {%- do declared.append({'type': constraint.type, 'columns': constraint.columns}) -%}
        {%- endfor -%}
        {%- set names = {'not_null': 'NOT NULL', 'unique': 'UNIQUE', 'primary_key': 'PRIMARY KEY'} -%}
        {%- set stored = run_query(
            "select constraint_type || ':' || array_to_string(constraint_column_names, ',')"
            ~ " from duckdb_constraints()"
            ~ " where database_name = '" ~ this.database ~ "' and schema_name = '" ~ this.schema ~ "'"
            ~ " and table_name = '" ~ this.identifier ~ "'"
        ).columns[0].values() -%}
        {%- for constraint in declared if constraint.type in names
                and (names[constraint.type] ~ ':' ~ constraint.columns | join(',')) not in stored -%}
            {%- if constraint.type == 'not_null' -%}
                {%- set statement = 'alter table ' ~ this ~ ' alter column ' ~ constraint.columns[0] ~ ' set not null' -%}
            {%- else -%}
                {%- set statement = 'alter table ' ~ this ~ ' add ' ~ names[constraint.type] | lower
                    ~ ' (' ~ constraint.columns | join(', ') ~ ')' -%}
            {%- endif -%}
            {{ log("Adding the contract constraint missing from " ~ this ~ ": " ~ statement, info=true) }}
            {%- do run_query(statement) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
