"""Second step of the accuracy benchmark's data preparation (bench/accuracy/prepare.mjs runs it).

Reads the CSVs exported from R (RAW_DIR/*.csv, label "target"), adds scikit-learn's bundled data sets and
vega-datasets' penguins, cars, seattle-weather and the flights sample, and writes for each data set
OUT_DIR/<name>/train.csv, test.csv and meta.json: ONE split, 75/25, train_test_split(random_state=0),
stratified for classification, so every tool sees the same rows. Text columns stay text.

With --split-seed N (N != 0) the split uses random_state=N instead, for checking that a difference is not the
luck of one split (run.mjs --split-seed N reads OUT_DIR/seed-N/).

usage: /usr/bin/python3 bench/accuracy/prepare.py RAW_DIR VEGA_DATA_DIR OUT_DIR [--split-seed N] [name...]
"""
import json
import os
import sys

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.model_selection import train_test_split

raw_dir, vega_dir, out_dir = sys.argv[1:4]

# name -> (task, source, frame loader)
SETS = {}


def raw(name, task, source):
    SETS[name] = (task, source, lambda: pd.read_csv(os.path.join(raw_dir, f"{name}.csv")))


raw("pima_diabetes", "binary", "mlbench PimaIndiansDiabetes2")
raw("breast_cancer_wisc", "binary", "mlbench BreastCancer")
raw("sonar", "binary", "mlbench Sonar")
raw("ionosphere", "binary", "mlbench Ionosphere")
raw("house_votes", "binary", "mlbench HouseVotes84")
raw("credit_data", "binary", "modeldata credit_data")
raw("attrition", "binary", "modeldata attrition")
raw("mlc_churn", "binary", "modeldata mlc_churn")
raw("glass", "multiclass", "mlbench Glass")
raw("vehicle", "multiclass", "mlbench Vehicle")
raw("satellite", "multiclass", "mlbench Satellite")
raw("soybean", "multiclass", "mlbench Soybean")
raw("letter", "multiclass", "mlbench LetterRecognition")
raw("hpc_data", "multiclass", "modeldata hpc_data")
raw("boston_housing", "regression", "mlbench BostonHousing")
raw("ozone", "regression", "mlbench Ozone")
raw("servo", "regression", "mlbench Servo")
raw("ames", "regression", "modeldata ames")
raw("concrete", "regression", "modeldata concrete")
raw("sacramento", "regression", "modeldata Sacramento")


def bundled(loader):
    def load():
        bunch = loader(as_frame=True)
        frame = bunch.frame.copy()
        frame = frame.rename(columns={bunch.target.name: "target"})
        return frame
    return load


SETS["sk_breast_cancer"] = ("binary", "sklearn load_breast_cancer", bundled(datasets.load_breast_cancer))
SETS["sk_digits"] = ("multiclass", "sklearn load_digits", bundled(datasets.load_digits))
SETS["sk_diabetes"] = ("regression", "sklearn load_diabetes (unscaled: scaled=False)", lambda: bundled(lambda as_frame: datasets.load_diabetes(as_frame=as_frame, scaled=False))())


def penguins():
    frame = pd.read_json(os.path.join(vega_dir, "penguins.json"))
    frame["Sex"] = frame["Sex"].replace(".", np.nan)
    return frame.rename(columns={"Species": "target"})


def cars():
    frame = pd.read_json(os.path.join(vega_dir, "cars.json"), convert_dates=False)
    frame["Year"] = frame["Year"].str.slice(0, 4).astype(int)
    frame = frame.drop(columns=["Name"]).rename(columns={"Miles_per_Gallon": "target"})
    return frame[frame["target"].notna()]


def seattle_weather():
    frame = pd.read_csv(os.path.join(vega_dir, "seattle-weather.csv"))
    frame.insert(0, "month", frame["date"].str.slice(5, 7).astype(int))
    return frame.drop(columns=["date"]).rename(columns={"weather": "target"})


SETS["penguins"] = ("multiclass", "vega-datasets penguins.json (Sex '.' as missing)", penguins)
SETS["seattle_weather"] = ("multiclass", "vega-datasets seattle-weather.csv (+ month)", seattle_weather)
SETS["cars"] = ("regression", "vega-datasets cars.json (Year as a number; Name dropped)", cars)
SETS["flights_200k"] = ("binary", "vega-datasets flights-3m.parquet, 200k-row seeded sample, delay > 15", lambda: pd.read_csv(os.path.join(raw_dir, "flights_200k.csv")))

rest = sys.argv[4:]
split_seed = 0
if "--split-seed" in rest:
    i = rest.index("--split-seed")
    split_seed = int(rest[i + 1])
    del rest[i:i + 2]
    if split_seed != 0:
        out_dir = os.path.join(out_dir, f"seed-{split_seed}")
only = set(rest)
for name, (task, source, load) in SETS.items():
    if only and name not in only:
        continue
    frame = load().reset_index(drop=True)
    # Column names that differ only in case (mlbench Vehicle's Sc.Var.Maxis and Sc.Var.maxis: major and minor
    # axis) are one name to SQL, and learnloop refuses such a header: the later one gets a suffix _2.
    seen = {}
    names = []
    for c in frame.columns:
        k = str(c).lower()
        seen[k] = seen.get(k, 0) + 1
        names.append(c if seen[k] == 1 else f"{c}_{seen[k]}")
    frame.columns = names
    frame = frame[[c for c in frame.columns if c != "target"] + ["target"]]
    y = frame["target"]
    stratify = None if task == "regression" else y
    train, test = train_test_split(frame, test_size=0.25, random_state=split_seed, stratify=stratify)
    where = os.path.join(out_dir, name)
    os.makedirs(where, exist_ok=True)
    train.to_csv(os.path.join(where, "train.csv"), index=False)
    test.to_csv(os.path.join(where, "test.csv"), index=False)
    features = [c for c in frame.columns if c != "target"]
    text = [c for c in features if frame[c].dtype == object]
    meta = {
        "name": name, "task": task, "source": source, "rows": len(frame), "train": len(train), "test": len(test),
        "features": len(features), "textFeatures": text,
        "missingCells": int(frame[features].isna().sum().sum()),
        "classes": None if task == "regression" else int(y.nunique()), "splitSeed": split_seed,
    }
    with open(os.path.join(where, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"{name:20s} {task:10s} {len(frame):7d} rows {len(features):4d} features ({len(text)} text), {meta['missingCells']} missing cells")
