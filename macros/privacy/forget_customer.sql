{#-
    `dbt run-operation forget_customer --args '{customer_id: C0001234}'`

    Honours an erasure request: records it in privacy.erasure_requests (salted hash only) and
    deletes the customer from every table of the warehouse: every row of their stitched
    person(s) (events, sessions, identities: whatever carries a person_id), every row in which a
    text column equals the id, and every quarantined raw row or quality result that mentions it.
    The raw views drop the customer from then on, so `dbt build` does not bring them back.
    Exported files outside the warehouse lose the customer at the next `behaviorseg export`
    (a 'left' change tells the CRM to delete them too).
-#}
{% macro forget_customer(customer_id) -%}
    {%- if customer_id is none or (customer_id | string | trim) == '' -%}
        {{ exceptions.raise_compiler_error("forget_customer needs a customer_id") }}
    {%- endif -%}
    {%- set customer_id = customer_id | string | trim -%}
    {%- set literal = "'" ~ customer_id | replace("'", "''") ~ "'" -%}
    {%- do create_privacy_and_audit_tables() -%}
    {%- set person_ids = erased_person_ids(literal) -%}
    {%- set deleted = [] -%}
    {%- for table in warehouse_base_tables() -%}
        {%- set condition = erasure_row_condition(table, literal, customer_id, person_ids) -%}
        {%- if condition -%}
            {%- set counted = run_query(
                "select count(*) from " ~ table.relation ~ " where " ~ condition
            ) -%}
            {%- set rows = counted.rows[0][0] -%}
            {%- if rows > 0 -%}
                {%- do run_query("delete from " ~ table.relation ~ " where " ~ condition) -%}
                {%- do deleted.append(rows) -%}
                {{ log("forget_customer: deleted " ~ rows ~ " rows from " ~ table.relation, info=true) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do run_query(
        "insert into privacy.erasure_requests values ("
        ~ erasure_hash(literal) ~ ", current_timestamp, '" ~ invocation_id ~ "', "
        ~ (deleted | sum) ~ ")"
    ) -%}
    {{ log("forget_customer: erasure recorded; " ~ (deleted | sum) ~ " rows deleted in "
        ~ (deleted | length) ~ " tables", info=true) }}
{%- endmacro %}


{#- Persons the customer id is stitched to (identity_map may not exist yet). -#}
{% macro erased_person_ids(literal) -%}
    {%- set found = run_query(
        "select count(*) from information_schema.tables"
        ~ " where table_schema = '" ~ target.schema ~ "' and table_name = 'identity_map'"
    ) -%}
    {%- if found.rows[0][0] == 0 -%}{{ return([]) }}{%- endif -%}
    {%- set persons = run_query(
        "select distinct person_id from " ~ target.schema ~ ".identity_map"
        ~ " where identifier_type = 'user_id' and identifier = " ~ literal
    ) -%}
    {{ return(persons.columns[0].values() | list) }}
{%- endmacro %}


{#- Every base table with its text columns: [{relation, columns}]; the privacy log excluded. -#}
{% macro warehouse_base_tables() -%}
    {%- set listing = run_query(
        "select c.table_schema, c.table_name, c.column_name, c.data_type"
        ~ " from information_schema.columns as c"
        ~ " inner join information_schema.tables as t"
        ~ " on t.table_schema = c.table_schema and t.table_name = c.table_name"
        ~ " where t.table_type = 'BASE TABLE' and c.table_schema not in ('privacy', 'audit')"
        ~ " order by 1, 2, c.ordinal_position"
    ) -%}
    {%- set tables = {} -%}
    {%- for row in listing.rows -%}
        {%- set relation = adapter.quote(row[0]) ~ '.' ~ adapter.quote(row[1]) -%}
        {%- set entry = tables.setdefault(relation, {'relation': relation, 'columns': [], 'text': []}) -%}
        {%- do entry.columns.append(row[2]) -%}
        {%- if row[3] | upper in ('VARCHAR', 'TEXT', 'STRING') -%}
            {%- do entry.text.append(row[2]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(tables.values() | list) }}
{%- endmacro %}


{#-
    Rows of one table that belong to the customer: their person(s), a text column equal to the
    id, or a free-text column (raw values, observed values) naming it as a whole token.
-#}
{% macro erasure_row_condition(table, literal, customer_id, person_ids) -%}
    {%- set conditions = [] -%}
    {%- if person_ids and 'person_id' in table.columns -%}
        {%- do conditions.append("person_id in ('" ~ person_ids | join("', '") ~ "')") -%}
    {%- endif -%}
    {%- set token = regex_escape(customer_id) -%}
    {%- for column in table.text -%}
        {%- if column in ('raw_values', 'observed_value', 'unexpected_sources', 'kwargs') -%}
            {%- do conditions.append(
                "regexp_matches(" ~ adapter.quote(column) ~ ", '(^|[^A-Za-z0-9_])"
                ~ token ~ "([^A-Za-z0-9_]|$)')"
            ) -%}
        {%- else -%}
            {%- do conditions.append(adapter.quote(column) ~ " = " ~ literal) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(conditions | join(' or ')) }}
{%- endmacro %}


{#- A text safe to put inside a regular expression (and a SQL string literal). -#}
{% macro regex_escape(text) -%}
    {%- set escaped = namespace(value=text) -%}
    {%- for special in ['\\', '.', '^', '$', '|', '?', '*', '+', '(', ')', '[', ']', '{', '}'] -%}
        {%- set escaped.value = escaped.value | replace(special, '\\' ~ special) -%}
    {%- endfor -%}
    {{ return(escaped.value | replace("'", "''")) }}
{%- endmacro %}
