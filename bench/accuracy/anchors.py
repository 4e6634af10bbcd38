"""Anchors and scoring of the accuracy benchmark, for one data set (bench/accuracy/run.mjs calls it).

Trains XGBoost 1.7 (XGBClassifier / XGBRegressor, tree_method="hist", everything else default) and
scikit-learn 1.2 HistGradientBoostingClassifier / Regressor (defaults) on DIR/train.csv, and scores them and
learnloop's predictions of DIR/test.csv (a CSV written by `learnloop predict`) with the same sklearn metric
code. Prints one JSON document.

How each tool is called, as a user of its defaults would:
- Text columns: XGBoost gets them as pandas "category" columns with enable_categorical=True (its native
  categorical splits; the test set is given the training categories, unseen ones become missing).
  HistGradientBoosting (1.2 has no categorical_features="from_dtype") gets them through an OrdinalEncoder
  (unknown and missing -> NaN) and categorical_features= a mask of those columns (all have <= 255 levels).
  learnloop reads the CSV itself and infers which columns are categorical.
- Missing values: left as NaN for both (both handle them natively).
- Labels: encoded 0..K-1 with a LabelEncoder fitted on train (XGBoost 1.7 needs it).
- random_state=0 for HistGradientBoosting (only its early-stopping split, used above 10,000 rows, is random)
  so that runs repeat; XGBoost's default seed is already fixed.

usage: /usr/bin/python3 bench/accuracy/anchors.py DIR LEARNLOOP_PREDICTIONS.csv [--no-anchors]
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
import sklearn
import xgboost as xgb
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, log_loss, mean_absolute_error, mean_squared_error, r2_score, roc_auc_score
from sklearn.preprocessing import LabelEncoder, OrdinalEncoder

warnings.filterwarnings("ignore")
data_dir, learnloop_csv = sys.argv[1], sys.argv[2]
with_anchors = "--no-anchors" not in sys.argv[3:]
meta = json.load(open(os.path.join(data_dir, "meta.json")))
task = meta["task"]
train = pd.read_csv(os.path.join(data_dir, "train.csv"))
test = pd.read_csv(os.path.join(data_dir, "test.csv"))
features = [c for c in train.columns if c != "target"]
text = [c for c in features if train[c].dtype == object or test[c].dtype == object]

if task == "regression":
    y_train, y_test, classes = train["target"].to_numpy(float), test["target"].to_numpy(float), None
else:
    labels = LabelEncoder().fit(train["target"].astype(str))
    classes = list(labels.classes_)
    y_train, y_test = labels.transform(train["target"].astype(str)), labels.transform(test["target"].astype(str))


def metrics(pred):
    """pred: regression -> predicted values; classification -> probabilities, columns in `classes` order."""
    if task == "regression":
        return {"rmse": float(np.sqrt(mean_squared_error(y_test, pred))), "mae": float(mean_absolute_error(y_test, pred)), "r2": float(r2_score(y_test, pred))}
    proba = np.clip(pred, 1e-15, 1)
    out = {"accuracy": float(accuracy_score(y_test, pred.argmax(axis=1))), "log_loss": float(log_loss(y_test, proba / proba.sum(axis=1, keepdims=True), labels=range(len(classes))))}
    if task == "binary":
        out = {"roc_auc": float(roc_auc_score(y_test, pred[:, 1])), **out}
    return out


ll = pd.read_csv(learnloop_csv)
if task == "regression":
    ll_pred = ll["prediction"].to_numpy(float)
else:
    ll_pred = np.column_stack([ll[f"proba_{c}"].to_numpy(float) for c in classes])
result = {"learnloop": {"metrics": metrics(ll_pred)}}

if with_anchors:
    # XGBoost: text columns as pandas categoricals with the training categories.
    def xgb_frame(frame):
        out = frame[features].copy()
        for c in text:
            out[c] = pd.Categorical(frame[c].astype("string"), categories=sorted(train[c].dropna().astype(str).unique()))
        return out

    X_train_xgb, X_test_xgb = xgb_frame(train), xgb_frame(test)
    common = {"tree_method": "hist", "enable_categorical": True}
    model = xgb.XGBRegressor(**common) if task == "regression" else xgb.XGBClassifier(**common)
    started = time.perf_counter()
    model.fit(X_train_xgb, y_train)
    fit_seconds = time.perf_counter() - started
    pred = model.predict(X_test_xgb) if task == "regression" else model.predict_proba(X_test_xgb)
    result["xgboost"] = {"metrics": metrics(pred), "fitSeconds": fit_seconds, "version": xgb.__version__}

    # HistGradientBoosting: text columns ordinal-encoded, declared categorical.
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan)
    def hgb_frame(frame, fit=False):
        X = frame[features].copy()
        if text:
            values = frame[text].apply(lambda column: column.map(lambda v: str(v) if pd.notna(v) else np.nan))
            X[text] = encoder.fit_transform(values) if fit else encoder.transform(values)
        return X.to_numpy(float)

    X_train_hgb = hgb_frame(train, fit=True)
    X_test_hgb = hgb_frame(test)
    mask = [c in text for c in features] if text else None
    cls = HistGradientBoostingRegressor if task == "regression" else HistGradientBoostingClassifier
    model = cls(categorical_features=mask, random_state=0)
    started = time.perf_counter()
    model.fit(X_train_hgb, y_train)
    fit_seconds = time.perf_counter() - started
    pred = model.predict(X_test_hgb) if task == "regression" else model.predict_proba(X_test_hgb)
    result["hgb"] = {"metrics": metrics(pred), "fitSeconds": fit_seconds, "version": sklearn.__version__, "iterations": int(model.n_iter_)}
print(json.dumps(result))
