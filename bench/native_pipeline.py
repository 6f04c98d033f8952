"""scikit-learn + native RDKit anchor for bench/pipeline.mjs: `cryoprotect model train`, one core.

    python native_pipeline.py --data CSV --target COLUMN [--conditions A,B] --seed N
        --learners JSON [--search] --out DIR

LEARNERS is a list of {"name", "params", "families"} with kernel-lib's learner names and full
parameters (bench/pipeline.mjs passes AUTO_CANDIDATES as kernel-lib fills them in), mapped to
scikit-learn by native_train.make(). With --search the list is chosen among as `auto` does
(kernel-lib's pipeline.ts, Private.search); without it, exactly one learner is cross-validated.

The steps, the same work as kernel-lib's trainFromRows + trainAndValidate + saving the model:
  read       the rows with a SMILES RDKit parses, a numeric target and numeric conditions
  featurize  per distinct SMILES: the 47 descriptors (RDKit's Properties calculator and the four
             CryoProtect definitions of scripts/fixtures/native_rdkit.py), the Morgan count
             simulation (radius 2, 2048 bits) read as 512 levels (set bits per 4-bit slot), and
             the group: InChIKey of the standardized parent (largest organic fragment, uncharged)
  folds      GroupKFold(5) on the groups (not kernel-lib's fold assignment; the same amount of work)
  choosing   (--search) every candidate cross-validated on the 5 folds (its RMSE chooses the model)
  nested     (--search) the nested cross-validation on the same folds: in each outer fold every
             candidate is cross-validated by GroupKFold(3) on the fold's training rows, the best is
             fitted on them and predicts the fold's test rows (those 5 models are the fold models
             below); without --search, the learner's cross-validation
  summary    MAE, RMSE and R2 of the out-of-fold predictions with a 1000-resample cluster bootstrap
             over groups (95 % percentile intervals); per-fold leave-one-out conformal intervals
  adaptive   normalized conformal: per fold, the test rows' mean distance to their 5 nearest
             training rows (NearestNeighbors on standardized columns, constant ones dropped,
             weighted so each feature family counts the same), the scores |y - y^| / (beta + d)
  importance per fold model, on its held-out rows: each family's columns permuted together,
             5 repeats, the RMSE increase
  curve      the chosen learner at 25, 50 and 75 % of each fold's training rows (100 %: the
             search's cross-validation)
  final      the chosen learner on every row; model.pkl, oof.csv and report.json written to --out
             (kernel-lib also renders five plots as SVG; there is no plotting library in .venv)

Prints one JSON line: rows, groups, the chosen learner, the nested (or plain) out-of-fold MAE and
RMSE, seconds from the start of this script to the end of its imports and from there to the end,
and the seconds of each step.
"""

import time

START = time.perf_counter()

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import pickle  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
from rdkit import Chem, RDLogger  # noqa: E402
from rdkit.Chem import rdFingerprintGenerator, rdMolDescriptors  # noqa: E402
from rdkit.Chem.MolStandardize import rdMolStandardize  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402

# native_train.make() imports its estimators when called: imported here, so that all imports are
# timed as imports.
from sklearn.ensemble import (  # noqa: E402, F401
    ExtraTreesRegressor,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
)
from sklearn.linear_model import Ridge  # noqa: E402, F401
from sklearn.neural_network import MLPRegressor  # noqa: E402, F401
from sklearn.pipeline import make_pipeline  # noqa: E402, F401
from sklearn.preprocessing import StandardScaler  # noqa: E402, F401

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from native_train import make  # noqa: E402

IMPORTED = time.perf_counter()

HYDROXYL = Chem.MolFromSmarts("[OX2H][#6;!$([#6]=[O,S,N])]")
FOLDS = 5
INNER_FOLDS = 3
LEVEL = 0.9
NEIGHBOURS = 5
REPEATS = 5
RESAMPLES = 1000
FRACTIONS = (0.25, 0.5, 0.75)


