from tortoise import fields
from tortoise.models import Model


class Event(Model):
    # The transactional outbox: appended in the same transaction as the change it reports.
    # `id` is the event's position, and so the cursor partners resume from.

    id = fields.BigIntField(primary_key=True)
    type = fields.CharField(max_length=40, db_index=True)
    occurred_at = fields.DatetimeField()
    business_date = fields.DateField()
    borrower_id = fields.BigIntField(null=True, db_index=True)
    loan_id = fields.BigIntField(null=True, db_index=True)
    data = fields.JSONField(default=dict)
    relayed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "event"
