"""Anchors of bench/highcard for one prepared set: XGBoost 1.7 (tree_method="hist", enable_categorical=True,
otherwise defaults) and scikit-learn 1.2 HistGradientBoosting (defaults), trained on DIR/train.csv and scored on
DIR/test.csv (ROC AUC for binary, accuracy for multiclass, RMSE for regression). Text columns are categories: XGBoost gets them as pandas
"category" columns (test given the training categories; unseen ones become missing). HistGradientBoosting 1.2
refuses a categorical feature of more than 255 levels (max_bins), so such a column is given to it as the ordinal
code of the category (sorted order, unknown -> NaN) as a numeric feature, as its users must; columns of at most 255
levels are categorical_features. Prints one JSON document.

usage: /usr/bin/python3 bench/highcard/anchors.py DIR
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
from sklearn.preprocessing import LabelEncoder, OrdinalEncoder

warnings.filterwarnings("ignore")
data_dir = sys.argv[1]
meta = json.load(open(os.path.join(data_dir, "meta.json")))
task = meta["task"]
train = pd.read_csv(os.path.join(data_dir, "train.csv"))
test = pd.read_csv(os.path.join(data_dir, "test.csv"))
y_train, y_test = train.pop("target"), test.pop("target")
if task != "regression":
    labels = LabelEncoder().fit(y_train)
    y_train, y_test = labels.transform(y_train), labels.transform(y_test)
text = [c for c in train.columns if train[c].dtype == object]


def score(pred):
    if task == "binary":
        return {"roc_auc": float(roc_auc_score(y_test, pred))}
    if task == "multiclass":
        return {"accuracy": float(accuracy_score(y_test, pred))}
    return {"rmse": float(np.sqrt(mean_squared_error(y_test, pred)))}


out = {"levels": {c: int(train[c].nunique()) for c in text}}
xtr, xte = train.copy(), test.copy()
for c in text:
    xtr[c] = xtr[c].astype("category")
    xte[c] = pd.Categorical(xte[c], categories=xtr[c].cat.categories)
model = (xgb.XGBRegressor if task == "regression" else xgb.XGBClassifier)(tree_method="hist", enable_categorical=True)
t0 = time.perf_counter()
model.fit(xtr, y_train)
fit = time.perf_counter() - t0
pred = model.predict_proba(xte)[:, 1] if task == "binary" else model.predict(xte)
out["xgboost"] = {**score(pred), "fit_s": fit}

htr, hte = train.copy(), test.copy()
if text:
    enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan)
    htr[text] = enc.fit_transform(htr[text].astype(str).where(htr[text].notna(), None))
    hte[text] = enc.transform(hte[text].astype(str).where(hte[text].notna(), None))
mask = [c in text and train[c].nunique() <= 255 for c in train.columns]
model = (HistGradientBoostingRegressor if task == "regression" else HistGradientBoostingClassifier)(
    categorical_features=mask if any(mask) else None, random_state=0)
t0 = time.perf_counter()
model.fit(htr.astype(float), y_train)
fit = time.perf_counter() - t0
pred = model.predict_proba(hte.astype(float))[:, 1] if task == "binary" else model.predict(hte.astype(float))
out["hgb"] = {**score(pred), "fit_s": fit, "ordinal_numeric": [c for c, m in zip(train.columns, mask) if c in text and not m]}
print(json.dumps(out))
