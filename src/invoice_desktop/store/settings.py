"""Company-file settings: JSON values under dotted keys in the `setting` table.

Keys in use (add yours here):
- numbering.prefix (str, "INV-"), numbering.digits (int, 4), numbering.next (int)
- dates.format ("dmy" | "mdy"): how CSV dates without ISO form are read
- xero.*: the Xero interface settings (see invoice_desktop.xero.settings)
"""

from __future__ import annotations

import json
from typing import Any

from invoice_desktop.store.models import Setting


def get_setting(key: str, default: Any = None) -> Any:
    row = Setting.get_or_none(Setting.key == key)
    return default if row is None else json.loads(row.value)


def set_setting(key: str, value: Any) -> None:
    encoded = json.dumps(value)
    upsert = Setting.insert(key=key, value=encoded)
    upsert.on_conflict(conflict_target=[Setting.key], update={Setting.value: encoded}).execute()


def delete_settings(prefix: str) -> int:
    return Setting.delete().where(Setting.key.startswith(prefix)).execute()
