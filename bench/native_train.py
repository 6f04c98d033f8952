"""scikit-learn anchor for bench/train.mjs: the same rows, the same learner settings, one core.

    python native_train.py SETS.json SET LEARNER PARAMS_JSON SEED MIN_SECONDS
    python native_train.py --versions

Fits LEARNER (kernel-lib's name) with kernel-lib's PARAMS mapped to scikit-learn, once on the first
50 rows as a warm-up, then times fits until MIN_SECONDS have passed (at least one) and prints JSON:
seconds per fit, the held-out RMSE of the last fit, and for the MLP ensemble the epochs it ran
(summed over members).

The mapping, and what differs:
  ridge          StandardScaler + Ridge(alpha): the same objective (population standard
                 deviations, unpenalized intercept) and the same closed form (Cholesky); the same
                 predictions up to rounding.
  random-forest  RandomForestRegressor and ExtraTreesRegressor with the same trees, max_features
  extra-trees    (kernel-lib's fraction, or whole number of columns), max_depth, min_samples_split,
                 min_samples_leaf and bootstrap, n_jobs=1: kernel-lib's tree ensembles follow
                 scikit-learn's rules (per-split column draws, midpoint or uniform cuts, squared
                 error), so only the random streams differ.
  gradient-boosting
                 HistGradientBoostingRegressor with the same learning_rate, max_iter,
                 max_leaf_nodes, max_depth, min_samples_leaf, l2_regularization, max_bins,
                 max_features, early_stopping ('auto', true or false), validation_fraction,
                 n_iter_no_change and tol (one OpenMP thread, from OMP_NUM_THREADS). kernel-lib
                 follows its rules (binning, split gain, leaf-wise growth, float32 gradients), so
                 without early stopping and with max_features 1 (the defaults below 10,000 rows)
                 both build the same trees and predictions; otherwise only the random streams
                 differ.
  mlp-ensemble   `members` MLPRegressor(hidden_layer_sizes, relu, adam, batch_size,
                 learning_rate_init, max_iter=epochs, early_stopping with validation_fraction and
                 n_iter_no_change=patience, tol=0, best weights kept), seeds seed + member, on
                 standardized inputs and target like kernel-lib. Penalty: kernel-lib adds
                 l2 * sum(W^2) to the batch MSE; scikit-learn minimizes MSE/2 + alpha/(2 batch) *
                 sum(W^2), the same objective for alpha = l2 * batch_size. Differences:
                 scikit-learn initializes every layer Glorot-uniform (kernel-lib: He-normal hidden,
                 Glorot-uniform output), scores the validation rows by R^2 (ranks epochs as the
                 MSE does), holds out ceil rather than floor of the fraction, and uses Adam's
                 epsilon 1e-8 (kernel-lib: TensorFlow.js's 1e-7). kernel-lib trains its members
                 together, each as it would alone (same seeds, splits, batch orders, early stopping).
"""

import json
import math
import sys
import time
import warnings

WARM_UP_ROWS = 50


def make(learner, params, seed):
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if learner == "ridge":
        return make_pipeline(StandardScaler(), Ridge(alpha=params["alpha"]))
    if learner in ("random-forest", "extra-trees"):
        fraction = params["maxFeatures"]
        Forest = RandomForestRegressor if learner == "random-forest" else ExtraTreesRegressor
        return Forest(
            n_estimators=params["trees"],
            # kernel-lib reads 1 as "all columns"; scikit-learn reads the int 1 as one column.
            max_features=float(fraction) if fraction <= 1 else int(fraction),
            max_depth=params["maxDepth"],
            min_samples_split=params["minSamplesSplit"],
            min_samples_leaf=params["minSamplesLeaf"],
            bootstrap=params["bootstrap"],
            n_jobs=1,
            random_state=seed,
        )
    if learner == "gradient-boosting":
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor(
            learning_rate=params["learningRate"],
            max_iter=params["maxIter"],
            max_leaf_nodes=params["maxLeafNodes"],
            max_depth=params["maxDepth"],
            min_samples_leaf=params["minSamplesLeaf"],
            l2_regularization=params["l2Regularization"],
            max_bins=params["maxBins"],
            # A float: scikit-learn refuses the int 1 for this fraction.
            max_features=float(params["maxFeatures"]),
            early_stopping=params["earlyStopping"],
            validation_fraction=params["validationFraction"],
            n_iter_no_change=params["nIterNoChange"],
            tol=params["tol"],
            random_state=seed,
        )
    if learner == "mlp-ensemble":
        return MlpEnsemble(params, seed)
    raise SystemExit(f"native_train.py: unknown learner {learner!r}")


