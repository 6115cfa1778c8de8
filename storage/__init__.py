"""The database: schema migrations and repositories returning plain dataclasses.

Nothing here knows about Telegram, Zalo or the dialogue; everything above talks to the
database only through this package. Repositories use the `storage.database.Database`
interface; storage/db.py implements it on SQLite, storage/pg.py on PostgreSQL
(`open_database` picks PostgreSQL for a postgresql:// URL).
"""

from storage.database import Database, SchemaTooNewError
from storage.db import open_database

__all__ = ["Database", "SchemaTooNewError", "open_database"]
