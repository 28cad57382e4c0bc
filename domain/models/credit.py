from tortoise import fields
from tortoise.models import Model


class CreditLine(Model):
    # A revolving line: draws take `used_fen` up to `limit_fen`; repaid principal frees it.

    id = fields.BigIntField(primary_key=True)
    borrower = fields.OneToOneField("models.Borrower", related_name="credit_line", on_delete=fields.RESTRICT)
    limit_fen = fields.BigIntField()
    used_fen = fields.BigIntField(default=0)
    daily_rate_ppm = fields.IntField()
    status = fields.CharField(max_length=16, default="ACTIVE", db_index=True)
    # Why a line is frozen: OVERDUE lines unfreeze by themselves when the overdue is cleared,
    # MANUAL ones only by staff.
    frozen_reason = fields.CharField(max_length=16, null=True)
    opened_on = fields.DateField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "credit_line"