def featurize(smiles_list):
    """Descriptors + Morgan levels and the group key of each row, each distinct SMILES once."""
    properties = rdMolDescriptors.Properties()  # the 43 of kernel-lib's DESCRIPTORS, in order
    morgan = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048, countSimulation=True)
    chooser = rdMolStandardize.LargestFragmentChooser(preferOrganic=True)
    uncharger = rdMolStandardize.Uncharger()
    cache = {}
    rows, groups = [], []
    for smiles in smiles_list:
        if smiles not in cache:
            mol = Chem.MolFromSmiles(smiles)
            atoms = [a.GetAtomicNum() for a in mol.GetAtoms()]
            carbon, oxygen = atoms.count(6), atoms.count(8)
            descriptors = list(properties.ComputeProperties(mol)) + [
                len(mol.GetSubstructMatches(HYDROXYL)),
                0 if carbon == 0 else oxygen / carbon,
                Chem.GetFormalCharge(mol),
                carbon,
            ]
            levels = morgan.GetFingerprintAsNumPy(mol).reshape(-1, 4).sum(axis=1)
            parent = uncharger.uncharge(chooser.choose(Chem.RemoveHs(mol)))
            cache[smiles] = (np.concatenate([descriptors, levels]), Chem.MolToInchiKey(parent))
        row, group = cache[smiles]
        rows.append(row)
        groups.append(group)
    families = ["descriptors"] * 47 + ["morgan"] * 512
    return np.array(rows, dtype=float), np.array(groups), families


def read_rows(path, target, conditions):
    """SMILES, targets and condition values of the usable rows (as readModelInputs keeps them)."""

    def number(text):
        try:
            value = float(text)
        except (TypeError, ValueError):
            return None
        return value if math.isfinite(value) else None

    smiles, y, values = [], [], []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = (row.get("SMILES") or "").strip()
            measured = number(row.get(target))
            given = [number(row.get(c)) for c in conditions]
            if not text or measured is None or None in given or Chem.MolFromSmiles(text) is None:
                continue
            smiles.append(text)
            y.append(measured)
            values.append(given)
    return smiles, np.array(y), np.array(values, dtype=float).reshape(len(y), len(conditions))


class Candidate:
    """A learner on the columns of some feature families (conditions always), or on every column."""

    def __init__(self, spec, families):
        self.name = spec["name"]
        self.params = spec["params"]
        self.families = spec.get("families")
        self.columns = np.array(
            [
                j
                for j, family in enumerate(families)
                if not self.families or family == "conditions" or family in self.families
            ]
        )

    def label(self):
        return f"{self.name} {json.dumps(self.params)}" + (
            f" on {' + '.join(self.families)}" if self.families else ""
        )

    def fit(self, X, y, seed):
        return Fitted(make(self.name, self.params, seed).fit(X[:, self.columns], y), self.columns)


class Fitted:
    def __init__(self, model, columns):
        self.model = model
        self.columns = columns

    def predict(self, X):
        return self.model.predict(X[:, self.columns])


def rmse(y, p):
    return float(np.sqrt(np.mean((y - p) ** 2)))


def cross_validate(candidate, X, y, folds, seed):
    """Out-of-fold predictions and the fold models (kernel-lib's crossValidate)."""
    predictions = np.full(len(y), np.nan)
    models = []
    for f, (train, test) in enumerate(folds):
        model = candidate.fit(X[train], y[train], seed * 100 + f)
        predictions[test] = model.predict(X[test])
        models.append(model)
    return predictions, models


def choose(candidates, X, y, folds, seed):
    """Private.search, first part: every candidate cross-validated on the model's folds."""
    scores = [rmse(y, cross_validate(c, X, y, folds, seed)[0]) for c in candidates]
    return candidates[int(np.argmin(scores))], scores


def nested(candidates, X, y, groups, folds, seed):
    """nestedCrossValidate on the same outer folds: inner GroupKFold(3) chooses in each."""
    predictions = np.full(len(y), np.nan)
    models, choices = [], []
    for f, (train, test) in enumerate(folds):
        inner = list(GroupKFold(INNER_FOLDS).split(train, groups=groups[train]))
        Xtrain, ytrain = X[train], y[train]
        inner_scores = [
            rmse(ytrain, cross_validate(c, Xtrain, ytrain, inner, seed + 7 * f)[0])
            for c in candidates
        ]
        chosen = candidates[int(np.argmin(inner_scores))]
        model = chosen.fit(Xtrain, ytrain, seed * 100 + f)
        predictions[test] = model.predict(X[test])
        models.append(model)
        choices.append(chosen.label())
    return predictions, models, choices


