"""Generates the GBDT benchmark data once: scikit-learn's make_classification 1M x 28 (14 informative,
random_state=0), split 80/20 (train_test_split, random_state=42, stratified), written as raw float64
little-endian files: X column-major (feature after feature), y as 0/1.

usage: /usr/bin/python3 bench/gbdt/data.py OUT_DIR N_ROWS
"""
import json
import os
import sys

import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

out_dir, n_rows = sys.argv[1], int(sys.argv[2])
os.makedirs(out_dir, exist_ok=True)
X, y = make_classification(n_samples=n_rows, n_features=28, n_informative=14, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)
for name, X_part, y_part in (("train", X_train, y_train), ("test", X_test, y_test)):
    np.asfortranarray(X_part, dtype="<f8").T.tofile(os.path.join(out_dir, f"X_{name}.f64"))
    y_part.astype("<f8").tofile(os.path.join(out_dir, f"y_{name}.f64"))
with open(os.path.join(out_dir, "meta.json"), "w") as f:
    json.dump({"nTrain": len(y_train), "nTest": len(y_test), "nFeatures": X.shape[1]}, f)
