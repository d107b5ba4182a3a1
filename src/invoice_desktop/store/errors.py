"""What can go wrong with the company file, as typed errors whose message is written for the user.

Every one means: the company file was left as it was. Either it was refused before anything was written (not a
company file, damaged, from a newer version, a folder in its place), or the change under way was rolled back (the
file stayed busy, the disk is full, the file or its folder is read-only, a number too large to store). Commands print
the message as one line and exit 2; the window shows it.
"""

from __future__ import annotations


class CompanyFileError(Exception):
    """The company file cannot be used (or this change could not be saved); the file was not changed."""


class NotADatabaseError(CompanyFileError):
    pass


class CorruptDatabaseError(CompanyFileError):
    pass


class NewerVersionError(CompanyFileError):
    pass


class SchemaMismatchError(CompanyFileError):
    """The file's schema version does not describe its tables (a version of 0 or below with tables, a gap)."""


class CompanyFileBusyError(CompanyFileError):
    """Another connection kept the write lock for longer than this thread's patience."""

    MESSAGE = "The company file is busy (another window or a sync is writing); try again."

    def __init__(self, message: str = MESSAGE) -> None:
        super().__init__(message)


class CompanyFileUnwritableError(CompanyFileError):
    """The disk is full, the file or its folder is read-only, or the disk failed: nothing of the change was saved."""


class ValueTooLargeError(CompanyFileError):
    """A number does not fit the company file's 64-bit integers (money is kept in cents)."""
