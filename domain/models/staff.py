from tortoise import fields
from tortoise.models import Model


class StaffUser(Model):
    # A member of the lender's staff who signs in to the admin pages. The password is an
    # argon2id hash (domain.passwords); the role decides what the pages show and allow.

    id = fields.BigIntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=64, default="")
    role = fields.CharField(max_length=16)  # admin, risk, operator, viewer
    password_hash = fields.TextField()
    language = fields.CharField(max_length=8, default="zh")
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_sign_in_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_user"


class StaffSession(Model):
    # A signed-in browser. Only a hash of the session token is stored, so a copy of this
    # table cannot be replayed as cookies. Each session carries its own CSRF token.

    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    staff = fields.ForeignKeyField("models.StaffUser", related_name="sessions", on_delete=fields.CASCADE)
    csrf_token = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    revoked_at = fields.DatetimeField(null=True)
    ip = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "staff_session"


class StaffSignInThrottle(Model):
    # Failed sign-ins per user name (known or not, so a refusal reveals nothing about which
    # names exist). Reset by a successful sign-in.

    id = fields.BigIntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    failures = fields.IntField(default=0)
    last_failed_at = fields.DatetimeField(null=True)
    locked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_sign_in_throttle"


class StaffAction(Model):
    # The audit log of every change a member of staff made: who, what, to which record,
    # when, and the record before and after.

    id = fields.BigIntField(primary_key=True)
    staff_id = fields.BigIntField(null=True, db_index=True)
    username = fields.CharField(max_length=64)
    action = fields.CharField(max_length=48, db_index=True)
    target_type = fields.CharField(max_length=32)
    target_id = fields.CharField(max_length=64, null=True)
    borrower_id = fields.BigIntField(null=True, db_index=True)
    before = fields.JSONField(null=True)
    after = fields.JSONField(null=True)
    reason = fields.TextField(null=True)
    ip = fields.CharField(max_length=64, null=True)
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "staff_action"
