"""The raw data contract as the quality gates read it: from the sources yml, the one copy.

Every source table with ``meta.raw_entity`` in ``models/staging/*/_*__sources.yml`` is a raw
entity folder. Its columns say what the gate checks: ``meta.required`` (the column must exist,
values mostly present), ``data_type`` (a timestamp, a number - double or decimal - or a whole
number - integer - parses, a boolean is one of :data:`BOOLEAN_CODES`), and ``meta.quality``:
``accepted_values`` (a list, or ``event_type_map``: the raw types the seed maps for the
source), ``pattern`` ([regex, what it means]), ``not_null_mostly`` (a required column's null
rate floor when the contract allows nulls) and ``parse: false`` (a typed column checked by its
pattern instead). The table's ``meta.record_key`` names the columns identifying one version of a
record (a re-send repeats them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from behaviorseg.vocabulary import mapped_raw_event_types, read_event_type_map

PROJECT_DIR = Path(__file__).resolve().parents[3]
SOURCES_GLOB = "models/staging/*/_*__sources.yml"
BOOLEAN_CODES = ("true", "false", "t", "f", "yes", "no", "y", "n", "1", "0")
# accepted_values naming the seed: the raw event types event_type_map maps for the source.
EVENT_VOCABULARY = "event_type_map"


@dataclass(frozen=True)
class RawEntityContract:
    """What the data contract says about one raw entity folder."""

    entity: str
    required_columns: tuple[str, ...]
    # Columns identifying one version of a record: a re-send repeats them, a later version
    # (a resolved ticket, a CRM update, a re-exposure) does not.
    record_key: tuple[str, ...]
    timestamp_columns: tuple[str, ...] = ()
    value_sets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    number_columns: tuple[str, ...] = ()
    whole_number_columns: tuple[str, ...] = ()
    patterns: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    not_null_mostly: Mapping[str, float] = field(default_factory=dict)
    # The raw view's name in the raw schema (the source table's identifier).
    identifier: str = ""

    @property
    def code_columns(self) -> tuple[str, ...]:
        """Columns compared against a value set (lower-cased before validation)."""
        return tuple(self.value_sets)

    @property
    def contract_columns(self) -> tuple[str, ...]:
        """Every column any expectation of the entity's suite reads from the raw file."""
        named = (
            *self.required_columns,
            *self.record_key,
            *self.timestamp_columns,
            *self.value_sets,
            *self.number_columns,
            *self.whole_number_columns,
            *self.patterns,
        )
        return tuple(dict.fromkeys(named))


def column_kind(data_type: str) -> str | None:
    """How the gate parses a column of this ``data_type``: timestamp, number, whole number,
    boolean, or None (text)."""
    lowered = data_type.strip().lower()
    if lowered.startswith("timestamp"):
        return "timestamp"
    if lowered.startswith(("double", "decimal", "float", "numeric")):
        return "number"
    if lowered in {"integer", "bigint", "int", "smallint"}:
        return "whole number"
    if lowered == "boolean":
        return "boolean"
    return None


def column_meta(column: Mapping[str, Any]) -> dict[str, Any]:
    """A column's meta, from ``config.meta`` or ``meta``."""
    return {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}


def accepted_values(value: object, source: str) -> tuple[str, ...]:
    """A column's value set: the list itself, or the seed's mapped raw types for ``source``."""
    if value == EVENT_VOCABULARY:
        return mapped_raw_event_types(read_event_type_map(), source)
    return tuple(str(item) for item in value)  # type: ignore[union-attr]


def entity_contract(source: str, table: Mapping[str, Any]) -> RawEntityContract:
    """One source table's contract."""
    table_meta = {**(table.get("meta") or {}), **((table.get("config") or {}).get("meta") or {})}
    required, timestamps, numbers, whole_numbers = [], [], [], []
    value_sets: dict[str, tuple[str, ...]] = {}
    patterns: dict[str, tuple[str, str]] = {}
    not_null: dict[str, float] = {}
    for column in table.get("columns") or []:
        name = str(column["name"]).lower()
        meta = column_meta(column)
        quality = meta.get("quality") or {}
        if meta.get("required"):
            required.append(name)
        kind = column_kind(str(column.get("data_type") or ""))
        if not quality.get("parse", True):
            kind = None
        if kind == "timestamp":
            timestamps.append(name)
        elif kind == "number":
            numbers.append(name)
        elif kind == "whole number":
            whole_numbers.append(name)
        if "accepted_values" in quality:
            value_sets[name] = accepted_values(quality["accepted_values"], source)
        elif kind == "boolean":
            value_sets[name] = BOOLEAN_CODES
        if "pattern" in quality:
            regex, meaning = quality["pattern"]
            patterns[name] = (str(regex), str(meaning))
        if "not_null_mostly" in quality:
            not_null[name] = float(quality["not_null_mostly"])
    return RawEntityContract(
        entity=str(table_meta["raw_entity"]),
        required_columns=tuple(required),
        record_key=tuple(str(column) for column in table_meta.get("record_key") or ()),
        timestamp_columns=tuple(timestamps),
        value_sets=value_sets,
        number_columns=tuple(numbers),
        whole_number_columns=tuple(whole_numbers),
        patterns=patterns,
        not_null_mostly=not_null,
        identifier=str(table.get("identifier") or table["name"]),
    )


@cache
def read_raw_contracts(project_dir: Path = PROJECT_DIR) -> dict[str, RawEntityContract]:
    """Every raw entity's contract from the sources yml files, by entity folder."""
    contracts: dict[str, RawEntityContract] = {}
    for path in sorted(project_dir.glob(SOURCES_GLOB)):
        document = yaml.safe_load(path.read_text()) or {}
        for source in document.get("sources") or []:
            for table in source.get("tables") or []:
                table_meta = {
                    **(table.get("meta") or {}),
                    **((table.get("config") or {}).get("meta") or {}),
                }
                if table_meta.get("raw_entity"):
                    contract = entity_contract(str(source["name"]), table)
                    contracts[contract.entity] = contract
    return contracts
