"""The database: schema migrations and repositories returning plain dataclasses.

Nothing here knows about Telegram, Zalo or the dialogue; everything above talks to
SQLite only through this package.
"""

from storage.database import Database, SchemaTooNewError
from storage.db import open_database

__all__ = ["Database", "SchemaTooNewError", "open_database"]
