"""The database: schema migrations and repositories returning plain dataclasses.

Nothing here knows about Telegram, Zalo or the dialogue; everything above talks to
SQLite only through this package.
"""

from storage.db import Database, SchemaTooNewError, open_database

__all__ = ["Database", "SchemaTooNewError", "open_database"]
