from tortoise import fields
from tortoise.models import Model


class Pool(Model):
    # A securitised pool: loans sold to it at the cut-off date (and bought with its principal
    # collections while it revolves) fund the tranches sold to investors. The columns after
    # `min_oc_ppm` are the pool's running state, carried from one collection period to the next.

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    cut_off_date = fields.DateField()
    # The last day of the last revolving period; afterwards principal pays the tranches down.
    revolving_until = fields.DateField()
    principal_mode = fields.CharField(max_length=16, default="SEQUENTIAL")
    # In amortisation: False pays the rated tranches the period's principal funds and leaves the
    # rest to the subordinated tranche; True turns every fen left to principal until they are retired.
    turbo = fields.BooleanField(default=False)
    # Fees a year on the pool balance, parts per million.
    trustee_fee_ppm = fields.IntField(default=0)
    servicer_fee_ppm = fields.IntField(default=0)
    # And a fixed amount each period, as many deals set the trustee's fee.
    trustee_fee_fixed_fen = fields.BigIntField(default=0)
    servicer_fee_fixed_fen = fields.BigIntField(default=0)
    # The loan criteria (eligibility.Criteria as JSON) for the cut-off and for every purchase.
    criteria = fields.JSONField(default=dict)
    max_default_rate_ppm = fields.IntField()
    min_oc_ppm = fields.IntField(default=1_000_000)

    status = fields.CharField(max_length=16, default="REVOLVING", db_index=True)
    cut_off_balance_fen = fields.BigIntField()
    # Principal cash kept for purchases and not spent.
    cash_fen = fields.BigIntField(default=0)
    trustee_fee_unpaid_fen = fields.BigIntField(default=0)
    servicer_fee_unpaid_fen = fields.BigIntField(default=0)
    # Trigger base and numerator: every loan ever bought, and the principal of those that defaulted.
    cumulative_bought_fen = fields.BigIntField()
    cumulative_defaults_fen = fields.BigIntField(default=0)
    periods_closed = fields.IntField(default=0)
    trigger_breached_on = fields.DateField(null=True)
    trigger_breaches = fields.CharField(max_length=64, default="")
    created_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pool"


class Tranche(Model):
    id = fields.BigIntField(primary_key=True)
    pool = fields.ForeignKeyField("models.Pool", related_name="tranches", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=32)
    kind = fields.CharField(max_length=16)
    # Order of priority within the pool: 1 is paid first.
    seniority = fields.IntField()
    original_balance_fen = fields.BigIntField()
    balance_fen = fields.BigIntField()
    # A year, parts per million; the subordinated tranche has none.
    coupon_ppm = fields.IntField(default=0)
    interest_unpaid_fen = fields.BigIntField(default=0)

    class Meta:
        table = "tranche"
        unique_together = (("pool", "seniority"), ("pool", "name"))


class PoolCollection(Model):
    # The pool's side of one money movement on one of its loans: cash that reached it
    # (INTEREST, PRINCIPAL, RECOVERY, INSURANCE), principal it lost (DEFAULT), or a loan it
    # bought (PURCHASE). A collection period sums these rows between its dates.

    id = fields.BigIntField(primary_key=True)
    pool = fields.ForeignKeyField("models.Pool", related_name="collections", on_delete=fields.CASCADE)
    loan_id = fields.BigIntField(db_index=True)
    business_date = fields.DateField()
    kind = fields.CharField(max_length=16)
    amount_fen = fields.BigIntField()

    class Meta:
        table = "pool_collection"
        indexes = (("pool_id", "business_date"),)


class PoolPeriod(Model):
    # One closed collection period: what came in, what the waterfall paid, and the investor report.

    id = fields.BigIntField(primary_key=True)
    pool = fields.ForeignKeyField("models.Pool", related_name="periods", on_delete=fields.CASCADE)
    number = fields.IntField()
    # Collections dated after `start_date` up to and including `end_date`.
    start_date = fields.DateField()
    end_date = fields.DateField()
    phase = fields.CharField(max_length=16)
    opening_balance_fen = fields.BigIntField()
    closing_balance_fen = fields.BigIntField()
    interest_fen = fields.BigIntField()
    principal_fen = fields.BigIntField()
    recoveries_fen = fields.BigIntField()
    insurance_fen = fields.BigIntField()
    defaults_fen = fields.BigIntField()
    cash_in_fen = fields.BigIntField()
    paid_out_fen = fields.BigIntField()
    kept_fen = fields.BigIntField()
    purchased_fen = fields.BigIntField(default=0)
    purchased_count = fields.IntField(default=0)
    trustee_fee_fen = fields.BigIntField()
    servicer_fee_fen = fields.BigIntField()
    # Triggers, delinquency, composition and waterfall lines as the investors read them.
    report = fields.JSONField(default=dict)
    closed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pool_period"
        unique_together = (("pool", "number"),)


class TranchePayment(Model):
    id = fields.BigIntField(primary_key=True)
    period = fields.ForeignKeyField("models.PoolPeriod", related_name="payments", on_delete=fields.CASCADE)
    tranche = fields.ForeignKeyField("models.Tranche", related_name="payments", on_delete=fields.CASCADE)
    opening_balance_fen = fields.BigIntField()
    interest_due_fen = fields.BigIntField()
    interest_paid_fen = fields.BigIntField()
    principal_paid_fen = fields.BigIntField()
    residual_paid_fen = fields.BigIntField(default=0)
    closing_balance_fen = fields.BigIntField()

    class Meta:
        table = "tranche_payment"
        unique_together = (("period", "tranche"),)
