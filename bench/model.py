"""The credit model beside a batch learner, on German credit and on a portfolio whose true PD is known.

    python -m bench.model [--seed 0] [--sim-loans 20000]

German credit (1,000 rows in the model's feature space, domain.scoring.german):
- cv_auc: 10-fold stratified cross-validation (folds shuffled with the seed). A fresh model learns each
  training fold in one pass, in file order, then scores the held-out fold; the mean of the ten AUCs.
- batch_lr_auc: scikit-learn's LogisticRegression (lbfgs, C=1), fitted on the same folds in the same run,
  on two encodings of the same feature dicts: "raw" (one-hot categories, standardised numbers) and
  "bands" (one-hot of the very bands the online model uses). The better of the two is the comparator.
- progressive_auc: test-then-train over the 1,000 rows in file order, each row scored before it is
  learned; the mean over five seeded shuffles is shown beside it.
- us_per_event: one predict_pd plus one learn_one, in CPU time (this process's, so that other work on the
  machine does not count), the median of five passes over German credit; wall-clock time beside it.

Simulated portfolio (`simulate`): applicants drawn from distributions like our own applicants'
(see `draw`), each defaulting with a known PD, logistic in a score that is linear in the categories
and curved in the numbers (`true_log_odds`: a U-shape in age, a debt-to-income kink at 0.3, log income,
capped tenure and behaviour). A fresh model learns 20,000 loans one at a time; at 5,000 and 20,000 it
scores 10,000 held-out loans, and the table shows its AUC beside the oracle's (the true PD's own AUC),
and its log loss after 20,000 (calibration: the PD becomes a score and a price, so it must be right, not
only well ordered). sim_gap is the oracle's AUC minus the model's after 20,000 loans.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from bisect import bisect_right

from domain.scoring import PIPELINES, PRODUCTION, CreditModel, german_credit, roc_auc
from domain.scoring.metrics import log_loss
from domain.scoring.woe import BAND_EDGES

CHECKPOINTS = (5000, 20000)


def draw(rng: random.Random) -> dict:
    pick = lambda values, weights: rng.choices(values, weights)[0]  # noqa: E731
    income = round(7000 * math.exp(rng.gauss(0, 0.6)), 2)
    tenure = float(rng.randint(0, 36))
    return {
        "age": float(rng.randint(20, 60)),
        "employment_type": pick(["SALARIED", "SELF_EMPLOYED", "OTHER"], [60, 25, 15]),
        "employment_months": float(min(480, int(rng.expovariate(1 / 36)))),
        "housing": pick(["OWN", "MORTGAGE", "RENT", "FAMILY"], [30, 20, 35, 15]),
        "purpose": pick(["CONSUMER_GOODS", "HOME", "CAR", "EDUCATION", "TRAVEL", "MEDICAL", "BUSINESS", "OTHER"],
                        [35, 15, 10, 8, 10, 5, 7, 10]),
        "monthly_income": income,
        "debt_to_income": round(rng.betavariate(2, 6), 4),
        "guarantor": pick(["NONE", "GUARANTOR", "CO_APPLICANT"], [90, 5, 5]),
        "account_status": pick(["NONE", "OVERDRAWN", "LOW", "HEALTHY"], [30, 15, 35, 20]),
        "savings": pick(["NONE", "LOW", "MEDIUM", "HIGH"], [25, 45, 20, 10]),
        "credit_history": pick(["NO_CREDIT", "ALL_PAID", "CURRENT_ON_TIME", "PAST_DELAYS", "CRITICAL"],
                               [15, 10, 50, 15, 10]),
        "open_credits": float(min(6, int(rng.expovariate(1 / 1.2)))),
        "other_instalment_plans": pick(["NONE", "BANK", "STORE"], [75, 15, 10]),
        "debt_amount": round(income * 12 * rng.random() * 1.5, 2),
        "debt_term_months": float(pick([6, 12, 18, 24, 36, 48], [10, 30, 20, 20, 15, 5])),
        "tenure_months": tenure,
        "on_time_instalments": float(int(tenure * rng.random())),
        "late_instalments": float(pick([0, 1, 2, 4], [80, 10, 6, 4])),
        "worst_dpd": float(pick([0, 2, 10, 35, 70], [75, 10, 8, 5, 2])),
        "utilisation": round(rng.random(), 3),
        "recent_draws": float(pick([0, 1, 2, 4], [40, 30, 20, 10])),
    }


EFFECTS = {
    "employment_type": {"SALARIED": -0.2, "SELF_EMPLOYED": 0.1, "OTHER": 0.4},
    "housing": {"OWN": -0.3, "MORTGAGE": -0.2, "RENT": 0.2, "FAMILY": 0.1},
    "purpose": {"CONSUMER_GOODS": 0.0, "HOME": -0.1, "CAR": 0.1, "EDUCATION": 0.2, "TRAVEL": 0.3, "MEDICAL": 0.4,
                "BUSINESS": 0.5, "OTHER": 0.2},
    "guarantor": {"NONE": 0.0, "GUARANTOR": -0.4, "CO_APPLICANT": 0.2},
    "account_status": {"NONE": -0.6, "OVERDRAWN": 0.7, "LOW": 0.3, "HEALTHY": -0.3},
    "savings": {"NONE": -0.1, "LOW": 0.3, "MEDIUM": 0.0, "HIGH": -0.5},
    "credit_history": {"NO_CREDIT": 0.5, "ALL_PAID": 0.4, "CURRENT_ON_TIME": 0.0, "PAST_DELAYS": 0.5, "CRITICAL": 0.9},
    "other_instalment_plans": {"NONE": 0.0, "BANK": 0.4, "STORE": 0.3},
}


def true_log_odds(f: dict) -> float:
    z = -2.7 + sum(EFFECTS[name][f[name]] for name in EFFECTS)
    z += 0.04 * max(0.0, 30 - f["age"]) + 0.03 * max(0.0, f["age"] - 50)
    z -= 0.5 * math.log(f["monthly_income"] / 7000)
    z += 3.0 * max(0.0, f["debt_to_income"] - 0.3)
    z -= 0.15 * min(f["employment_months"], 60) / 12
    z += 0.15 * math.log1p(f["open_credits"]) + 0.02 * f["debt_term_months"] / 6
    z -= 0.05 * min(f["on_time_instalments"], 12)
    z += 0.35 * f["late_instalments"] + 0.03 * min(f["worst_dpd"], 60)
    z += 0.8 * f["utilisation"] ** 2 + 0.1 * f["recent_draws"]
    return z


def portfolio(n: int, seed: int) -> list[tuple[dict, float, bool]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        f = draw(rng)
        pd = 1 / (1 + math.exp(-true_log_odds(f)))
        out.append((f, pd, rng.random() < pd))
    return out


def simulate(name: str, n_loans: int, seed: int) -> dict:
    train, test = portfolio(n_loans, seed + 1), portfolio(10000, seed + 2)
    labels = [bad for _, _, bad in test]
    out = {"oracle": roc_auc(labels, [pd for _, pd, _ in test]), "default_rate": sum(labels) / len(labels),
           "oracle_log_loss": log_loss(labels, [pd for _, pd, _ in test])}
    model = CreditModel.fresh(name)
    for i, (features, _, bad) in enumerate(train, 1):
        model.learn_one(features, bad)
        if i in CHECKPOINTS or i == n_loans:
            out[i] = roc_auc(labels, [model.predict_pd(f) for f, _, _ in test])
    out["gap"] = out["oracle"] - out[n_loans]
    out["log_loss"] = log_loss(labels, [model.predict_pd(f) for f, _, _ in test])
    return out


def folds(labels: list[bool], seed: int) -> list[tuple[list[int], list[int]]]:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=10, shuffle=True, random_state=seed)
    return [(list(tr), list(te)) for tr, te in splitter.split([[0]] * len(labels), labels)]


def cv_online(name: str, rows, splits) -> float:
    aucs = []
    for train, test in splits:
        model = CreditModel.fresh(name)
        for i in train:
            model.learn_one(*rows[i])
        aucs.append(roc_auc([rows[i][1] for i in test], [model.predict_pd(rows[i][0]) for i in test]))
    return statistics.fmean(aucs)


def banded(features: dict) -> dict:
    return {k: f"{k}={bisect_right(BAND_EDGES[k], v)}" if k in BAND_EDGES else v for k, v in features.items()}


def cv_batch(rows, splits, encoding: str) -> float:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = [banded(f) if encoding == "bands" else f for f, _ in rows]
    y = [bad for _, bad in rows]
    aucs = []
    for train, test in splits:
        steps = [DictVectorizer(sparse=False)] + ([StandardScaler()] if encoding == "raw" else [])
        fitted = make_pipeline(*steps, LogisticRegression(C=1.0, max_iter=5000))
        fitted.fit([x[i] for i in train], [y[i] for i in train])
        aucs.append(roc_auc([y[i] for i in test], list(fitted.predict_proba([x[i] for i in test])[:, 1])))
    return statistics.fmean(aucs)


def progressive(name: str, rows) -> tuple[float, float, float]:
    """(AUC, CPU and wall microseconds per predict + learn) of one test-then-train pass."""
    model, scores = CreditModel.fresh(name), []
    cpu, wall = time.process_time(), time.perf_counter()
    for features, bad in rows:
        scores.append(model.predict_pd(features))
        model.learn_one(features, bad)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return roc_auc([bad for _, bad in rows], scores), cpu / len(rows) * 1e6, wall / len(rows) * 1e6


def evaluate(name: str, rows, splits, seed: int, sim_loans: int) -> dict:
    auc = progressive(name, rows)[0]
    timings = [progressive(name, rows) for _ in range(5)]
    us, wall = statistics.median(t[1] for t in timings), statistics.median(t[2] for t in timings)
    shuffled = []
    for k in range(5):
        order = list(rows)
        random.Random(seed + 100 + k).shuffle(order)
        shuffled.append(progressive(name, order)[0])
    return {"cv": cv_online(name, rows, splits), "progressive": auc, "shuffled": statistics.fmean(shuffled),
            "us": us, "wall": wall, "sim": simulate(name, sim_loans, seed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sim-loans", type=int, default=20000)
    args = parser.parse_args()
    rows = german_credit()
    splits = folds([bad for _, bad in rows], args.seed)

    print(f"German credit: {len(rows)} rows, {sum(b for _, b in rows)} bad; 10 folds, seed {args.seed}")
    raw, bands = cv_batch(rows, splits, "raw"), cv_batch(rows, splits, "bands")
    print(f"{'batch LogisticRegression':30} cv auc raw {raw:.3f} · bands {bands:.3f}")
    print()
    print(f"{'pipeline':18} {'cv auc':>7} {'prog auc':>9} {'shuffled':>9} {'cpu us':>7} {'wall us':>8} "
          f"{'sim 5k':>7} {'sim 20k':>8} {'oracle':>7} {'gap':>6} {'logloss':>8}")
    results = {}
    for name in PIPELINES:
        r = results[name] = evaluate(name, rows, splits, args.seed, args.sim_loans)
        s = r["sim"]
        mark = " (production)" if name == PRODUCTION else ""
        print(f"{name:18} {r['cv']:7.3f} {r['progressive']:9.3f} {r['shuffled']:9.3f} {r['us']:7.1f} {r['wall']:8.1f} "
              f"{s.get(5000, float('nan')):7.3f} {s[args.sim_loans]:8.3f} {s['oracle']:7.3f} {s['gap']:6.3f} "
              f"{s['log_loss']:8.4f}{mark}")
    p = results[PRODUCTION]
    print()
    print(f"simulated portfolio: default rate {p['sim']['default_rate']:.3f}, oracle auc {p['sim']['oracle']:.3f}, "
          f"oracle log loss {p['sim']['oracle_log_loss']:.4f}")
    print("targets: cv_auc >= batch_lr_auc, progressive_auc >= 0.75, sim_gap <= 0.03, us_per_event <= 100")
    print(f"model: cv_auc {p['cv']:.3f}, batch_lr_auc {max(raw, bands):.3f}, progressive_auc {p['progressive']:.3f}, "
          f"sim_gap {p['sim']['gap']:.3f}, us_per_event {p['us']:.1f}")


if __name__ == "__main__":
    main()
