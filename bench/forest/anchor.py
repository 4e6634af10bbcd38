# The scikit-learn side of the forest benchmark (bench/forest/run.mjs), run with /usr/bin/python3
# (scikit-learn 1.2). Three commands:
#   anchor.py prepare DATA_DIR SEEDS   writes DATA_DIR/<set>.json: numeric features column-major, the target
#                                      (class indices or values) and one 75/25 split per seed (stratified
#                                      for classification), so both sides fit exactly the same rows
#   anchor.py prepare-binning DATA_DIR SEEDS   two versions of one make_classification set (50,000 x
#                                      20, 5 classes): continuous, and each feature cut into 200
#                                      equal-frequency levels (fewer than learnloop's 255 bins), to see
#                                      what binning costs a forest (bench/forest/binning.mjs)
#   anchor.py fit DATA_DIR OUT.json    RandomForestClassifier / Regressor on every split of every set in
#                                      DATA_DIR, n_jobs=1
#   anchor.py score DATA_DIR A.json B.json ...   accuracy, log loss, ROC AUC (binary), RMSE of each
#                                      side's predictions with sklearn.metrics, one JSON on stdout
#   anchor.py fixture OUT.json         the test fixture of src/models/forest/forest.test.ts: for
#                                      seattle-weather and penguins, the rows of the split of seed 0 (as
#                                      positions in vega's file) and scikit-learn's test accuracy and log
#                                      loss with random_state 0..9 on it
import json
import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split

VEGA = os.path.join(os.path.dirname(__file__), "..", "..", "node_modules", "vega-datasets", "data")


def seattle():
    df = pd.read_csv(os.path.join(VEGA, "seattle-weather.csv"))
    df["month"] = pd.to_datetime(df["date"]).dt.month
    X = df[["precipitation", "temp_max", "temp_min", "wind", "month"]]
    return X, df["weather"], "multiclass"


def penguins():
    df = pd.read_json(os.path.join(VEGA, "penguins.json")).dropna()
    df = df[df["Sex"].isin(["MALE", "FEMALE"])]
    X = df[["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"]].copy()
    # Categories as ordinal codes on both sides: the same numbers reach both forests.
    X["island"] = df["Island"].astype("category").cat.codes
    X["sex"] = (df["Sex"] == "MALE").astype(int)
    return X, df["Species"], "multiclass"


def bundled(loader, task):
    def load():
        d = loader(as_frame=True)
        return d.data, d.target, task
    return load


def boston():
    path = os.path.join(os.path.dirname(datasets.__file__), "data", "boston_house_prices.csv")
    df = pd.read_csv(path, skiprows=1)
    return df.drop(columns=["MEDV"]), df["MEDV"], "regression"


def synthetic():
    # A larger multiclass set than the bundled ones, where the fit time is the trees' and not the overhead.
    X, y = datasets.make_classification(n_samples=20000, n_features=20, n_informative=10, n_redundant=4, n_classes=5, n_clusters_per_class=2, flip_y=0.05, random_state=0)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(20)]), pd.Series(y), "multiclass"


SETS = {
    "seattle-weather": seattle,
    "penguins": penguins,
    "iris": bundled(datasets.load_iris, "multiclass"),
    "wine": bundled(datasets.load_wine, "multiclass"),
    "digits": bundled(datasets.load_digits, "multiclass"),
    "make-classification": synthetic,
    "breast-cancer": bundled(datasets.load_breast_cancer, "binary"),
    "diabetes": bundled(datasets.load_diabetes, "regression"),
    "boston": boston,
}


def prepare(data_dir, seeds, sets=None):
    os.makedirs(data_dir, exist_ok=True)
    for name, load in (sets or SETS).items():
        X, y, task = load()
        X = X.astype(float)
        if task == "regression":
            classes, codes = None, y.astype(float).to_numpy()
        else:
            classes, codes = np.unique(y.astype(str), return_inverse=True)
            classes = [str(c) for c in classes]
        rows = np.arange(len(X))
        splits = []
        for seed in seeds:
            train, test = train_test_split(rows, test_size=0.25, random_state=seed, stratify=None if task == "regression" else codes)
            splits.append({"seed": seed, "train": train.tolist(), "test": test.tolist()})
        doc = {"name": name, "task": task, "classes": classes, "features": [str(c) for c in X.columns],
               "columns": [X[c].tolist() for c in X.columns], "y": np.asarray(codes, dtype=float).tolist(), "splits": splits}
        with open(os.path.join(data_dir, f"{name}.json"), "w") as f:
            json.dump(doc, f)


def load_set(path):
    with open(path) as f:
        doc = json.load(f)
    return doc, np.array(doc["columns"]).T, np.array(doc["y"])


