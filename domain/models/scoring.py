from tortoise import fields
from tortoise.models import Model


class ModelVersion(Model):
    # One stored version of the credit model. Exactly one row is the champion that scores.
    # `model` is the pickled CreditModel in base64; `last_outcome_id` is the last LearnedOutcome
    # it has learnt, so a writer can bring it up to date by replaying the ones after it.

    id = fields.BigIntField(primary_key=True)
    version = fields.CharField(max_length=32, unique=True)
    pipeline = fields.CharField(max_length=64)
    model = fields.TextField()
    metrics = fields.JSONField(default=dict)
    n_updates = fields.IntField(default=0)
    last_outcome_id = fields.BigIntField(default=0)
    is_champion = fields.BooleanField(default=False, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    promoted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "model_version"


class ScoreRecord(Model):
    # A borrower's score history: one row per scoring, with the features it saw.
    # `pd` is a probability, not money, so a float is right here.

    id = fields.BigIntField(primary_key=True)
    borrower = fields.ForeignKeyField("models.Borrower", related_name="score_records", on_delete=fields.RESTRICT)
    score = fields.IntField()
    pd = fields.FloatField()
    model_version = fields.CharField(max_length=32)
    reason = fields.CharField(max_length=40)
    features = fields.JSONField(default=dict)
    business_date = fields.DateField()
    at = fields.DatetimeField()

    class Meta:
        table = "score_record"
        # A borrower's latest score is read for every loan a pool considers.
        indexes = (("borrower_id", "id"),)


class LearnedOutcome(Model):
    # A matured outcome the model has learnt from: each (loan, kind) once and only once, which
    # the unique constraint guarantees whatever runs twice. Also the log a writer replays.
    # `pd_before` is the model's PD just before it learnt the outcome (test, then train), the
    # source of the rolling metrics stored with each version.

    id = fields.BigIntField(primary_key=True)
    loan = fields.ForeignKeyField("models.Loan", related_name="learned_outcomes", on_delete=fields.RESTRICT)
    borrower = fields.ForeignKeyField("models.Borrower", related_name="learned_outcomes", on_delete=fields.RESTRICT)
    kind = fields.CharField(max_length=8)  # GOOD or BAD
    features = fields.JSONField(default=dict)
    pd_before = fields.FloatField()
    model_version = fields.CharField(max_length=32)
    business_date = fields.DateField()
    learned_at = fields.DatetimeField()

    class Meta:
        table = "learned_outcome"
        unique_together = (("loan", "kind"),)