class MlpEnsemble:
    """Members trained one after another on standardized inputs and target; predicts their mean."""

    def __init__(self, params, seed):
        self.params = params
        self.seed = seed

    def fit(self, X, y):
        from sklearn.neural_network import MLPRegressor
        from sklearn.preprocessing import StandardScaler

        p = self.params
        self.x_scaler = StandardScaler().fit(X)
        self.y_mean = float(y.mean())
        self.y_scale = float(y.std()) or 1.0
        Z = self.x_scaler.transform(X)
        t = (y - self.y_mean) / self.y_scale
        self.members = []
        for m in range(p["members"]):
            member = MLPRegressor(
                hidden_layer_sizes=tuple(p["hiddenUnits"]),
                activation="relu",
                solver="adam",
                alpha=p["l2"] * p["batchSize"],
                batch_size=p["batchSize"],
                learning_rate_init=p["learningRate"],
                max_iter=p["epochs"],
                shuffle=True,
                early_stopping=p["validationFraction"] > 0,
                validation_fraction=p["validationFraction"] or 0.1,
                n_iter_no_change=p["patience"],
                tol=0.0,
                random_state=self.seed + m,
            )
            with warnings.catch_warnings():
                # Reaching max_iter is the plan, not a failure (kernel-lib also stops there).
                warnings.simplefilter("ignore")
                member.fit(Z, t)
            self.members.append(member)
        return self

    def predict(self, X):
        Z = self.x_scaler.transform(X)
        mean = sum(m.predict(Z) for m in self.members) / len(self.members)
        return self.y_mean + self.y_scale * mean

    def epochs(self):
        """Epochs run, summed over the members (early stopping decides how many)."""
        return sum(m.n_iter_ for m in self.members)


def main():
    if sys.argv[1] == "--versions":
        import numpy
        import sklearn

        print(
            json.dumps(
                {
                    "sklearn": sklearn.__version__,
                    "numpy": numpy.__version__,
                    "python": sys.version.split()[0],
                }
            )
        )
        return
    import numpy as np

    path, name, learner, params, seed, min_seconds = sys.argv[1:7]
    params, seed, min_seconds = json.loads(params), int(seed), float(min_seconds)
    data = json.load(open(path))[name]
    X = np.array(data["train"]["X"], dtype=float)
    y = np.array(data["train"]["y"], dtype=float)
    X_test = np.array(data["test"]["X"], dtype=float)
    y_test = np.array(data["test"]["y"], dtype=float)

    # Warm-up on the first rows, as kernel-lib's side does: lazy imports and first-call caches.
    make(learner, params, seed).fit(X[:WARM_UP_ROWS], y[:WARM_UP_ROWS])
    fits = 0
    start = time.perf_counter()
    while True:
        model = make(learner, params, seed).fit(X, y)
        fits += 1
        if time.perf_counter() - start >= min_seconds:
            break
    seconds = (time.perf_counter() - start) / fits
    predicted = model.predict(X_test)
    rmse = math.sqrt(float(((predicted - y_test) ** 2).mean()))
    epochs = model.epochs() if hasattr(model, "epochs") else None
    print(json.dumps({"seconds": seconds, "rmse": rmse, "epochs": epochs}))


if __name__ == "__main__":
    main()
