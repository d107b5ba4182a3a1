"""Read a list response item by item through the SDK's own models, degrading instead of failing.

The SDK validates enum values when it parses a response (docs/xero-facts.md §0.8, §5.4), so one account with a Type Xero
added last month makes `get_accounts()` raise for the whole chart. Here the raw JSON is parsed one item at a
time with the SDK's deserializer; an item it refuses is retried without the fields it cannot read (a list of
nested models keeps the elements it can read), and an item that still fails is left out. Every such step is
reported in `problems`, in words, and logged.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xero_python.accounting import AccountingApi
from xero_python.api_client import ModelFinder
from xero_python.api_client.deserializer import deserialize

log = logging.getLogger(__name__)

_LIST_OF = re.compile(r"^list\[(\w+)\]$")
_ALLOWED_LIST = re.compile(r",? must be one of \[.*$", re.DOTALL)
# The Accounting API's models (Account, TaxRate, ...), found the way the SDK finds them.
ACCOUNTING_MODELS = ModelFinder(AccountingApi.models_module)


@dataclass
class ParsedItems:
    """The SDK models that could be read (degraded ones included) and what had to be dropped, in words."""

    models: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def raw_items(body: bytes | str, collection: str) -> list[Any]:
    """The list under `collection` (e.g. "Accounts") of a response body, numbers as Decimal."""
    data = json.loads(body, parse_float=Decimal) if body else {}
    items = data.get(collection) if isinstance(data, dict) else None
    return items if isinstance(items, list) else []


def parse_items(
    model_name: str, items: list[Any], label: Callable[[Any], Any], finder: ModelFinder = ACCOUNTING_MODELS
) -> ParsedItems:
    """Parse each raw item as `model_name` (e.g. "Account"); `label(raw)` names an item in a problem."""
    parsed = ParsedItems()
    for raw in items:
        problems: list[str] = []
        model = _parse_one(finder, model_name, raw, problems)
        name = _label(label, raw)
        for problem in problems:
            parsed.problems.append(f"{model_name} {name}: {problem}")
        if model is None:
            log.warning("Xero %s %s left out: the SDK cannot read it (%s)", model_name, name, "; ".join(problems))
            continue
        if problems:
            log.warning("Xero %s %s read without some fields: %s", model_name, name, "; ".join(problems))
        parsed.models.append(model)
    return parsed


def _label(label: Callable[[Any], Any], raw: Any) -> str:
    try:
        return str(label(raw))
    except Exception:
        return "(unnamed)"


def _parse_one(finder: Any, model_name: str, raw: Any, problems: list[str]) -> Any | None:
    if not isinstance(raw, dict):
        problems.append(f"not an object ({type(raw).__name__})")
        return None
    try:
        return deserialize(model_name, raw, finder)
    except (ValueError, TypeError, KeyError, AttributeError):
        pass
    cleaned = _without_unreadable_fields(finder, model_name, raw, problems)
    try:
        return deserialize(model_name, cleaned, finder)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        problems.append(f"unreadable ({exc})")
        return None


def _without_unreadable_fields(finder: Any, model_name: str, raw: dict[str, Any], problems: list[str]) -> dict:
    klass = finder.find_model(model_name)
    by_json_key = {json_key: attr for attr, json_key in klass.attribute_map.items()}
    cleaned: dict[str, Any] = {}
    for key, value in raw.items():
        attr = by_json_key.get(key)
        if attr is None:
            continue  # the SDK ignores keys it does not know anyway
        try:
            deserialize(model_name, {key: value}, finder)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            nested = _LIST_OF.match(klass.openapi_types[attr])
            if nested and isinstance(value, list) and hasattr(finder.models, nested.group(1)):
                kept = []
                for element in value:
                    element_problems: list[str] = []
                    if _parse_one(finder, nested.group(1), element, element_problems) is not None:
                        kept.append(_without_unreadable_fields(finder, nested.group(1), element, []))
                    problems.extend(f"{key}: {p}" for p in element_problems)
                cleaned[key] = kept
            else:
                problems.append(f"{key}={_short(value)} not understood ({_reason(exc)})")
            continue
        cleaned[key] = value
    return cleaned


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reason(exc: Exception) -> str:
    """The SDK's message without its list of allowed values (a hundred tax report types, say)."""
    return _ALLOWED_LIST.sub("", str(exc))[:160]
