from tortoise import fields
from tortoise.models import Model


class IdempotencyRecord(Model):
    # The first result of a money mutation, kept under the caller's key with a hash of the
    # request, so that a replay returns it and a different request under the same key is refused.

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=32)
    owner_id = fields.BigIntField()
    key = fields.CharField(max_length=128)
    request_hash = fields.CharField(max_length=64)
    result_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_record"
        unique_together = (("scope", "owner_id", "key"),)