def binning_sets():
    X, y = datasets.make_classification(n_samples=50000, n_features=20, n_informative=10, n_redundant=4, n_classes=5, n_clusters_per_class=2, flip_y=0.05, random_state=1)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(20)])
    levels = frame.rank(method="first").sub(1).mul(200 / len(frame)).apply(np.floor).div(200)
    return {"binning-continuous": lambda: (frame, pd.Series(y), "multiclass"),
            "binning-200-levels": lambda: (levels, pd.Series(y), "multiclass")}


def fit(data_dir, out_path):
    out = {}
    for name in sorted(f[:-5] for f in os.listdir(data_dir) if f.endswith(".json")):
        doc, X, y = load_set(os.path.join(data_dir, f"{name}.json"))
        runs = []
        for split in doc["splits"]:
            train, test = np.array(split["train"]), np.array(split["test"])
            common = dict(n_estimators=100, min_samples_leaf=1, bootstrap=True, random_state=split["seed"], n_jobs=1)
            if doc["task"] == "regression":
                model = RandomForestRegressor(max_features=1.0, **common)
            else:
                model = RandomForestClassifier(max_features="sqrt", **common)
            start = time.perf_counter()
            model.fit(X[train], y[train])
            seconds = time.perf_counter() - start
            prediction = model.predict(X[test]) if doc["task"] == "regression" else model.predict_proba(X[test])
            runs.append({"seed": split["seed"], "fitSeconds": seconds, "prediction": np.asarray(prediction).ravel().tolist()})
        out[name] = runs
        print(f"  sklearn {name}: {np.median([r['fitSeconds'] for r in runs]):.3f} s", file=sys.stderr)
    with open(out_path, "w") as f:
        json.dump(out, f)


def score(data_dir, paths):
    result = {}
    for path in paths:
        with open(path) as f:
            side = json.load(f)
        scores = {}
        for name, runs in side.items():
            doc, _, y = load_set(os.path.join(data_dir, f"{name}.json"))
            per_run = []
            for run, split in zip(runs, doc["splits"]):
                y_test = y[np.array(split["test"])]
                p = np.array(run["prediction"])
                s = {"fitSeconds": run["fitSeconds"]}
                if doc["task"] == "regression":
                    s["rmse"] = float(np.sqrt(mean_squared_error(y_test, p)))
                else:
                    k = len(doc["classes"])
                    proba = p.reshape(len(y_test), k)
                    s["accuracy"] = float(accuracy_score(y_test, proba.argmax(axis=1)))
                    s["logLoss"] = float(log_loss(y_test, proba, labels=list(range(k))))
                    if k == 2:
                        s["rocAuc"] = float(roc_auc_score(y_test, proba[:, 1]))
                per_run.append(s)
            scores[name] = {"task": doc["task"], "rows": len(y), "features": len(doc["features"]),
                            "classes": len(doc["classes"]) if doc["classes"] else None, "runs": per_run}
        result[path] = scores
    print(json.dumps(result))


def fixture(out_path):
    doc = {}
    for name in ["seattle-weather", "penguins"]:
        X, y, _ = SETS[name]()
        classes, codes = np.unique(y.astype(str), return_inverse=True)
        positions = X.index.to_numpy()
        train, test = train_test_split(np.arange(len(X)), test_size=0.25, random_state=0, stratify=codes)
        accuracies, losses = [], []
        for state in range(10):
            model = RandomForestClassifier(n_estimators=100, max_features="sqrt", min_samples_leaf=1, bootstrap=True, random_state=state, n_jobs=1)
            model.fit(X.to_numpy(dtype=float)[train], codes[train])
            proba = model.predict_proba(X.to_numpy(dtype=float)[test])
            accuracies.append(float(accuracy_score(codes[test], proba.argmax(axis=1))))
            losses.append(float(log_loss(codes[test], proba, labels=list(range(len(classes))))))
        doc[name] = {"features": [str(c) for c in X.columns], "classes": [str(c) for c in classes],
                     "train": positions[train].tolist(), "test": positions[test].tolist(),
                     "sklearnAccuracy": accuracies, "sklearnLogLoss": losses,
                     "sklearnAccuracyMean": float(np.mean(accuracies)), "sklearnLogLossMean": float(np.mean(losses))}
    with open(out_path, "w") as f:
        json.dump(doc, f)
        f.write("\n")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "prepare":
        prepare(sys.argv[2], [int(s) for s in sys.argv[3].split(",")])
    elif command == "prepare-binning":
        prepare(sys.argv[2], [int(s) for s in sys.argv[3].split(",")], binning_sets())
    elif command == "fit":
        fit(sys.argv[2], sys.argv[3])
    elif command == "score":
        score(sys.argv[2], sys.argv[3:])
    elif command == "fixture":
        fixture(sys.argv[2])
