{#-
    PII never reaches a warehouse table or view in clear text: the raw views (register_raw_sources)
    replace e-mail, phone, names and IP addresses by a salted SHA-256 of their normalised form, so
    matching keys (the same e-mail in CRM and support) still join. The salt comes from the
    environment variable PII_HASH_SALT; the default is a documented demo salt that must be
    overridden in production (the same salt must be used for every run, or keys change).
-#}

{% macro pii_hash_salt() -%}
    {{- env_var('PII_HASH_SALT', 'behaviorseg-demo-salt-change-me') -}}
{%- endmacro %}


{#- Salted SHA-256 (hex) of an expression; null stays null. -#}
{% macro hash_pii(expression) -%}
    {{ return(adapter.dispatch('hash_pii')(expression)) }}
{%- endmacro %}

{% macro default__hash_pii(expression) -%}
    sha2(concat('{{ pii_hash_salt() }}', {{ expression }}), 256)
{%- endmacro %}

{% macro duckdb__hash_pii(expression) -%}
    sha256(concat('{{ pii_hash_salt() }}', {{ expression }}))
{%- endmacro %}


{#- Normalised e-mail: trimmed, lower-cased, empty as null. -#}
{% macro normalise_email(column) -%}
    lower({{ clean_text(column) }})
{%- endmacro %}


{#- Normalised phone: digits only, with a leading + kept (E.164-like). -#}
{% macro normalise_phone(column) -%}
    {{ return(adapter.dispatch('normalise_phone')(column)) }}
{%- endmacro %}

{% macro default__normalise_phone(column) -%}
    nullif(regexp_replace({{ clean_text(column) }}, '[^0-9+]', ''), '')
{%- endmacro %}

{% macro duckdb__normalise_phone(column) -%}
    nullif(regexp_replace({{ clean_text(column) }}, '[^0-9+]', '', 'g'), '')
{%- endmacro %}


{#- Normalised form of a PII value before hashing, by kind: email, phone, name or text. -#}
{% macro normalise_pii(kind, column) -%}
    {%- if kind == 'email' -%}{{ normalise_email(column) }}
    {%- elif kind == 'phone' -%}{{ normalise_phone(column) }}
    {%- elif kind == 'name' -%}{{ normalise_name(column) }}
    {%- elif kind == 'text' -%}{{ clean_text(column) }}
    {%- else -%}{{ exceptions.raise_compiler_error("unknown pii kind '" ~ kind ~ "' for " ~ column) }}
    {%- endif -%}
{%- endmacro %}


{#- Normalised personal name: trimmed, lower-cased. -#}
{% macro normalise_name(column) -%}
    lower({{ clean_text(column) }})
{%- endmacro %}
