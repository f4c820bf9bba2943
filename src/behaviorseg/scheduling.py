"""What a scheduler runs: the daily build and the trigger refresh, one at a time per warehouse.

Both take an exclusive lock on ``<warehouse>.lock`` (``fcntl.flock``) for the whole of their dbt
invocation, so a trigger run started during a daily build waits for it (and the other way
round) instead of racing it for the DuckDB file: they serialise, in the order they asked.

The daily run is `dbt build --exclude-resource-type unit_test` (unit tests check logic on fixed
inputs; `make test` runs them). It is skipped when nothing it reads changed since the last green
daily run: the same raw files (path, size, modification time), the same project files and the
same dbt arguments. The project is deterministic (the as-of date comes from the data, never the
wall clock), so a build on unchanged inputs would rewrite the same tables.

The trigger run leaves as built the models whose raw files did not change since the last green
scheduled run (behaviorseg.build_state has the rule); dbt runs in this process, parsed once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from behaviorseg.build_state import (
    changed_entities,
    entity_digests,
    lineage_from_manifest,
    models_to_leave,
    pii_key_check,
    read_state,
    trusted_entities,
    write_state,
)

# The dbt build behind `make daily`: every model, seed, snapshot and data test; no unit tests.
DAILY_DBT_ARGS: tuple[str, ...] = ("build", "--exclude-resource-type", "unit_test")
# The dbt build behind `make triggers`: the `triggers` selector of selectors.yml, i.e. the two
# trigger marts, every model they need (so newly landed raw files are loaded) and the data
# tests of the two marts (the daily run tests everything else every day). It writes no
# manifest.json or run_results.json (about a second of a run that should take seconds):
# target/ keeps the daily run's, which publish-marts and forget read; the run's results are
# logged to audit.dbt_run_results and logs/dbt.log as always.
TRIGGER_MODELS: tuple[str, ...] = ("abandoned_carts", "session_offers")
TRIGGER_SELECTION: tuple[str, ...] = (
    "--selector",
    "triggers",
    "--exclude-resource-type",
    "unit_test",
)
TRIGGER_DBT_ARGS: tuple[str, ...] = ("build", *TRIGGER_SELECTION, "--no-write-json")
# Project paths whose content decides what a build writes (a change forces the daily run).
PROJECT_INPUTS: tuple[str, ...] = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "python_models",
    "macros",
    "seeds",
    "snapshots",
    "tests/dbt",
    "selectors.yml",
    "src/behaviorseg",
)


def lock_path(warehouse: Path | str) -> Path:
    """The lock file of a warehouse: next to it, ``<warehouse>.lock``."""
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + ".lock")


@contextlib.contextmanager
def warehouse_lock(warehouse: Path | str, label: str) -> Iterator[float]:
    """Hold the warehouse's exclusive lock; yields the seconds spent waiting for it.

    The lock is released when the holder exits or dies (the kernel drops a dead process's
    flock), so a crashed run never leaves the warehouse locked."""
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        started = time.monotonic()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another run"
            print(f"{label}: waiting for {holder} to release {path}", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        waited = time.monotonic() - started
        handle.seek(0)
        handle.truncate()
        handle.write(f"{label} (pid {os.getpid()})\n")
        handle.flush()
        try:
            yield waited
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


def raw_listing(raw_dir: Path | str) -> list[tuple[str, int, int]]:
    """(relative path, size, mtime ns) of every file under ``<raw dir>/<entity>/``, subfolders
    included. A superset of what the raw views read (macros/raw/raw_file_loads.sql: their
    suffixes, an input format's subfolder and JSON files), so any change to an entity's files
    shows; a change to a file they skip only costs a rebuild."""
    raw_dir = Path(raw_dir)
    found = []
    if not raw_dir.is_dir():
        return found
    for entity in sorted(raw_dir.iterdir()):
        if not entity.is_dir() or entity.name.startswith((".", "_")):
            continue
        for path in sorted(entity.rglob("*")):
            if path.is_file():
                stat = path.stat()
                found.append((path.relative_to(raw_dir).as_posix(), stat.st_size, stat.st_mtime_ns))
    return found


def project_digest(project_dir: Path | str) -> str:
    """SHA-256 over the path and content of every project input file."""
    project_dir = Path(project_dir)
    digest = hashlib.sha256()
    for entry in PROJECT_INPUTS:
        root = project_dir / entry
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(project_dir)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def daily_fingerprint(facts: dict[str, object], dbt_args: Sequence[str]) -> str:
    """What a daily build depends on: the build facts (raw listing per entity, project, target,
    raw folder, PII key check; build_facts) and the dbt arguments."""
    return hashlib.sha256(
        json.dumps({**facts, "args": list(dbt_args)}, sort_keys=True).encode()
    ).hexdigest()


def state_path(warehouse: Path | str) -> Path:
    """Where the fingerprint of the last green daily build is kept: ``<warehouse>.daily.json``."""
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + ".daily.json")


def last_green_fingerprint(warehouse: Path | str) -> str | None:
    """The fingerprint stored by the last green daily build, None when there is none."""
    path = state_path(warehouse)
    if not path.exists():
        return None
    return json.loads(path.read_text()).get("fingerprint")


def run_dbt(args: Sequence[str], project_dir: Path | str) -> int:
    """Run ``dbt <args>`` from the project directory (the env the caller set); its exit code."""
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run([str(dbt), *args], cwd=project_dir, check=False).returncode


def daily(
    warehouse: Path | str,
    raw_dir: Path | str,
    project_dir: Path | str,
    extra_args: Sequence[str] = (),
    force: bool = False,
) -> int:
    """The daily run under the warehouse lock: skipped when its inputs are those of the last
    green daily run (and that warehouse's latest build ended green), else the daily dbt build."""
    from behaviorseg.build_status import latest_build_status

    args = [*DAILY_DBT_ARGS, *extra_args]
    with warehouse_lock(warehouse, "daily"):
        facts = build_facts(raw_dir, project_dir)
        fingerprint = daily_fingerprint(facts, args)
        status = latest_build_status(warehouse) if Path(warehouse).exists() else None
        unchanged = fingerprint == last_green_fingerprint(warehouse)
        if not force and unchanged and status is not None and status[2] == "green":
            print(
                "daily: no new raw file and no project change since the last green daily "
                "build; nothing to do (--force builds anyway)",
                flush=True,
            )
            return 0
        code = run_dbt(args, project_dir)
        if code == 0:
            state_path(warehouse).write_text(json.dumps({"fingerprint": fingerprint}) + "\n")
            invocation_id = latest_green_invocation(warehouse)
            if not extra_args and invocation_id is not None:
                write_state(warehouse, {**facts, "invocation_id": invocation_id})
        return code


def build_facts(raw_dir: Path | str, project_dir: Path | str) -> dict[str, object]:
    """What a run builds the base tables from, taken before it starts (a file landing during
    the run counts as new next time): per-entity listing digests, project, target, raw folder
    and a check value of the PII key."""
    return {
        "entities": entity_digests(raw_listing(raw_dir)),
        "project": project_digest(project_dir),
        "target": os.environ.get("DBT_TARGET", "dev"),
        "raw_dir": str(Path(raw_dir).resolve()),
        "pii_key": pii_key_check(),
    }


def latest_green_invocation(warehouse: Path | str) -> str | None:
    """The invocation id of the warehouse's latest build-like dbt run when it ended green."""
    from behaviorseg.build_status import latest_build_status

    if not Path(warehouse).exists():
        return None
    status = latest_build_status(warehouse)
    return status[0] if status is not None and status[2] == "green" else None


@contextlib.contextmanager
def working_directory(path: Path | str) -> Iterator[None]:
    """Run the block from ``path`` (dbt resolves the project and relative paths from it)."""
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def exit_code(result: object) -> int:
    """dbt's CLI exit code of a dbtRunner result: 0 green, 1 failed nodes, 2 an error."""
    if getattr(result, "success", False):
        return 0
    return 2 if getattr(result, "exception", None) is not None else 1


def selected_nodes(runner: object, manifest: object) -> list[str]:
    """The unique ids of the models, seeds, snapshots and tests the `triggers` selector picks
    (dbt's own selection, so selectors.yml stays its one definition)."""
    listed = runner.invoke(  # type: ignore[attr-defined]
        [
            "--log-level",
            "none",
            "ls",
            *TRIGGER_SELECTION,
            "--output",
            "json",
            "--output-keys",
            "unique_id",
        ]
    )
    if not listed.success:
        raise RuntimeError(f"dbt ls --selector triggers failed: {listed.exception}")
    ids = [json.loads(line)["unique_id"] for line in listed.result]
    return [unique_id for unique_id in ids if unique_id in manifest.nodes]  # type: ignore[attr-defined]


def build_args_leaving(manifest: object, selected: Sequence[str], left: set[str]) -> list[str]:
    """The trigger build without the models left as built: the selection's other nodes named
    one by one (fqn), with no test added indirectly."""
    kept = [
        "fqn:" + ".".join(manifest.nodes[unique_id].fqn)  # type: ignore[attr-defined]
        for unique_id in selected
        if unique_id not in left
    ]
    return [
        "build",
        "--select",
        *kept,
        "--indirect-selection",
        "empty",
        "--exclude-resource-type",
        "unit_test",
        "--no-write-json",
    ]


def triggers(
    warehouse: Path | str,
    project_dir: Path | str,
    extra_args: Sequence[str] = (),
    raw_dir: Path | str | None = None,
) -> int:
    """The trigger refresh under the warehouse lock: newly landed raw files are loaded by the
    incremental staging models, then abandoned_carts, session_offers and what they need.

    dbt runs in this process and parses the project once. Given ``raw_dir`` and no extra dbt
    arguments, the models whose raw inputs did not change since the last green scheduled run
    are left as built (behaviorseg.build_state) and a green run records what it read."""
    from dbt.cli.main import dbtRunner
    from dbt_common.invocation import get_invocation_id

    warehouse = Path(warehouse).resolve()
    with warehouse_lock(warehouse, "triggers"):
        if raw_dir is None or extra_args:
            with working_directory(project_dir):
                return exit_code(dbtRunner().invoke([*TRIGGER_DBT_ARGS, *extra_args]))
        facts = build_facts(raw_dir, project_dir)
        trusted = trusted_entities(read_state(warehouse), facts, latest_green_invocation(warehouse))
        with working_directory(project_dir):
            code = leaving_unchanged_models(facts, trusted)
        if code == 0:
            write_state(warehouse, {**facts, "invocation_id": get_invocation_id()})
    return code


def raw_settings(manifest: object) -> dict[str, object]:
    """The raw settings as the raw gate's meta renders them (raw_data_dir, raw_formats, ...)."""
    for node in manifest.nodes.values():  # type: ignore[attr-defined]
        meta = node.config.meta or {}
        if meta.get("raw_data_dir"):
            return dict(meta)
    return {}


def dbt_raw_dir(manifest: object) -> str | None:
    """The raw folder this parse of the project reads (var raw_data_dir, else RAW_DATA_DIR),
    resolved from the working directory."""
    folder = raw_settings(manifest).get("raw_data_dir")
    return str(Path(str(folder)).resolve()) if folder else None


def entities_not_only_files(manifest: object) -> set[str]:
    """Entities whose raw view reads more than their own files: an input format (var
    raw_formats; one may read another entity's view) or a warehouse relation (raw_relations)."""
    found: set[str] = set()
    for name in ("raw_formats", "raw_relations"):
        value = raw_settings(manifest).get(name)
        mapping = json.loads(value) if isinstance(value, str) and value.strip() else value
        found |= {entity for entity, setting in (mapping or {}).items() if setting}
    return found


def leaving_unchanged_models(facts: dict[str, object], trusted: dict[str, str] | None) -> int:
    """Parse the project once, then build the `triggers` selection, without the models whose
    raw inputs are unchanged since the ``trusted`` entity digests (all of it when None)."""
    from dbt.cli.main import dbtRunner

    parsed = dbtRunner().invoke(["--quiet", "parse", "--no-write-json"])
    if not parsed.success:
        return exit_code(parsed)
    manifest = parsed.result
    runner = dbtRunner(manifest=manifest)
    args = list(TRIGGER_DBT_ARGS)
    read_by_dbt = dbt_raw_dir(manifest)
    if trusted is not None and read_by_dbt != facts["raw_dir"]:
        print(
            f"triggers: dbt reads raw files from {read_by_dbt}, not {facts['raw_dir']} "
            "(--raw-dir): every model of the selection is rebuilt",
            flush=True,
        )
        trusted = None
    if trusted is not None:
        selected = selected_nodes(runner, manifest)
        changed = changed_entities(trusted, facts["entities"]) | entities_not_only_files(manifest)
        left = models_to_leave(lineage_from_manifest(manifest), selected, changed)
        if left:
            names = ", ".join(sorted(manifest.nodes[unique_id].name for unique_id in left))
            print(
                "triggers: left as built (no raw file they read changed since the last "
                f"green run): {names}",
                flush=True,
            )
            args = build_args_leaving(manifest, selected, left)
    return exit_code(runner.invoke(args))
