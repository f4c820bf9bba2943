{% macro forget_customer(customer_id=none, dry_run=false) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set dry_run = (dry_run | string | trim | lower) in ('true', 'yes', '1') -%}
    {%- set customer = erasure_customer_expression(customer_id) -%}
    {%- set key_columns = erasure_key_columns() -%}
    {%- set tables = erasure_tables(key_columns) -%}
    {%- do run_query(erasure_scope_sql(customer, tables)) -%}
    {%- do run_query("create or replace temp table forget_persons (person_id varchar)") -%}
    {%- for table in tables if 'person_id' in table.columns and not table.staging -%}
        {%- do erasure_persons(table, key_columns) -%}
    {%- endfor -%}
    {%- set staged = run_query(
        "select count(*) from forget_scope where identifier_type = 'customer_id' and is_staged"
    ).rows[0][0] -%}
    {%- set mode = 'dry run: ' if dry_run else '' -%}
    {%- if staged == 0 -%}
        {{ log("forget_customer: " ~ mode ~ "not found (no staged row holds this customer id)"
            ~ "; nothing deleted" ~ ("" if dry_run else "; the id is recorded, so a later load does not bring it in"), info=true) }}
        {%- if not dry_run -%}
            {%- do create_privacy_and_audit_tables() -%}
            {%- do run_query(
                "begin transaction; " ~ erasure_record_sql(customer, 'not found', []) ~ "; commit"
            ) -%}
        {%- endif -%}
        {{ return('') }}
    {%- endif -%}
    {%- set counts = [] -%}
    {%- for table in tables -%}
        {%- set condition = erasure_condition(table, key_columns) -%}
        {%- if condition -%}
            {%- set rows = run_query(
                "select count(*) from " ~ table.relation ~ " where " ~ condition
            ).rows[0][0] -%}
            {%- if rows > 0 -%}
                {%- do counts.append({'table': table, 'condition': condition, 'rows': rows}) -%}
                {{ log("forget_customer: " ~ mode ~ table.name ~ ": " ~ rows ~ " rows"
                    ~ (" would go" if dry_run else " deleted"), info=true) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if dry_run -%}
        {{ log("forget_customer: dry run: " ~ (counts | sum(attribute='rows')) ~ " rows in "
            ~ (counts | length) ~ " tables would go; nothing changed", info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- do create_privacy_and_audit_tables() -%}
    {%- set statements = ["begin transaction"] -%}
    {%- for entry in counts -%}
        {%- do statements.append("delete from " ~ entry.table.relation ~ " where " ~ entry.condition) -%}
    {%- endfor -%}
    {%- do statements.append(erasure_record_sql(customer, 'erased', counts)) -%}
    {%- do statements.append("commit") -%}
    {%- do run_query(statements | join(";\n")) -%}
    {{ log("forget_customer: erased; " ~ (counts | sum(attribute='rows')) ~ " rows deleted in "
        ~ (counts | length) ~ " tables (audit.erasure_log); now rebuild the derived models, "
        ~ "`dbt build --full-refresh --exclude path:models/staging/*/base` (behaviorseg forget "
        ~ "does), to re-cut stitched persons", info=true) }}
{%- endmacro %}


{% macro erasure_customer_expression(customer_id) -%}
    {%- if customer_id is not none and (customer_id | string | trim) != '' -%}
        {{ return(clean_text(sql_string_literal(customer_id | string | trim))) }}
    {%- endif -%}
    {%- set expression = clean_text("getvariable('behaviorseg_erase_customer_id')") -%}
    {%- if run_query("select " ~ expression ~ " is null").rows[0][0] -%}
        {{ exceptions.raise_compiler_error(
            "forget_customer needs a customer id: `behaviorseg forget <id>` (or --args "
            ~ "'{customer_id: <id>}', which leaves the id in dbt's log)"
        ) }}
    {%- endif -%}
    {{ return(expression) }}
{%- endmacro %}


{% macro erasure_key_columns() -%}
    {%- set key_columns = {} -%}
    {%- for source_node in raw_source_nodes() -%}
        {%- for column in raw_contract_columns(source_node) -%}
            {%- set key_type = erasure_key_type(column) -%}
            {%- if key_type -%}
                {%- if key_columns.get(column.name, key_type) != key_type -%}
                    {{ exceptions.raise_compiler_error(
                        "column " ~ column.name ~ " is declared erasure_key " ~ key_type
                        ~ " in source " ~ source_node.source_name ~ " and "
                        ~ key_columns[column.name] ~ " elsewhere (sources yml)"
                    ) }}
                {%- endif -%}
                {%- do key_columns.update({column.name: key_type}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(key_columns) }}
{%- endmacro %}


{% macro erasure_tables(key_columns) -%}
    {%- set staging_relations = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.fqn[1] == 'staging'
        and node.config.materialized in ('table', 'incremental') -%}
        {%- do staging_relations.append((node.schema | lower, node.alias | lower)) -%}
    {%- endfor -%}
    {%- set listing = run_query(
        "select c.table_schema, c.table_name, c.column_name"
        ~ " from information_schema.columns as c"
        ~ " inner join information_schema.tables as t"
        ~ " on t.table_schema = c.table_schema and t.table_name = c.table_name"
        ~ " where t.table_type = 'BASE TABLE'"
        ~ " and c.table_schema not in ('privacy', 'audit', 'reference', 'information_schema')"
        ~ " order by 1, 2, c.ordinal_position"
    ) -%}
    {%- set tables = {} -%}
    {%- for row in listing.rows -%}
        {%- set relation = adapter.quote(row[0]) ~ '.' ~ adapter.quote(row[1]) -%}
        {%- set entry = tables.setdefault(relation, {
            'relation': relation, 'name': row[0] ~ '.' ~ row[1], 'columns': [],
            'staging': (row[0] | lower, row[1] | lower) in staging_relations}) -%}
        {%- do entry.columns.append(row[2] | lower) -%}
    {%- endfor -%}
    {{ return(tables.values() | list) }}
{%- endmacro %}


{% macro erasure_scope_sql(customer, tables) -%}
    {%- set key_columns = erasure_key_columns() -%}
    {%- set candidates = [] -%}
    {%- set staged_customer = [] -%}
    {%- for table in tables -%}
        {%- set customer_columns = [] -%}
        {%- for column in table.columns if key_columns.get(column) == 'customer_id' -%}
            {%- do customer_columns.append(column) -%}
        {%- endfor -%}
        {%- if table.staging -%}
            {%- for owner in customer_columns -%}
                {%- do staged_customer.append(
                    "select 1 from " ~ table.relation ~ " where " ~ adapter.quote(owner)
                    ~ " = " ~ customer
                ) -%}
                {%- for column in table.columns
                    if key_columns.get(column) not in (none, 'customer_id') -%}
                    {%- do candidates.append(
                        "select '" ~ key_columns[column] ~ "' as identifier_type, cast("
                        ~ adapter.quote(column) ~ " as varchar) as identifier, cast("
                        ~ adapter.quote(owner) ~ " as varchar) as owner from " ~ table.relation
                        ~ " where " ~ adapter.quote(column) ~ " is not null"
                    ) -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- elif 'identifier_type' in table.columns and 'identifier' in table.columns
            and 'user_id' in table.columns and table.name.endswith('int_identity_links') -%}
            {%- do candidates.append(
                "select identifier_type, identifier, user_id as owner from " ~ table.relation
                ~ " where identifier is not null"
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set sql -%}
        create or replace temp table forget_scope as
        with candidates as (
            {{ candidates | join('\n            union all\n            ') if candidates
                else "select null::varchar as identifier_type, null::varchar as identifier, null::varchar as owner where false" }}
        ),
        own_identifiers as (
            select identifier_type, identifier
            from candidates
            group by identifier_type, identifier
            having bool_or(owner = {{ customer }})
                and bool_and(owner is null or owner = {{ customer }})
        )
        select 'customer_id' as identifier_type, {{ customer }} as identifier,
            {{ ('exists (' ~ staged_customer | join(' union all ') ~ ')') if staged_customer else 'false' }} as is_staged
        union all
        select identifier_type, identifier, true as is_staged from own_identifiers
        where identifier_type <> 'customer_id'
    {%- endset -%}
    {{ return(sql) }}
{%- endmacro %}


{% macro erasure_diagnostic_columns() -%}
    {{ return(['observed_value', 'unexpected_sources', 'kwargs']) }}
{%- endmacro %}


{% macro erasure_condition(table, key_columns) -%}
    {%- set conditions = [] -%}
    {%- for column in table.columns if column in key_columns -%}
        {%- do conditions.append(
            "cast(" ~ adapter.quote(column) ~ " as varchar) in (select identifier from forget_scope"
            ~ " where identifier_type = '" ~ key_columns[column] ~ "')"
        ) -%}
    {%- endfor -%}
    {%- if not table.staging -%}
        {%- if 'raw_values' in table.columns -%}
            {#- A quarantined raw row: its declared key columns, read from its JSON. -#}
            {%- for key_column, key_type in key_columns.items() -%}
                {%- do conditions.append(
                    "json_extract_string(raw_values, '$." ~ key_column ~ "') in (select identifier"
                    ~ " from forget_scope where identifier_type = '" ~ key_type ~ "')"
                ) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- for column in table.columns if column in erasure_diagnostic_columns() -%}
            {%- do conditions.append(
                "regexp_matches(cast(" ~ adapter.quote(column) ~ " as varchar), "
                ~ "'(^|[^A-Za-z0-9_])' || regexp_escape((select identifier from forget_scope"
                ~ " where identifier_type = 'customer_id')) || '([^A-Za-z0-9_]|$)')"
            ) -%}
        {%- endfor -%}
        {%- if 'identifier_type' in table.columns and 'identifier' in table.columns -%}
            {%- do conditions.append(
                "(identifier_type, cast(identifier as varchar)) in"
                ~ " (select identifier_type, identifier from forget_scope)"
            ) -%}
        {%- endif -%}
        {%- if 'person_id' in table.columns -%}
            {%- do conditions.append("person_id in (select person_id from forget_persons)") -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(conditions | join(' or ')) }}
{%- endmacro %}


{% macro erasure_persons(table, key_columns) -%}
    {%- set matches = [] -%}
    {%- for column in table.columns if column in key_columns and key_columns[column] == 'customer_id' -%}
        {%- do matches.append(
            "cast(" ~ adapter.quote(column) ~ " as varchar) in (select identifier from forget_scope"
            ~ " where identifier_type = 'customer_id')"
        ) -%}
    {%- endfor -%}
    {%- if 'identifier_type' in table.columns and 'identifier' in table.columns -%}
        {%- do matches.append(
            "(identifier_type, cast(identifier as varchar)) in"
            ~ " (select identifier_type, identifier from forget_scope)"
        ) -%}
    {%- endif -%}
    {%- if matches -%}
        {%- do run_query(
            "insert into forget_persons select distinct cast(person_id as varchar) from "
            ~ table.relation ~ " where person_id is not null and (" ~ matches | join(' or ') ~ ")"
        ) -%}
    {%- endif -%}
{%- endmacro %}


{% macro erasure_record_sql(customer, outcome, counts) -%}
    {%- set request = erasure_hash(customer) -%}
    {%- set total = counts | sum(attribute='rows') -%}
    {%- set statements = [
        "insert into privacy.erased_identifiers select identifier_type, "
            ~ erasure_hash('identifier') ~ ", " ~ request ~ ", current_timestamp from forget_scope"
            ~ " where identifier_type in ('" ~ erasure_key_types() | join("', '") ~ "')",
        "insert into privacy.erasure_requests values (" ~ request ~ ", current_timestamp, '"
            ~ invocation_id ~ "', " ~ total ~ ")",
    ] -%}
    {%- if counts -%}
        {%- set rows = [] -%}
        {%- for entry in counts -%}
            {%- do rows.append("(" ~ request ~ ", current_timestamp, '" ~ invocation_id ~ "', '"
                ~ outcome ~ "', '" ~ entry.table.name ~ "', " ~ entry.rows ~ ")") -%}
        {%- endfor -%}
        {%- do statements.append("insert into audit.erasure_log values " ~ rows | join(', ')) -%}
    {%- else -%}
        {%- do statements.append("insert into audit.erasure_log values (" ~ request
            ~ ", current_timestamp, '" ~ invocation_id ~ "', '" ~ outcome ~ "', null, 0)") -%}
    {%- endif -%}
    {{ return(statements | join(";\n")) }}
{%- endmacro %}
