from tortoise import fields
from tortoise.models import Model


class Borrower(Model):
    # A person who borrows. ID number and phone are stored encrypted; the *_hash columns
    # are keyed hashes (blind indexes) so that lookups never need the plaintext.

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64)
    id_number_enc = fields.TextField()
    id_number_hash = fields.CharField(max_length=64, unique=True)
    id_last4 = fields.CharField(max_length=4, db_index=True)
    phone_enc = fields.TextField()
    phone_hash = fields.CharField(max_length=64, unique=True)
    phone_last4 = fields.CharField(max_length=4, db_index=True)
    birth_date = fields.DateField()
    sex = fields.CharField(max_length=1)
    segment = fields.CharField(max_length=32, default="GENERAL")
    # Comma-separated, in the borrower's order of preference: SMS, PUSH.
    reminder_channels = fields.CharField(max_length=32, default="SMS,PUSH")
    password_hash = fields.TextField(null=True)
    agreement_version = fields.CharField(max_length=32)
    consented_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "borrower"
