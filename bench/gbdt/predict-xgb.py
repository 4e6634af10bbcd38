"""Predicts the whole test set with a saved XGBoost booster and prints one JSON line: the wall and CPU seconds
of each of REPEAT predictions (its DMatrix included, as bench/gbdt/xgb.py times it).

usage: /usr/bin/python3 bench/gbdt/predict-xgb.py DATA_DIR MODEL_FILE NAME THREADS [REPEAT]
"""
import json
import os
import sys
import time

import numpy as np
import xgboost as xgb

data_dir, model_file, name, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
repeat = int(sys.argv[5]) if len(sys.argv) > 5 else 3
meta = json.load(open(os.path.join(data_dir, "meta.json")))
specs = meta.get("features") or [{"name": f"f{i}", "kind": "numeric"} for i in range(meta["nFeatures"])]
n = meta["nTest"]
n_numeric = sum(s["kind"] == "numeric" for s in specs)
n_categorical = len(specs) - n_numeric
X = np.fromfile(os.path.join(data_dir, "X_test.f64"), dtype="<f8").reshape(n_numeric, n).T
if n_categorical:
    import pandas as pd
    C = np.fromfile(os.path.join(data_dir, "C_test.i32"), dtype="<i4").reshape(n_categorical, n)
    columns, i_num, i_cat = {}, 0, 0
    for spec in specs:
        if spec["kind"] == "numeric":
            columns[spec["name"]] = X[:, i_num]
            i_num += 1
        else:
            columns[spec["name"]] = pd.Categorical.from_codes(C[i_cat], categories=spec["categories"])
            i_cat += 1
    X = pd.DataFrame(columns)
booster = xgb.Booster({"nthread": threads})
booster.load_model(model_file)
wall, cpu = [], []
for _ in range(repeat):
    start, cpu_start = time.perf_counter(), time.process_time()
    proba = booster.predict(xgb.DMatrix(X, nthread=threads, enable_categorical=n_categorical > 0))
    wall.append(time.perf_counter() - start)
    cpu.append(time.process_time() - cpu_start)
print(json.dumps({"name": f"xgboost {xgb.__version__} hist {name}, {threads} thread{'s' if threads > 1 else ''}", "wall": wall, "cpu": cpu, "meanP1": float(proba.mean())}))
