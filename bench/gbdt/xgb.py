"""Trains XGBoost 1.7 (hist) on the benchmark data and prints one JSON line: fit seconds (DMatrix
construction, i.e. its quantile sketch, included, as learnloop's binning is), prediction seconds of the
test set (its DMatrix included, as learnloop's prediction starts from the columns), test ROC AUC, peak RSS.

usage: /usr/bin/python3 bench/gbdt/xgb.py DATA_DIR depthwise|lossguide ROUNDS THREADS
"""
import json
import os
import resource
import sys
import time

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score

data_dir, policy, rounds, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
meta = json.load(open(os.path.join(data_dir, "meta.json")))
specs = meta.get("features") or [{"name": f"f{i}", "kind": "numeric"} for i in range(meta["nFeatures"])]
n_numeric = sum(s["kind"] == "numeric" for s in specs)
n_categorical = len(specs) - n_numeric
def load(name, n):
    """Numeric columns as float64; categorical ones as pandas categoricals (XGBoost's native categorical splits)."""
    y = np.fromfile(os.path.join(data_dir, f"y_{name}.f64"), dtype="<f8")
    X = np.fromfile(os.path.join(data_dir, f"X_{name}.f64"), dtype="<f8").reshape(n_numeric, n).T
    if n_categorical == 0:
        return X, y
    import pandas as pd
    C = np.fromfile(os.path.join(data_dir, f"C_{name}.i32"), dtype="<i4").reshape(n_categorical, n)
    columns, i_num, i_cat = {}, 0, 0
    for spec in specs:
        if spec["kind"] == "numeric":
            columns[spec["name"]] = X[:, i_num]
            i_num += 1
        else:
            columns[spec["name"]] = pd.Categorical.from_codes(C[i_cat], categories=spec["categories"])
            i_cat += 1
    return pd.DataFrame(columns), y
X_train, y_train = load("train", meta["nTrain"])
X_test, y_test = load("test", meta["nTest"])
params = {"objective": "binary:logistic", "tree_method": "hist", "eta": 0.1, "max_bin": 256, "nthread": threads, "seed": 0}
if policy == "depthwise":
    params.update(grow_policy="depthwise", max_depth=5)
else:
    params.update(grow_policy="lossguide", max_leaves=31, max_depth=0)
start = time.perf_counter()
cpu_start = time.process_time()
dtrain = xgb.DMatrix(X_train, label=y_train, nthread=threads, enable_categorical=n_categorical > 0)
booster = xgb.train(params, dtrain, num_boost_round=rounds)
fit_seconds = time.perf_counter() - start
fit_cpu_seconds = time.process_time() - cpu_start
if os.environ.get("XGB_SAVE_MODEL"):  # keep the booster for the prediction benchmark (bench/gbdt/predict.mjs)
    booster.save_model(os.environ["XGB_SAVE_MODEL"])
start = time.perf_counter()
proba = booster.predict(xgb.DMatrix(X_test, nthread=threads, enable_categorical=n_categorical > 0))
predict_seconds = time.perf_counter() - start
auc = roc_auc_score(y_test, proba)
print(json.dumps({"name": f"xgboost {xgb.__version__} hist {policy}" + (" depth 5" if policy == "depthwise" else " 31 leaves"), "fitSeconds": fit_seconds, "fitCpuSeconds": fit_cpu_seconds, "predictSeconds": predict_seconds, "auc": auc, "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
