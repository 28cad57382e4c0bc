from tortoise import fields
from tortoise.models import Model


class AuditBlock(Model):
    # One link of the decision chain. `payload` is the canonical JSON text exactly as it was
    # hashed (a JSON column could reorder keys), and `recorded_at` is the ISO text that went
    # into the block hash, so verification recomputes from what is stored, byte for byte.

    id = fields.BigIntField(primary_key=True)
    seq = fields.BigIntField(unique=True)
    kind = fields.CharField(max_length=24, db_index=True)
    payload = fields.TextField()
    payload_hash = fields.CharField(max_length=64)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64, db_index=True)
    recorded_at = fields.CharField(max_length=32)
    borrower_id = fields.BigIntField(null=True, db_index=True)

    class Meta:
        table = "audit_block"


class AuditChainHead(Model):
    # A single row (id 1): the last block's sequence number and hash. Appenders lock it, which
    # serialises them, and verification compares the chain's end with it, so a block cut off
    # the end is found too.

    id = fields.IntField(primary_key=True)
    seq = fields.BigIntField()
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_chain_head"
