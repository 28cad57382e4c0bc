"""The model registry: bootstrap on German credit, versions, and a champion that changes without a restart."""

import pytest

from domain.errors import NotFound
from domain.models import ModelVersion
from domain.scoring import CreditModel, german_credit
from domain.services import model_registry, scoring
from domain.settings import load_settings

pytestmark = pytest.mark.db


@pytest.fixture(autouse=True)
def fresh_process():
    model_registry.forget()
    scoring.forget()
    yield
    model_registry.forget()
    scoring.forget()


async def test_bootstrap_trains_version_1_on_german_credit_and_makes_it_champion(db):
    row = await model_registry.bootstrap()
    assert (row.version, row.is_champion, row.n_updates) == ("v1", True, 0)
    assert row.metrics["source"] == "german_credit"
    assert row.metrics["progressive"]["n"] == 1000
    assert row.metrics["progressive"]["default_rate"] == 0.3
    assert row.metrics["progressive"]["auc"] > 0.7
    model = CreditModel.loads(row.model)
    assert 0.0 < model.predict_pd(german_credit()[0][0]) < 1.0


async def test_bootstrap_twice_keeps_one_version(db):
    first = await model_registry.bootstrap()
    again = await model_registry.bootstrap()
    assert again.id == first.id
    assert await ModelVersion.all().count() == 1


async def test_champion_bootstraps_an_empty_registry(db):
    champion = await model_registry.champion()
    assert champion.version == "v1"


async def _store_v2(promote: bool) -> ModelVersion:
    model = CreditModel.fresh()
    for features, bad in german_credit()[:100]:
        model.learn_one(features, bad)
    from tortoise.transactions import in_transaction

    async with in_transaction() as tx:
        return await model_registry.store_version(model, metrics={"source": "test"}, n_updates=0, last_outcome_id=0,
                                                  make_champion=promote, tx=tx)


async def test_a_champion_promoted_elsewhere_is_picked_up_without_a_restart(db):
    settings = load_settings({}, model_refresh_seconds=5)
    await model_registry.champion(settings=settings, now=100.0)
    v2 = await _store_v2(promote=False)
    # Another process promotes v2: here, a plain update of the flags behind this process's back.
    await ModelVersion.filter(is_champion=True).update(is_champion=False)
    await ModelVersion.filter(id=v2.id).update(is_champion=True)
    # Within the refresh interval the cached champion still serves; after it, the new one does.
    assert (await model_registry.champion(settings=settings, now=103.0)).version == "v1"
    assert (await model_registry.champion(settings=settings, now=105.0)).version == "v2"


async def test_promote_moves_the_champion_flag_to_exactly_one_version(db):
    await model_registry.bootstrap()
    await _store_v2(promote=False)
    await model_registry.promote("v2")
    assert await ModelVersion.filter(is_champion=True).values_list("version", flat=True) == ["v2"]
    assert (await model_registry.champion()).version == "v2"
    await model_registry.promote("v1")
    assert await ModelVersion.filter(is_champion=True).values_list("version", flat=True) == ["v1"]


async def test_promoting_an_unknown_version_is_refused_and_changes_nothing(db):
    await model_registry.bootstrap()
    with pytest.raises(NotFound):
        await model_registry.promote("v99")
    assert await ModelVersion.filter(is_champion=True).values_list("version", flat=True) == ["v1"]


async def test_versions_are_listed_newest_first(db):
    await model_registry.bootstrap()
    await _store_v2(promote=True)
    versions = await model_registry.list_versions()
    assert [(v.version, v.is_champion) for v in versions] == [("v2", True), ("v1", False)]
