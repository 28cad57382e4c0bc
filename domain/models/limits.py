from tortoise import fields
from tortoise.models import Model


class CreditLimitState(Model):
    # What the limit engine has already acted on for one line: how many on-time instalments
    # have been turned into raises, and the score the current limit rests on. Lines without a
    # row have had no move yet.

    id = fields.BigIntField(primary_key=True)
    credit_line = fields.OneToOneField("models.CreditLine", related_name="limit_state", on_delete=fields.CASCADE)
    on_time_counted = fields.IntField(default=0)
    base_score = fields.IntField(null=True)
    last_change_on = fields.DateField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "credit_limit_state"
