from tortoise import fields
from tortoise.models import Model


class Notification(Model):
    # One reminder to a borrower: an instalment at a stage through a channel. The unique key is what
    # makes "one message per instalment, stage and channel" hold however often or concurrently the
    # reminder job runs. With the log provider this table is also where the message is delivered.

    id = fields.BigIntField(primary_key=True)
    installment = fields.ForeignKeyField("models.Installment", related_name="notifications",
                                         on_delete=fields.CASCADE)
    loan_id = fields.BigIntField(db_index=True)
    borrower_id = fields.BigIntField(db_index=True)
    stage = fields.CharField(max_length=16)
    channel = fields.CharField(max_length=8)
    # PENDING -> SENDING -> SENT; a failed try goes to RETRY (and back to SENDING), the last to FAILED;
    # CANCELLED when the instalment was paid before the message went out.
    status = fields.CharField(max_length=12, default="PENDING", db_index=True)
    provider = fields.CharField(max_length=16, null=True)
    attempts = fields.IntField(default=0)
    error = fields.TextField(null=True)
    business_date = fields.DateField()
    # Not before this time: quiet hours hold a message to their end.
    scheduled_for = fields.DatetimeField(db_index=True)
    claimed_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    body = fields.TextField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "notification"
        unique_together = (("installment", "stage", "channel"),)
