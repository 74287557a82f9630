"""The outcome of a concern's "closed" event (concern_event.outcome).

A concern can be closed, reopened and closed again; each closing keeps its own outcome in the
chronology. A plain nullable column: existing rows (no closings with an outcome yet) stay NULL.
"""

from peewee import CharField
from playhouse.migrate import migrate

NAME = "concern event outcome"


def upgrade(db, migrator):
    migrate(migrator.add_column("concern_event", "outcome", CharField(max_length=30, null=True)))
