"""The model registry: stored versions of the credit model, and the champion that scores.

Every process keeps the champion in memory. At most once every `model_refresh_seconds` it asks the
database which version is champion (one query for an id) and loads the new one only when that
changed, so a promotion reaches every API process within seconds and without a restart.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.db import sql
from domain.errors import NotFound, ValidationFailed
from domain.models import ModelVersion
from domain.scoring import CreditModel, german_credit
from domain.scoring.metrics import summary
from domain.services.calendar import utcnow
from domain.settings import Settings, get_settings

BOOTSTRAP_VERSION = "v1"


@dataclass(frozen=True)
class Champion:
    id: int
    version: str
    model: CreditModel
    n_updates: int
    last_outcome_id: int


@dataclass
class _Cache:
    champion: Champion | None = None
    checked_at: float = float("-inf")


_cache = _Cache()


def forget() -> None:
    """Drop what this process remembers (tests start each one on an empty database)."""
    _cache.champion, _cache.checked_at = None, float("-inf")


def train_on_german_credit(model: CreditModel) -> dict:
    """One pass over German credit (in file order), testing each row before learning it."""
    rows = german_credit()
    labels = [bad for _, bad in rows]
    before = []
    for features, bad in rows:
        before.append(model.predict_pd(features))
        model.learn_one(features, bad)
    after = [model.predict_pd(features) for features, _ in rows]
    return {"source": "german_credit", "pipeline": model.name, "progressive": summary(labels, before),
            "in_sample": summary(labels, after)}


async def bootstrap() -> ModelVersion:
    """Train the first version on German credit and make it champion; a no-op once any version exists."""
    existing = await ModelVersion.filter(is_champion=True).order_by("-id").first()
    if existing is None:
        existing = await ModelVersion.all().order_by("-id").first()
    if existing is not None:
        return existing
    model = CreditModel.fresh()
    metrics = train_on_german_credit(model)
    # Only German rows so far: the version has learned no outcome of ours yet.
    model.n_learned = 0
    try:
        return await ModelVersion.create(version=BOOTSTRAP_VERSION, pipeline=model.name, model=model.dumps(),
                                         metrics=metrics, is_champion=True, promoted_at=utcnow())
    except IntegrityError:
        # Another process bootstrapped at the same moment: theirs stands.
        return await ModelVersion.get(version=BOOTSTRAP_VERSION)


async def champion(*, settings: Settings | None = None, now: float | None = None) -> Champion:
    """The champion model, bootstrapping one if the registry is empty."""
    settings = settings or get_settings()
    now = time.monotonic() if now is None else now
    cached = _cache.champion
    if cached is not None and now - _cache.checked_at < settings.model_refresh_seconds:
        return cached
    head = await ModelVersion.filter(is_champion=True).order_by("-id").first().values("id", "version")
    if head is None:
        await bootstrap()
        head = await ModelVersion.filter(is_champion=True).order_by("-id").first().values("id", "version")
        if head is None:
            raise NotFound("the model registry has no champion")
    if cached is None or (cached.id, cached.version) != (head["id"], head["version"]):
        row = await ModelVersion.get(id=head["id"])
        cached = Champion(row.id, row.version, CreditModel.loads(row.model), row.n_updates, row.last_outcome_id)
        _cache.champion = cached
    _cache.checked_at = now
    return cached


async def promote(version: str) -> ModelVersion:
    """Make `version` the champion. One statement flips every flag, so there is never a moment with two."""
    row = await ModelVersion.get_or_none(version=version)
    if row is None:
        raise NotFound(f"no model version {version!r}", field="version")
    async with in_transaction() as tx:
        await set_champion(row.id, tx)
    forget()
    return await ModelVersion.get(id=row.id)


async def set_champion(version_id: int, tx) -> None:
    await tx.execute_query(sql(tx, "UPDATE model_version SET is_champion = (id = ?) WHERE is_champion OR id = ?"),
                           [version_id, version_id])
    await ModelVersion.filter(id=version_id).using_db(tx).update(promoted_at=utcnow())


async def list_versions() -> list[ModelVersion]:
    """Every version, newest first, without the serialised models."""
    return await ModelVersion.all().order_by("-id").only(
        "id", "version", "pipeline", "metrics", "n_updates", "last_outcome_id", "is_champion", "created_at",
        "promoted_at")


async def next_version_name(tx) -> str:
    rows = await tx.execute_query_dict("SELECT MAX(id) AS top FROM model_version")
    return f"v{int(rows[0]['top'] or 0) + 1}"


async def store_version(model: CreditModel, *, metrics: dict, n_updates: int, last_outcome_id: int,
                        make_champion: bool, tx) -> ModelVersion:
    """Store a snapshot of `model` (inside the caller's transaction)."""
    if n_updates < 0 or last_outcome_id < 0:
        raise ValidationFailed("update counts cannot be negative")
    row = await ModelVersion.create(version=await next_version_name(tx), pipeline=model.name,
                                    model=model.dumps(), metrics=metrics, n_updates=n_updates,
                                    last_outcome_id=last_outcome_id, using_db=tx)
    if make_champion:
        await set_champion(row.id, tx)
    return row
