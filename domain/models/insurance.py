from tortoise import fields
from tortoise.models import Model


class Insurer(Model):
    # An insurer partner. `partner` is the API identity it reads its policies and claims with.

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    partner = fields.ForeignKeyField("models.Partner", related_name="insurers", on_delete=fields.SET_NULL, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "insurer"


class InsurancePlan(Model):
    # What the product offers at drawdown: the first active plan (by priority, then id) whose
    # methods and amount range fit the draw covers the loan.

    id = fields.BigIntField(primary_key=True)
    insurer = fields.ForeignKeyField("models.Insurer", related_name="plans", on_delete=fields.RESTRICT)
    name = fields.CharField(max_length=64, unique=True)
    # Premium a month on the drawn principal, parts per million, charged with each instalment.
    premium_monthly_ppm = fields.IntField()
    # The insured share of what is owed at the claim, parts per million.
    cover_ppm = fields.IntField()
    # Comma-separated repayment methods; empty: every method.
    methods = fields.CharField(max_length=96, default="")
    min_amount_fen = fields.BigIntField(default=0)
    max_amount_fen = fields.BigIntField(null=True)
    priority = fields.IntField(default=100)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "insurance_plan"


class InsurancePolicy(Model):
    id = fields.BigIntField(primary_key=True)
    loan = fields.OneToOneField("models.Loan", related_name="policy", on_delete=fields.RESTRICT)
    plan = fields.ForeignKeyField("models.InsurancePlan", related_name="policies", on_delete=fields.RESTRICT)
    insurer = fields.ForeignKeyField("models.Insurer", related_name="policies", on_delete=fields.RESTRICT,
                                     db_index=True)
    cover_ppm = fields.IntField()
    premium_fen = fields.BigIntField()
    # ACTIVE until the loan is paid off (ENDED) or claimed (CLAIMED).
    status = fields.CharField(max_length=16, default="ACTIVE", db_index=True)
    started_on = fields.DateField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "insurance_policy"


class InsuranceClaim(Model):
    # One claim per policy, enforced by the unique policy.

    id = fields.BigIntField(primary_key=True)
    policy = fields.OneToOneField("models.InsurancePolicy", related_name="claim", on_delete=fields.RESTRICT)
    loan_id = fields.BigIntField(unique=True)
    insurer = fields.ForeignKeyField("models.Insurer", related_name="claims", on_delete=fields.RESTRICT,
                                     db_index=True)
    business_date = fields.DateField(db_index=True)
    dpd = fields.IntField()
    # What was owed at the claim (principal and interest), the insured share paid, and the
    # recoveries passed on to the insurer since.
    principal_fen = fields.BigIntField()
    interest_fen = fields.BigIntField()
    paid_fen = fields.BigIntField()
    recovered_fen = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "insurance_claim"
