"""A query's rows as plain tuples, typed as such.

peewee's stubs type `.tuples()` as the model query it was called on, so iterating it looks like iterating model
instances to the type checker. Reading rows through here says what they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from peewee import BaseQuery


def tuple_rows(query: BaseQuery) -> Iterator[tuple[Any, ...]]:
    """The rows of `query` as tuples of its selected columns, in order."""
    return iter(query.tuples())
