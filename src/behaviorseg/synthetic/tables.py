"""A dataclass of equally long numpy columns that can be filtered, reordered and concatenated."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Self

import numpy as np


@dataclass
class ColumnTable:
    """Base class: every field is a numpy array of the same length."""

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))

    def take(self, index: np.ndarray) -> Self:
        """Rows by integer index or boolean mask, as a new table."""
        return type(self)(
            **{field.name: getattr(self, field.name)[index] for field in fields(self)}
        )

    @classmethod
    def concat(cls, parts: list[Self]) -> Self:
        """Rows of several tables of this type, in order."""
        return cls(
            **{
                field.name: np.concatenate([getattr(part, field.name) for part in parts])
                for field in fields(cls)
            }
        )
