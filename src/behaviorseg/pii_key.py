"""The PII hashing key: HMAC-SHA-256 keyed by the environment variable ``PII_HASH_SALT``.

The key lives in the environment only. It is never pasted into SQL (dbt logs and stores
compiled SQL, and DuckDB stores view SQL in the warehouse file) and never read with Jinja's
``env_var()`` (dbt keeps parse-time env var values in ``target/partial_parse.msgpack``).
Instead this module is a dbt-duckdb plugin (``profiles.yml``: ``plugins: [{module:
behaviorseg.pii_key}]``): on every DuckDB connection and cursor dbt opens it sets two session
variables, the HMAC inner and outer padded keys (RFC 2104), and the SQL macro ``hash_pii``
computes ``sha256(opad || sha256(ipad || value))`` from them with ``getvariable()``. Session
variables live in memory only: they are in no view, table, log or file.

The same HMAC is :func:`hmac_hex` in Python, so a hash in the warehouse can be checked (and
matched by a system that holds the key) without SQL.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any

try:  # dbt-duckdb is a dependency; the pure functions below work without it too.
    from dbt.adapters.duckdb.plugins import BasePlugin
except ImportError:  # pragma: no cover - only outside the project's environment
    BasePlugin = object  # type: ignore[assignment,misc]

KEY_ENVIRONMENT_VARIABLE = "PII_HASH_SALT"
# Session variables read by the hash_pii macro (macros/staging/pii.sql).
INNER_PAD_VARIABLE = "behaviorseg_pii_hmac_ipad"
OUTER_PAD_VARIABLE = "behaviorseg_pii_hmac_opad"
SHA256_BLOCK_BYTES = 64
INNER_PAD_BYTE = 0x36
OUTER_PAD_BYTE = 0x5C


def key_from_environment(environment: Mapping[str, str] | None = None) -> bytes | None:
    """The HMAC key (UTF-8 bytes of ``PII_HASH_SALT``), or None when it is unset or blank."""
    value = (os.environ if environment is None else environment).get(KEY_ENVIRONMENT_VARIABLE)
    if value is None or not value.strip():
        return None
    return value.encode("utf-8")


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """RFC 2104's padded keys for SHA-256: (K xor ipad, K xor opad), K = the key zero-padded to
    the 64-byte block (hashed first when it is longer than a block)."""
    block_key = hashlib.sha256(key).digest() if len(key) > SHA256_BLOCK_BYTES else key
    block_key = block_key.ljust(SHA256_BLOCK_BYTES, b"\0")
    inner = bytes(byte ^ INNER_PAD_BYTE for byte in block_key)
    outer = bytes(byte ^ OUTER_PAD_BYTE for byte in block_key)
    return inner, outer


def hmac_from_pads(inner: bytes, outer: bytes, message: bytes) -> str:
    """HMAC-SHA-256 (hex) computed from the padded keys, as the SQL macro computes it."""
    inner_digest = hashlib.sha256(inner + message).digest()
    return hashlib.sha256(outer + inner_digest).hexdigest()


def hmac_hex(key: bytes, value: str) -> str:
    """HMAC-SHA-256 (hex) of a normalised value's UTF-8 bytes: what ``hash_pii`` stores."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def set_key_variables(connection: Any, environment: Mapping[str, str] | None = None) -> bool:
    """Set the padded-key session variables on a DuckDB connection or cursor (unset them when
    there is no key, so a stale value never survives). Returns whether a key was set."""
    key = key_from_environment(environment)
    if key is None:
        for name in (INNER_PAD_VARIABLE, OUTER_PAD_VARIABLE):
            connection.execute(f"reset variable {name}")
        return False
    inner, outer = hmac_pads(key)
    connection.execute(f"set variable {INNER_PAD_VARIABLE} = from_hex('{inner.hex()}')")
    connection.execute(f"set variable {OUTER_PAD_VARIABLE} = from_hex('{outer.hex()}')")
    return True


# `behaviorseg forget` passes the customer id to the forget_customer operation this way: dbt
# logs run-operation arguments and the SQL it runs, a session variable is in neither.
ERASE_ENVIRONMENT_VARIABLE = "BEHAVIORSEG_ERASE_CUSTOMER_ID"
ERASE_VARIABLE = "behaviorseg_erase_customer_id"


def set_erasure_variable(connection: Any, environment: Mapping[str, str] | None = None) -> bool:
    """Set the session variable of the customer id to erase from the environment (unset it when
    there is none). Returns whether one was set."""
    value = (os.environ if environment is None else environment).get(ERASE_ENVIRONMENT_VARIABLE)
    if value is None or not value.strip():
        connection.execute(f"reset variable {ERASE_VARIABLE}")
        return False
    connection.execute(f"set variable {ERASE_VARIABLE} = ?", [value])
    return True


class Plugin(BasePlugin):
    """dbt-duckdb plugin: every connection and cursor dbt opens gets the padded keys."""

    def configure_connection(self, conn: Any) -> None:
        set_key_variables(conn)
        set_erasure_variable(conn)

    def configure_cursor(self, cursor: Any) -> None:
        set_key_variables(cursor)
        set_erasure_variable(cursor)
