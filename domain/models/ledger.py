from tortoise import fields
from tortoise.models import Model


class LedgerAccount(Model):
    # A general-ledger account. Balances are derived from postings, never stored.

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=48, unique=True)
    name = fields.CharField(max_length=128)
    # ASSET and EXPENSE accounts grow with debits; LIABILITY, EQUITY and INCOME with credits.
    kind = fields.CharField(max_length=16)

    class Meta:
        table = "ledger_account"


class JournalEntry(Model):
    # One money movement: a set of postings whose debits equal their credits.

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=32, db_index=True)
    memo = fields.CharField(max_length=255, default="")
    business_date = fields.DateField(db_index=True)
    loan_id = fields.BigIntField(null=True, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "journal_entry"


class Posting(Model):
    id = fields.BigIntField(primary_key=True)
    entry = fields.ForeignKeyField("models.JournalEntry", related_name="postings", on_delete=fields.CASCADE,
                                   db_index=True)
    account = fields.ForeignKeyField("models.LedgerAccount", related_name="postings", on_delete=fields.RESTRICT)
    # Set when the posting concerns one loan, so a loan's sub-ledger can be read back;
    # aggregated close-of-business postings leave it empty.
    loan_id = fields.BigIntField(null=True, db_index=True)
    debit_fen = fields.BigIntField(default=0)
    credit_fen = fields.BigIntField(default=0)

    class Meta:
        table = "posting"