def cluster_bootstrap(y, p, groups, seed):
    """MAE, RMSE and R2 with 95 % percentile intervals over RESAMPLES cluster resamples."""
    _, cluster = np.unique(groups, return_inverse=True)
    n_groups = cluster.max() + 1
    e = y - p
    # Per-cluster sums; a resample is a multiset of clusters, so its sums are a weighted sum.
    stats = np.stack(
        [
            np.bincount(cluster, weights=w, minlength=n_groups)
            for w in (np.ones_like(y), np.abs(e), e * e, y, y * y)
        ],
        axis=1,
    )
    draws = np.random.default_rng(seed).integers(n_groups, size=(RESAMPLES, n_groups))
    weights = np.zeros((RESAMPLES, n_groups))
    np.add.at(weights, (np.repeat(np.arange(RESAMPLES), n_groups), draws.ravel()), 1)
    n, sum_abs, sse, sy, syy = (weights @ stats).T
    values = {
        "mae": (float(np.mean(np.abs(e))), sum_abs / n),
        "rmse": (rmse(y, p), np.sqrt(sse / n)),
        "r2": (
            float(1 - np.sum(e * e) / np.sum((y - y.mean()) ** 2)),
            1 - sse / (syy - sy * sy / n),
        ),
    }
    return {
        name: {
            "value": value,
            "lower": float(np.percentile(r, 2.5)),
            "upper": float(np.percentile(r, 97.5)),
        }
        for name, (value, r) in values.items()
    }


def fold_conformal(y, p, folds, level, scales=None):
    """Per-fold leave-one-out split conformal half-widths (outOfFoldConformal)."""
    scales = np.ones(len(y)) if scales is None else scales
    half = np.full(len(y), np.nan)
    for _, test in folds:
        r = np.abs(y[test] - p[test]) / scales[test]
        m = len(r) - 1
        rank = math.ceil((m + 1) * level)
        order = np.sort(r)
        own = np.searchsorted(order, r, side="right") - 1
        q = np.where(rank - 1 < own, order[rank - 1], order[min(rank, m)])
        half[test] = q * scales[test]
    return half


def coverage(y, p, half):
    return {
        "coverage": float(np.mean(np.abs(y - p) <= half)),
        "meanWidth": float(np.mean(2 * half)),
    }


def distance_space(X, families):
    """Standardized, family-weighted coordinates factor (x * factor: Euclidean distance is D)."""
    mean, sd = X.mean(axis=0), X.std(axis=0)
    keep = sd > 1e-12 * np.maximum(1, np.abs(mean))
    kept = np.asarray(families)[keep]
    names, counts = np.unique(kept, return_counts=True)
    size = dict(zip(names, counts))
    weights = np.array([1 / (len(names) * size[f]) for f in kept])
    return keep, np.sqrt(weights) / sd[keep], mean[keep], sd[keep]


def adaptive(X, y, p, families, folds, level):
    """calibrateAdaptive: out-of-fold kNN novelty, normalized conformal, comparison by thirds."""
    d = np.full(len(y), np.nan)
    for train, test in folds:
        keep, factor, _, _ = distance_space(X[train], families)
        k = min(NEIGHBOURS, len(train) - 1)
        neighbours = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(
            X[train][:, keep] * factor
        )
        d[test] = neighbours.kneighbors(X[test][:, keep] * factor)[0].mean(axis=1)
    beta = float(np.median(d)) or 1.0
    scales = beta + d
    scores = np.abs(y - p) / scales
    constant = fold_conformal(y, p, folds, level)
    scaled = fold_conformal(y, p, folds, level, scales)
    order = np.argsort(d)
    thirds = np.array_split(order, [round(len(y) / 3), round(2 * len(y) / 3)])
    space = distance_space(X, families)
    return {
        "quantile": float(np.sort(scores)[math.ceil((len(y) + 1) * level) - 1]),
        "beta": beta,
        "domainThreshold": float(np.percentile(d, 99)),
        "constant": coverage(y, p, constant),
        "adaptive": coverage(y, p, scaled),
        "byNovelty": [
            {
                "constant": coverage(y[t], p[t], constant[t]),
                "adaptive": coverage(y[t], p[t], scaled[t]),
            }
            for t in thirds
        ],
        "space": {"keep": space[0], "factor": space[1], "rows": X[:, space[0]]},
    }, constant


def importance(models, X, y, families, folds, seed):
    """Each family's columns permuted together on each fold's held-out rows, REPEATS times.

    Every permuted copy of a fold's rows is stacked under the unpermuted ones and predicted in one
    call: scikit-learn's forests cost about as much per call as per hundred rows here.
    """
    rng = np.random.default_rng(seed)
    families = np.asarray(families)
    names = list(dict.fromkeys(families))
    increases = {name: [] for name in names}
    for model, (_, test) in zip(models, folds):
        Xtest, ytest = X[test], y[test]
        copies = [Xtest]
        for name in names:
            columns = np.flatnonzero(families == name)
            for _ in range(REPEATS):
                permuted = Xtest.copy()
                permuted[:, columns] = Xtest[rng.permutation(len(test))][:, columns]
                copies.append(permuted)
        predicted = model.predict(np.vstack(copies)).reshape(len(copies), len(test))
        baseline = rmse(ytest, predicted[0])
        for c, name in enumerate(np.repeat(names, REPEATS)):
            increases[name].append(rmse(ytest, predicted[c + 1]) - baseline)
    return {
        name: {"mean": float(np.mean(v)), "sd": float(np.std(v, ddof=1))}
        for name, v in increases.items()
    }


