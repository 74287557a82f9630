"""Retention for referrals that never became a case (declined): when their words and the
people's details were removed (referral.anonymised_at). A referral that became a case is
anonymised with its case and stamped then too.

Frozen: the column alone.
"""

from peewee import DateTimeField
from playhouse.migrate import migrate

NAME = "referral retention"


def upgrade(db, migrator):
    migrate(migrator.add_column("referral", "anonymised_at", DateTimeField(null=True)))
