from tortoise import fields
from tortoise.models import Model


class BusinessDay(Model):
    # A single row: the business date every rule takes as "today".

    id = fields.IntField(primary_key=True)
    today = fields.DateField()
    last_closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "business_day"


class CloseRun(Model):
    # One close of business: the date closed and what it did.

    id = fields.BigIntField(primary_key=True)
    closed_date = fields.DateField(unique=True)
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    stats = fields.JSONField(default=dict)

    class Meta:
        table = "close_run"