def learning_curve(candidate, X, y, folds, seed):
    rng = np.random.default_rng(seed)
    points = []
    for fraction in FRACTIONS:
        measured, predicted, size = [], [], 0
        for f, (train, test) in enumerate(folds):
            subset = rng.permutation(train)[: max(2, math.ceil(fraction * len(train)))]
            size += len(subset) / len(folds)
            model = candidate.fit(X[subset], y[subset], seed * 100 + f)
            predicted.append(model.predict(X[test]))
            measured.append(y[test])
        points.append(
            {
                "trainSize": round(size),
                "error": rmse(np.concatenate(measured), np.concatenate(predicted)),
            }
        )
    return points


def main():
    RDLogger.DisableLog("rdApp.*")
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--conditions", default="")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--learners", required=True)
    parser.add_argument("--search", action="store_true")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    conditions = [c for c in args.conditions.split(",") if c]
    seed = args.seed
    steps = {}
    clock = [time.perf_counter()]

    def step(name):
        now = time.perf_counter()
        steps[name] = now - clock[0]
        clock[0] = now

    smiles, y, condition_values = read_rows(args.data, args.target, conditions)
    step("read")
    X, groups, families = featurize(smiles)
    X = np.hstack([X, condition_values])
    families = families + ["conditions"] * len(conditions)
    step("featurize")
    folds = list(GroupKFold(FOLDS).split(X, y, groups))
    candidates = [Candidate(spec, families) for spec in json.loads(args.learners)]
    if args.search:
        chosen, scores = choose(candidates, X, y, folds, seed)
        full_rmse = min(scores)
        step("choosing")
        predictions, models, choices = nested(candidates, X, y, groups, folds, seed)
        step("nested")
    else:
        if len(candidates) != 1:
            raise SystemExit("native_pipeline.py: without --search, give exactly one learner")
        chosen, scores, choices = candidates[0], None, None
        predictions, models = cross_validate(chosen, X, y, folds, seed)
        full_rmse = rmse(y, predictions)
        step("cross-validation")
    metrics = cluster_bootstrap(y, predictions, groups, seed)
    step("summary")
    read_families = [families[j] for j in chosen.columns]
    calibration, half = adaptive(X[:, chosen.columns], y, predictions, read_families, folds, LEVEL)
    step("adaptive")
    families_importance = importance(models, X, y, families, folds, seed)
    step("importance")
    curve = learning_curve(chosen, X, y, folds, seed)
    curve.append(
        {"trainSize": round(sum(len(t) for t, _ in folds) / len(folds)), "error": full_rmse}
    )
    step("learning curve")
    final = chosen.fit(X, y, seed)
    step("final fit")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "model.pkl"), "wb") as handle:
        pickle.dump({"final": final, "families": chosen.families, "adaptive": calibration}, handle)
    with open(os.path.join(args.out, "oof.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["smiles", "measured", "predicted", "lower", "upper"])
        writer.writerows(zip(smiles, y, predictions, predictions - half, predictions + half))
    report = {
        "rows": len(y),
        "groups": len(set(groups)),
        "chosen": chosen.label(),
        "candidates": (
            None if scores is None else dict(zip((c.label() for c in candidates), scores))
        ),
        "nestedChoices": choices,
        "metrics": metrics,
        "intervals": {
            k: calibration[k]
            for k in ("quantile", "beta", "domainThreshold", "constant", "adaptive", "byNovelty")
        },
        "importance": families_importance,
        "learningCurve": curve,
    }
    with open(os.path.join(args.out, "report.json"), "w") as handle:
        json.dump(report, handle, indent=1)
    step("save")
    end = time.perf_counter()
    print(
        json.dumps(
            {
                "rows": len(y),
                "groups": report["groups"],
                "chosen": report["chosen"],
                "nestedChoices": choices,
                "mae": metrics["mae"]["value"],
                "rmse": metrics["rmse"]["value"],
                "importSeconds": IMPORTED - START,
                "workSeconds": end - IMPORTED,
                "steps": steps,
            }
        )
    )


if __name__ == "__main__":
    main()
