"""The first schema: every table. Only reached by a database that predates all migrations."""

from portal.models import MODELS

NAME = "initial schema"


def upgrade(db, migrator):
    db.create_tables(MODELS, safe=True)
