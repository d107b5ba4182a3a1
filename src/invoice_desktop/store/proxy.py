"""The models' database: one proxy, bound by store.database.open_database to the company file that is open."""

from __future__ import annotations

from peewee import DatabaseProxy

database_proxy = DatabaseProxy()
