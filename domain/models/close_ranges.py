from tortoise import fields
from tortoise.models import Model


class CloseRange(Model):
    # One slice of a close of business: the open loans with ids in [lo, hi] brought from
    # `closed_date` to the next day. Ranges of one date run as separate jobs, on any worker;
    # the close finishes when every range of the date is DONE.

    id = fields.BigIntField(primary_key=True)
    closed_date = fields.DateField()
    lo = fields.BigIntField()
    hi = fields.BigIntField()
    status = fields.CharField(max_length=8, default="PENDING")
    # Tries started, committed apart from the range's own transaction so that a crash leaves a trace.
    attempts = fields.IntField(default=0)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    stats = fields.JSONField(default=dict)

    class Meta:
        table = "close_range"
        unique_together = (("closed_date", "lo", "hi"),)
