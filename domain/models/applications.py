from tortoise import fields
from tortoise.models import Model


class CreditApplication(Model):
    # One application for a credit line, with everything the decision saw: the stated
    # inputs, where it came from, the bureau summary, fraud hits, the model's PD and score,
    # and the outcome. Identity columns are blind indexes (keyed hashes), never plaintext.

    id = fields.BigIntField(primary_key=True)
    borrower = fields.ForeignKeyField("models.Borrower", related_name="applications", on_delete=fields.RESTRICT)
    monthly_income_fen = fields.BigIntField()
    employment_type = fields.CharField(max_length=16)
    employment_months = fields.IntField()
    housing = fields.CharField(max_length=16)
    monthly_debt_payments_fen = fields.BigIntField()
    purpose = fields.CharField(max_length=200)
    device_id = fields.CharField(max_length=128)
    ip = fields.CharField(max_length=64, null=True)
    id_number_hash = fields.CharField(max_length=64, db_index=True)
    phone_hash = fields.CharField(max_length=64)
    name_hash = fields.CharField(max_length=64)
    age = fields.IntField()
    segment = fields.CharField(max_length=16, default="GENERAL")
    # Students only: the guardian who is the second source of repayment (encrypted parts).
    guardian = fields.JSONField(null=True)
    bureau = fields.JSONField(null=True)
    fraud_hits = fields.JSONField(default=list)
    anomaly_score = fields.FloatField(null=True)
    pd = fields.FloatField(null=True)
    score = fields.IntField(null=True)
    model_version = fields.CharField(max_length=64, null=True)
    # Terms the policy offers (kept for REVIEW too, so a reviewer can approve at them).
    offered_limit_fen = fields.BigIntField(null=True)
    offered_rate_ppm = fields.IntField(null=True)
    outcome = fields.CharField(max_length=16, default="PENDING", db_index=True)
    reasons = fields.JSONField(default=list)
    credit_line_id = fields.BigIntField(null=True)
    business_date = fields.DateField()
    created_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)
    reviewer = fields.CharField(max_length=64, null=True)
    review_note = fields.TextField(null=True)
    reviewed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "credit_application"
        indexes = (("device_id", "created_at"), ("ip", "created_at"), ("phone_hash", "created_at"))


class BlacklistEntry(Model):
    # Known-bad identifiers. ID numbers and phones are held as blind indexes; device ids and
    # IP addresses as they come.

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=16)  # ID_NUMBER, PHONE, DEVICE, IP
    value = fields.CharField(max_length=128)
    reason = fields.CharField(max_length=200)
    added_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "blacklist_entry"
        unique_together = (("kind", "value"),)
