"""Registering borrowers: identity checked, personal data encrypted before it is stored."""

from __future__ import annotations

from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain import identity
from domain.commands import RegisterBorrower
from domain.crypto import cipher_for
from domain.errors import ValidationFailed
from domain.models import Borrower
from domain.services.calendar import business_date, utcnow
from domain.settings import Settings, get_settings


async def register_borrower(cmd: RegisterBorrower, *, today: date | None = None,
                            settings: Settings | None = None) -> Borrower:
    settings = settings or get_settings()
    try:
        name = identity.validate_name(cmd.name)
        phone = identity.normalize_phone(cmd.phone)
        rid = identity.parse_resident_id(cmd.id_number)
        identity.validate_borrower_age(rid, today or await business_date())
    except identity.IdentityError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from exc
    version = (cmd.agreement_version or "").strip()
    if not version:
        raise ValidationFailed("consent to the borrower agreement is required", field="agreementVersion")

    cipher = cipher_for(settings)
    phone_hash = cipher.blind_index(phone)
    id_hash = cipher.blind_index(rid.number)
    if await Borrower.exists(phone_hash=phone_hash):
        raise ValidationFailed("this phone number is already registered", field="phone")
    if await Borrower.exists(id_number_hash=id_hash):
        raise ValidationFailed("this ID number is already registered", field="idNumber")
    try:
        async with in_transaction():
            return await Borrower.create(
                name=name,
                id_number_enc=cipher.encrypt(rid.number),
                id_number_hash=id_hash,
                id_last4=rid.number[-4:],
                phone_enc=cipher.encrypt(phone),
                phone_hash=phone_hash,
                phone_last4=phone[-4:],
                birth_date=rid.birth_date,
                sex=rid.sex,
                segment=cmd.segment,
                password_hash=cmd.password_hash,
                agreement_version=version,
                consented_at=cmd.consented_at or utcnow(),
            )
    except IntegrityError as exc:  # a concurrent registration of the same phone or ID
        raise ValidationFailed("this phone number or ID number is already registered", field="phone") from exc


async def find_by_phone(phone: str, settings: Settings | None = None) -> Borrower | None:
    try:
        normalized = identity.normalize_phone(phone)
    except identity.IdentityError:
        return None
    return await Borrower.get_or_none(phone_hash=cipher_for(settings or get_settings()).blind_index(normalized))


def reveal_phone(borrower: Borrower, settings: Settings | None = None) -> str:
    return cipher_for(settings or get_settings()).decrypt(borrower.phone_enc)


def reveal_id_number(borrower: Borrower, settings: Settings | None = None) -> str:
    return cipher_for(settings or get_settings()).decrypt(borrower.id_number_enc)


def masked_phone(borrower: Borrower, settings: Settings | None = None) -> str:
    return identity.mask_phone(reveal_phone(borrower, settings))


def masked_id_number(borrower: Borrower, settings: Settings | None = None) -> str:
    return identity.mask_id_number(reveal_id_number(borrower, settings))
