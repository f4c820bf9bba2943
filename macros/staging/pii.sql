{#-
    PII never reaches a warehouse table or view in clear text: the raw views (register_raw_sources)
    replace e-mail, phone, names and IP addresses by HMAC-SHA-256 of their normalised form, keyed
    by the environment variable PII_HASH_SALT, so matching keys (the same e-mail in CRM and
    support) still join, and nobody without the key can hash a list of e-mails to match them.

    The key never appears in SQL: on DuckDB the dbt-duckdb plugin behaviorseg.pii_key (listed in
    profiles.yml) sets the HMAC inner and outer padded keys (RFC 2104) as session variables on
    every connection and cursor; on Spark a temporary view derives them from the environment at
    run time (java_method System.getenv). The SQL below only names them. Keep the key stable:
    hashes (and the erasure list) change with it.
-#}

{% macro hash_pii(expression) -%}
    {{ return(adapter.dispatch('hash_pii')(expression)) }}
{%- endmacro %}

{% macro default__hash_pii(expression) -%}
    {{ exceptions.raise_compiler_error(
        "hash_pii has no keyed (HMAC) implementation for adapter '" ~ adapter.type() ~ "'"
    ) }}
{%- endmacro %}

{#-
    A query on a connection without the key fails with the reason, not with null hashes (the
    casts keep DuckDB from folding the missing key into a null before error() runs).
-#}
{% macro duckdb__hash_pii(expression) -%}
    sha256(
        {{ duckdb_pii_key_pad('opad') }}
        || from_hex(sha256({{ duckdb_pii_key_pad('ipad') }} || encode({{ expression }})))
    )
{%- endmacro %}

{% macro duckdb_pii_key_pad(pad) -%}
    coalesce(cast(getvariable('behaviorseg_pii_hmac_{{ pad }}') as blob),
        cast(error('PII_HASH_SALT is not set on this connection (docs/configuration.md)') as blob))
{%- endmacro %}

{% macro spark__hash_pii(expression) -%}
    sha2(concat(
        (select opad from global_temp.behaviorseg_pii_hmac_key),
        unhex(sha2(concat(
            (select ipad from global_temp.behaviorseg_pii_hmac_key),
            encode({{ expression }}, 'utf-8')
        ), 256))
    ), 256)
{%- endmacro %}


{% macro pii_key_missing_message() -%}
    {{ return(
        "PII_HASH_SALT is not set: PII (e-mail, phone, names, IP) and erasure requests are hashed"
        ~ " with HMAC-SHA-256 keyed by this environment variable. Set it to a long random secret"
        ~ " (e.g. the output of: python -c 'import secrets; print(secrets.token_hex(32))') and"
        ~ " keep it stable: hashes change with it. `make demo` and the tests set a demo key."
    ) }}
{%- endmacro %}


{% macro prepare_pii_key() -%}
    {{ return(adapter.dispatch('prepare_pii_key')()) }}
{%- endmacro %}

{#- DuckDB: the plugin has set the variables on this cursor when the key is in the environment. -#}
{% macro default__prepare_pii_key() -%}
    {%- set found = run_query(
        "select getvariable('behaviorseg_pii_hmac_ipad') is not null"
        ~ " and getvariable('behaviorseg_pii_hmac_opad') is not null"
    ) -%}
    {%- if not found.rows[0][0] -%}
        {{ exceptions.raise_compiler_error(pii_key_missing_message()) }}
    {%- endif -%}
{%- endmacro %}

{#-
    Spark: the padded keys from the environment of the Spark driver (session method: the dbt
    process) computed in SQL, so the SQL dbt logs names the variable, never its value.
    java_method returns the text 'null' for an unset variable. K = the key's UTF-8 bytes, SHA-256
    of them when longer than the 64-byte block, zero-padded to it; ipad/opad = K xor 0x36/0x5c.
-#}
{% macro spark__prepare_pii_key() -%}
    {%- set key_text = "java_method('java.lang.System', 'getenv', 'PII_HASH_SALT')" -%}
    {%- set found = run_query(
        "select coalesce(trim(" ~ key_text ~ "), '') not in ('', 'null')"
    ) -%}
    {%- if not found.rows[0][0] -%}
        {{ exceptions.raise_compiler_error(pii_key_missing_message()) }}
    {%- endif -%}
    {%- set pads = [] -%}
    {%- for name, byte in [('ipad', 54), ('opad', 92)] -%}
        {%- do pads.append(
            "unhex(array_join(transform(sequence(0, 63), i -> lpad(hex("
            ~ "cast(conv(substr(block_hex, 2 * i + 1, 2), 16, 10) as int) ^ " ~ byte
            ~ "), 2, '0')), '')) as " ~ name
        ) -%}
    {%- endfor -%}
    {%- do run_query(
        "create or replace global temporary view behaviorseg_pii_hmac_key as"
        ~ " with key_bytes as (select encode(" ~ key_text ~ ", 'utf-8') as k),"
        ~ " block_key as (select rpad(hex(case when length(k) > 64 then unhex(sha2(k, 256))"
        ~ " else k end), 128, '0') as block_hex from key_bytes)"
        ~ " select " ~ pads | join(', ') ~ " from block_key"
    ) -%}
{%- endmacro %}


{% macro url_without_query(expression) -%}
    {{ return(adapter.dispatch('url_without_query')(expression)) }}
{%- endmacro %}

{% macro url_query_allowlist_literals() -%}
    {%- set allowed = [] -%}
    {%- for name in var('raw_url_query_allowlist') or [] -%}
        {%- do allowed.append(name | string | trim | lower) -%}
    {%- endfor -%}
    {{ return(sql_string_literals(allowed)) }}
{%- endmacro %}

{% macro default__url_without_query(expression) -%}
    {%- set url = 'split_part(cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ "), '#', 1)" -%}
    {%- set allowed = url_query_allowlist_literals() -%}
    {%- if allowed -%}
    (split_part({{ url }}, '?', 1) || coalesce('?' || nullif(array_to_string(list_filter(
        string_split(case when instr({{ url }}, '?') > 0 then substr({{ url }}, instr({{ url }}, '?') + 1) end, '&'),
        lambda parameter: lower(split_part(parameter, '=', 1)) in ({{ allowed }})
    ), '&'), ''), ''))
    {%- else -%}
    split_part({{ url }}, '?', 1)
    {%- endif -%}
{%- endmacro %}

{% macro spark__url_without_query(expression) -%}
    {%- set url = 'split_part(cast(' ~ expression ~ " as string), '#', 1)" -%}
    {%- set allowed = url_query_allowlist_literals() -%}
    {%- if allowed -%}
    concat(split_part({{ url }}, '?', 1), coalesce(concat('?', nullif(array_join(filter(
        split(case when instr({{ url }}, '?') > 0 then substr({{ url }}, instr({{ url }}, '?') + 1) end, '&'),
        parameter -> lower(split_part(parameter, '=', 1)) in ({{ allowed }})
    ), '&'), '')), ''))
    {%- else -%}
    split_part({{ url }}, '?', 1)
    {%- endif -%}
{%- endmacro %}


{% macro normalise_email(column) -%}
    lower({{ clean_text(column) }})
{%- endmacro %}


{% macro normalise_phone(column) -%}
    {{ return(adapter.dispatch('normalise_phone')(column)) }}
{%- endmacro %}

{% macro default__normalise_phone(column) -%}
    nullif(regexp_replace({{ clean_text(column) }}, '[^0-9+]', ''), '')
{%- endmacro %}

{% macro duckdb__normalise_phone(column) -%}
    nullif(regexp_replace({{ clean_text(column) }}, '[^0-9+]', '', 'g'), '')
{%- endmacro %}


{% macro normalise_pii(kind, column) -%}
    {%- if kind == 'email' -%}{{ normalise_email(column) }}
    {%- elif kind == 'phone' -%}{{ normalise_phone(column) }}
    {%- elif kind == 'name' -%}{{ normalise_name(column) }}
    {%- elif kind == 'text' -%}{{ clean_text(column) }}
    {%- else -%}{{ exceptions.raise_compiler_error("unknown pii kind '" ~ kind ~ "' for " ~ column) }}
    {%- endif -%}
{%- endmacro %}


{% macro normalise_name(column) -%}
    lower({{ clean_text(column) }})
{%- endmacro %}
