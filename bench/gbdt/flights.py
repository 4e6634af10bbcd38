"""Prepares the flights benchmark once: bench/data/flights-3m.csv -> delayed = delay > 15, features month,
day of month, day of week, hour, distance (numeric) and origin, destination (categorical), split 80/20
(train_test_split, random_state=42, stratified), written as raw little-endian files: numeric features
column-major float64 (X_*.f64), category codes column-major int32 (C_*.i32, -1 missing), y as float64.

usage: /usr/bin/python3 bench/gbdt/flights.py CSV OUT_DIR
"""
import json
import os
import sys

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

csv, out_dir = sys.argv[1], sys.argv[2]
os.makedirs(out_dir, exist_ok=True)
df = pd.read_csv(csv, parse_dates=["date"])
y = (df["delay"] > 15).astype("f8").to_numpy()
numeric = pd.DataFrame({
    "month": df["date"].dt.month, "day_of_month": df["date"].dt.day, "day_of_week": df["date"].dt.dayofweek,
    "hour": df["date"].dt.hour, "distance": df["distance"],
}).astype("f8")
categorical = {name: df[name].astype("category") for name in ("origin", "destination")}
codes = pd.DataFrame({name: col.cat.codes.astype("i4") for name, col in categorical.items()})
idx_train, idx_test = train_test_split(np.arange(len(y)), test_size=0.2, random_state=42, stratify=y)
for part, idx in (("train", idx_train), ("test", idx_test)):
    numeric.to_numpy()[idx].T.astype("<f8").tofile(os.path.join(out_dir, f"X_{part}.f64"))
    codes.to_numpy()[idx].T.astype("<i4").tofile(os.path.join(out_dir, f"C_{part}.i32"))
    y[idx].astype("<f8").tofile(os.path.join(out_dir, f"y_{part}.f64"))
features = [{"name": n, "kind": "numeric"} for n in numeric.columns] + [
    {"name": n, "kind": "categorical", "categories": [str(c) for c in col.cat.categories]} for n, col in categorical.items()]
with open(os.path.join(out_dir, "meta.json"), "w") as f:
    json.dump({"nTrain": len(idx_train), "nTest": len(idx_test), "nFeatures": len(features), "features": features}, f)
