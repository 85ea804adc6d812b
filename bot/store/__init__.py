"""One Store interface; SQLite is the embedded default."""

from bot.store.base import Admission, Store
from bot.store.sqlite import SqliteStore, open_store

__all__ = ["Admission", "SqliteStore", "Store", "open_store"]
