"""The PII key plugin (behaviorseg.pii_key): the padded keys it sets make DuckDB's SQL hash equal
Python's HMAC-SHA-256 (RFC 2104), for short, block-sized, long and non-ASCII keys."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pytest

from behaviorseg.pii_key import (
    INNER_PAD_VARIABLE,
    OUTER_PAD_VARIABLE,
    Plugin,
    hmac_from_pads,
    hmac_hex,
    hmac_pads,
    key_from_environment,
    set_key_variables,
)

KEYS = [
    b"k",
    b"a-64-byte-key-".ljust(64, b"x"),  # exactly one block: used as it is
    b"a-65-byte-key-".ljust(65, b"y"),  # longer than a block: hashed first
    "clé-secrète-ünïcode".encode(),
]
VALUES = ["jane.doe@example.com", "+15550100200", "", "ünïcode näme", "x" * 1000]
# The SQL of macros/staging/pii.sql (duckdb__hash_pii) on a literal value.
HASH_SQL = (
    f"select sha256(getvariable('{OUTER_PAD_VARIABLE}')"
    f" || from_hex(sha256(getvariable('{INNER_PAD_VARIABLE}') || encode(?))))"
)


@pytest.mark.parametrize("key", KEYS)
def test_pads_give_python_hmac(key: bytes) -> None:
    inner, outer = hmac_pads(key)
    assert len(inner) == len(outer) == 64
    for value in VALUES:
        expected = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
        assert hmac_from_pads(inner, outer, value.encode()) == expected
        assert hmac_hex(key, value) == expected


@pytest.mark.parametrize("key", KEYS)
def test_duckdb_sql_hash_equals_python_hmac(key: bytes) -> None:
    connection = duckdb.connect()
    assert set_key_variables(connection, {"PII_HASH_SALT": key.decode()})
    for value in VALUES:
        hashed = connection.execute(HASH_SQL, [value]).fetchone()[0]
        assert hashed == hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def test_a_missing_or_blank_key_sets_nothing_and_clears_a_stale_one() -> None:
    assert key_from_environment({}) is None
    assert key_from_environment({"PII_HASH_SALT": "   "}) is None
    assert key_from_environment({"PII_HASH_SALT": "s3cret"}) == b"s3cret"
    connection = duckdb.connect()
    assert set_key_variables(connection, {"PII_HASH_SALT": "s3cret"})
    assert not set_key_variables(connection, {})
    assert connection.execute(f"select getvariable('{INNER_PAD_VARIABLE}')").fetchone() == (None,)


def test_the_plugin_configures_connections_and_cursors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PII_HASH_SALT", "plugin-key")
    plugin = Plugin(name="pii_key", plugin_config={})
    connection = duckdb.connect()
    plugin.configure_connection(connection)
    cursor = connection.cursor()  # a new DuckDB client context: variables are not shared
    assert cursor.execute(f"select getvariable('{INNER_PAD_VARIABLE}')").fetchone() == (None,)
    plugin.configure_cursor(cursor)
    for handle in (connection, cursor):
        hashed = handle.execute(HASH_SQL, ["a@b.c"]).fetchone()[0]
        assert hashed == hmac_hex(b"plugin-key", "a@b.c")
