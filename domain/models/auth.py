from tortoise import fields
from tortoise.models import Model


class BorrowerSession(Model):
    # A signed-in app. The bearer token names this row by its random id; revoking the row
    # ends the token before it expires.

    id = fields.CharField(max_length=32, primary_key=True)
    borrower = fields.ForeignKeyField("models.Borrower", related_name="sessions", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "borrower_session"


class BorrowerSignInThrottle(Model):
    # Failed sign-ins per phone (by its blind index, whether or not anyone registered it, so a
    # refusal reveals nothing). Failures count within a window; too many lock the phone out.

    phone_hash = fields.CharField(max_length=64, primary_key=True)
    failures = fields.IntField(default=0)
    window_started_at = fields.DatetimeField()
    locked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "borrower_sign_in_throttle"


class Partner(Model):
    # A partner system (funder, insurer, merchant). Only a SHA-256 of its API key is kept;
    # `key_prefix` tells keys apart in listings. `scopes` is comma-separated.

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    key_prefix = fields.CharField(max_length=16)
    key_hash = fields.CharField(max_length=64, unique=True)
    scopes = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "partner"
