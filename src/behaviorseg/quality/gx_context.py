"""A quiet, offline Great Expectations context shared by the runner and the Data Docs builder.

The package ``__init__`` sets ``GX_ANALYTICS_ENABLED=false`` (unless the caller already chose a
value) before any module imports GX; this module sets it too. Every context is created with
``analytics_enabled=False``, progress bars off and in-memory stores. GX 1.24.1 sends nothing at
context creation or validation time (its PyPI version checker is never called); these settings
keep it that way if a later 1.x release wires analytics back in.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

PANDAS_DATASOURCE_NAME = "behaviorseg_pandas"
DATAFRAME_ASSET_NAME = "batch"
BATCH_DEFINITION_NAME = "whole_dataframe"
DOCS_SITE_NAME = "local_site"


def quiet_context_config(docs_dir: Path | None = None) -> DataContextConfig:
    """Context config: in-memory stores, no analytics, no progress bars, optional docs site."""
    data_docs_sites = None
    if docs_dir is not None:
        data_docs_sites = {
            DOCS_SITE_NAME: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        }
    return DataContextConfig(
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        data_docs_sites=data_docs_sites,
    )


def quiet_context(docs_dir: Path | None = None) -> Any:
    """A fresh ephemeral GX context (nothing is written unless ``docs_dir`` is built)."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx.get_context(mode="ephemeral", project_config=quiet_context_config(docs_dir))


@functools.cache
def shared_context() -> Any:
    """The process-wide quiet context. GX 1.24.1 needs an active context even to add an
    expectation to a suite (``DataContextRequiredError`` otherwise), so suites are built and
    validated with this one."""
    return quiet_context()


@functools.cache
def pandas_batch_definition() -> Any:
    """The one whole-dataframe batch definition every validation goes through (created once)."""
    asset = (
        shared_context()
        .data_sources.add_pandas(PANDAS_DATASOURCE_NAME)
        .add_dataframe_asset(DATAFRAME_ASSET_NAME)
    )
    return asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION_NAME)


@contextlib.contextmanager
def gx_warnings_silenced() -> Iterator[None]:
    """Hide the deprecation and pandas warnings GX emits while computing metrics."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
