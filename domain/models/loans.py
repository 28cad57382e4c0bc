from tortoise import fields
from tortoise.models import Model


class Loan(Model):
    # One draw on a credit line. The columns after `maturity_date` are the loan's running
    # state, kept on the row so that close of business can move every loan with a few
    # set-based statements.

    id = fields.BigIntField(primary_key=True)
    borrower = fields.ForeignKeyField("models.Borrower", related_name="loans", on_delete=fields.RESTRICT, db_index=True)
    credit_line = fields.ForeignKeyField("models.CreditLine", related_name="loans", on_delete=fields.RESTRICT,
                                         db_index=True)
    method = fields.CharField(max_length=24)
    day_count = fields.CharField(max_length=16, default="THIRTY_360")
    principal_fen = fields.BigIntField()
    daily_rate_ppm = fields.IntField()
    apr_ppm = fields.IntField()
    term_months = fields.IntField(null=True)
    term_days = fields.IntField(null=True)
    disbursed_on = fields.DateField()
    maturity_date = fields.DateField()

    status = fields.CharField(max_length=16, default="ACTIVE", db_index=True)
    classification = fields.CharField(max_length=16, default="NORMAL")
    dpd = fields.IntField(default=0)
    outstanding_principal_fen = fields.BigIntField()
    # Principal of instalments whose due date has passed unpaid.
    overdue_principal_fen = fields.BigIntField(default=0)
    # Interest recognised (fallen due, or accrued day by day for daily-interest loans) and unpaid.
    interest_receivable_fen = fields.BigIntField(default=0)
    penalty_receivable_fen = fields.BigIntField(default=0)
    # Daily-interest loans: interest runs from `accrual_from` on the outstanding principal;
    # `interest_carried_fen` is unpaid interest of earlier stretches (before a partial repayment).
    accrual_from = fields.DateField(null=True)
    interest_carried_fen = fields.BigIntField(default=0)
    # Due date of the oldest unpaid instalment; null once everything is paid.
    next_due_on = fields.DateField(null=True, db_index=True)
    # The last business date close of business has brought this loan to.
    closed_through = fields.DateField()
    paid_off_on = fields.DateField(null=True)
    written_off_on = fields.DateField(null=True)
    # Set when the loan is sold to a pool; it is serviced as before, its cash goes to the pool.
    pool = fields.ForeignKeyField("models.Pool", related_name="loans", on_delete=fields.RESTRICT, null=True)
    pooled_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "loan"
        indexes = (("pool_id", "status"),)


class Installment(Model):
    id = fields.BigIntField(primary_key=True)
    loan = fields.ForeignKeyField("models.Loan", related_name="installments", on_delete=fields.CASCADE)
    number = fields.IntField()
    due_date = fields.DateField(db_index=True)
    principal_fen = fields.BigIntField()
    interest_fen = fields.BigIntField()
    fee_fen = fields.BigIntField(default=0)
    paid_principal_fen = fields.BigIntField(default=0)
    paid_interest_fen = fields.BigIntField(default=0)
    paid_fee_fen = fields.BigIntField(default=0)
    status = fields.CharField(max_length=16, default="PENDING")
    paid_on = fields.DateField(null=True)

    class Meta:
        table = "installment"
        unique_together = (("loan", "number"),)


class Repayment(Model):
    id = fields.BigIntField(primary_key=True)
    loan = fields.ForeignKeyField("models.Loan", related_name="repayments", on_delete=fields.RESTRICT, db_index=True)
    borrower = fields.ForeignKeyField("models.Borrower", related_name="repayments", on_delete=fields.RESTRICT)
    amount_fen = fields.BigIntField()
    penalty_fen = fields.BigIntField(default=0)
    interest_fen = fields.BigIntField(default=0)
    fee_fen = fields.BigIntField(default=0)
    principal_fen = fields.BigIntField(default=0)
    # Of principal_fen, the part paid ahead of schedule, and how the schedule was changed for it.
    prepaid_principal_fen = fields.BigIntField(default=0)
    prepayment_mode = fields.CharField(max_length=24, null=True)
    # Bucket -> fen, and instalment number -> parts: the full story of where the money went.
    allocation = fields.JSONField(default=dict)
    business_date = fields.DateField()
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "repayment"
