"""Ticking rows in a list: which rows are ticked, kept by id, and what an action on the ticked rows is handed.

`RowChecks` is the ticked set of one list. It holds entity ids, never row indexes, so ticks survive a re-sort, a
search, a refresh and paging; the buttons that act on ticked rows (Approve on the Draft tab, Resync on the Xero
Exports tab's Failed table) follow `checks.changed` and are handed `checks.ticked()`.

The set is one of two kinds, so that the header's select-all box costs the same for 50 rows as for 50,000:

- *these*: the ids ticked one by one (the mouse, Space);
- *every row of the list except these*: after the select-all box (or Ctrl+A). Nothing is read for it: rows not
  loaded yet (a paged list) stay unread, and a row that joins the list later (a refresh) shows ticked, as the box
  says. Ids ticked before that are not in the list (hidden by a search) stay ticked beside it.

The list itself is the model's business, behind `TickSource`: how many rows it holds, which of some ids are in it,
and a function that lists its ids in order, safe to call off the GUI thread (an SQL query for a paged list, a
snapshot of the rows for one held in memory). `ticked()` gives an action the count and such a function: the ids
are worked out when the action runs, on the worker's thread for a Resync. When the list changes its meaning (a
new search), the model pins the set to ids first (`pin`).

`check_state` reads the check states Qt hands around as ints (and PySide6 sometimes as enums).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, SupportsInt

from PySide6.QtCore import QObject, Qt, Signal


def check_state(value: object) -> Qt.CheckState:
    """Qt hands check states around as ints (and PySide6 sometimes as enums): one CheckState either way."""
    if isinstance(value, Qt.CheckState):
        return value
    if isinstance(value, SupportsInt):
        return Qt.CheckState(int(value))
    raise TypeError(f"not a check state: {value!r}")


class TickSource(Protocol):
    """The list a RowChecks ticks rows of (the table model)."""

    def tick_count(self) -> int:
        """How many rows the list holds."""
        ...

    def ids_in_list(self, ids: Collection[int]) -> set[int]:
        """Which of these ids are rows of the list."""
        ...

    def list_ids(self) -> Callable[[], list[int]]:
        """A function listing every id of the list in its order, as it is now; safe to call on another thread."""
        ...


@dataclass(frozen=True)
class Ticked:
    """What an action on the ticked rows is handed: how many, and the function that lists them (call it where the
    action runs: it may query the database)."""

    count: int
    resolve: Callable[[], list[int]]

    @staticmethod
    def of(ids: Ticked | Sequence[int]) -> Ticked:
        """`ids` as a Ticked (an action may also be called with plain ids)."""
        if isinstance(ids, Ticked):
            return ids
        listed = list(ids)
        return Ticked(len(listed), lambda: list(listed))


def _every_except(before: tuple[int, ...], every: Callable[[], list[int]], unticked: frozenset[int]) -> list[int]:
    ids = dict.fromkeys(before)
    ids.update(dict.fromkeys(i for i in every() if i not in unticked))
    return list(ids)


class RowChecks(QObject):
    """The ticked set (see the module's docstring). `changed(ids)` lists the ids whose tick changed, or is empty
    when any row's may have (select all, untick all)."""

    changed = Signal(list)

    def __init__(self, parent: QObject | None = None, source: TickSource | None = None) -> None:
        super().__init__(parent)
        self.source = source  # the list; without one only ids ticked one by one are kept
        self._ids: dict[int, None] = {}  # ticked ids, in the order they were ticked; with _every: those not in it
        self._every = False  # every row of the list is ticked too, except...
        self._unticked: set[int] = set()  # ... these (rows of the list)

    # --- reading ---

    @property
    def every(self) -> bool:
        """True after select-all: every row of the list is ticked but those unticked since."""
        return self._every

    def is_ticked(self, row_id: int) -> bool:
        """The tick of a row shown in the list (so in it): no look-up beyond the ids."""
        return row_id in self._ids or (self._every and row_id not in self._unticked)

    def __contains__(self, entity_id: object) -> bool:
        if not isinstance(entity_id, int):
            return False
        if entity_id in self._ids:
            return True
        return self._every and entity_id not in self._unticked and bool(self._in_list([entity_id]))

    def __len__(self) -> int:
        if not self._every:
            return len(self._ids)
        return len(self._ids) + max(self._list_count() - len(self._unticked), 0)

    def ticked(self) -> Ticked:
        """The ticked ids for an action: those ticked before the select-all first, then the list's in its order."""
        if not self._every or self.source is None:
            return Ticked.of(list(self._ids))
        before, unticked, every = tuple(self._ids), frozenset(self._unticked), self.source.list_ids()
        return Ticked(len(self), lambda: _every_except(before, every, unticked))

    def ids(self) -> list[int]:
        """The ticked ids, worked out here and now (a select-all asks the list)."""
        return self.ticked().resolve()

    def header_state(self, loaded: Collection[int]) -> Qt.CheckState:
        """The select-all box: all ticked, some, or none. `loaded`: the ids of the rows loaded (a set-like view);
        ticks one by one are counted against those, as the rows not loaded cannot be ticked that way."""
        if self._every:
            count = self._list_count()
            if not count or len(self._unticked) >= count:
                return Qt.CheckState.Unchecked
            return Qt.CheckState.PartiallyChecked if self._unticked else Qt.CheckState.Checked
        ticked = len(self._ids.keys() & loaded) if self._ids else 0
        if not loaded or not ticked:
            return Qt.CheckState.Unchecked
        return Qt.CheckState.Checked if ticked == len(loaded) else Qt.CheckState.PartiallyChecked

    # --- ticking ---

    def set_checked(self, ids: Iterable[int], checked: bool) -> None:
        wanted = list(dict.fromkeys(ids))
        if self._every:
            self._set_in_every(wanted, checked)
            return
        moved = [i for i in wanted if (i in self._ids) != checked]
        if not moved:
            return
        for entity_id in moved:
            if checked:
                self._ids[entity_id] = None
            else:
                del self._ids[entity_id]
        self.changed.emit(moved)

    def toggle(self, entity_id: int) -> None:
        self.set_checked([entity_id], entity_id not in self)

    def set_all(self, checked: bool) -> None:
        """The select-all box: every row of the list, or none of them (ticks outside the list are kept)."""
        if checked:
            if (self._every and not self._unticked) or not self._list_count():
                return
            outside = set(self._ids) - self._in_list(self._ids)
            self._ids = {i: None for i in self._ids if i in outside}
            self._every, self._unticked = True, set()
            self.changed.emit([])
        elif self._every:
            self._every, self._unticked = False, set()
            self.changed.emit([])
        else:
            in_list = self._in_list(self._ids)
            self.set_checked([i for i in self._ids if i in in_list], False)

    def clear(self) -> None:
        if self._every:
            self._every, self._unticked = False, set()
            self._ids = {}
            self.changed.emit([])
        else:
            self.set_checked(list(self._ids), False)

    def retain(self, ids: Iterable[int]) -> None:
        """Untick whatever is not among `ids` (the whole list, re-read: invoices that have left it)."""
        keep = set(ids)
        if self._every:
            gone = [i for i in self._ids if i not in keep]
            self._unticked &= keep
            for entity_id in gone:
                del self._ids[entity_id]
            if not self._normalise() and gone:
                self.changed.emit(gone)
            return
        self.set_checked([i for i in self._ids if i not in keep], False)

    # --- the list changes (called by the model) ---

    def forget(self, ids: Iterable[int]) -> None:
        """These rows have left the list (they are off the table): a select-all no longer has them to untick."""
        gone = list(ids)
        if self._every and gone:
            self._unticked.difference_update(gone)
            if not self._normalise():
                self.changed.emit(gone)

    def list_reloaded(self) -> None:
        """The list was read again: what a select-all holds is checked against it (rows may have come and gone)."""
        if not self._every:
            return
        kept = self._in_list([*self._unticked, *self._ids])
        self._unticked &= kept
        self._ids = {i: None for i in self._ids if i not in kept}  # those now in the list are ticked by it
        if not self._normalise():
            self.changed.emit([])  # the count may have changed

    def pin(self) -> None:
        """The list is about to change its meaning (another search): a select-all becomes the ids it stands for."""
        if self._every:
            ids = self.ids()
            self._every, self._unticked = False, set()
            self._ids = dict.fromkeys(ids)

    # --- inside ---

    def _set_in_every(self, ids: list[int], checked: bool) -> None:
        in_list = self._in_list([i for i in ids if i not in self._unticked and i not in self._ids])
        moved: list[int] = []
        for entity_id in ids:
            if checked and entity_id in self._unticked:
                self._unticked.discard(entity_id)
            elif checked and entity_id not in self._ids and entity_id not in in_list:
                self._ids[entity_id] = None
            elif not checked and entity_id in self._ids:
                del self._ids[entity_id]
            elif not checked and entity_id in in_list:
                self._unticked.add(entity_id)
            else:
                continue
            moved.append(entity_id)
        if moved and not self._normalise():
            self.changed.emit(moved)

    def _normalise(self) -> bool:
        """A select-all with no row of the list left ticked is no select-all (a row joining later is not ticked).
        True when it changed (and said so)."""
        if self._every and len(self._unticked) >= self._list_count():
            self._every, self._unticked = False, set()
            self.changed.emit([])
            return True
        return False

    def _list_count(self) -> int:
        return self.source.tick_count() if self.source is not None else 0

    def _in_list(self, ids: Collection[int]) -> set[int]:
        if not ids or self.source is None:
            return set()
        return self.source.ids_in_list(ids)
