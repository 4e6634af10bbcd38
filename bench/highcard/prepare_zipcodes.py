"""The zipcodes-county set for bench/highcard (multiclass): the state of a US zip code (59 classes) from its
county name alone (about 1,900 names; many, such as Washington or Jefferson, exist in several states), from
node_modules/vega-datasets/data/zipcodes.csv, states of at least 20 zip codes (scikit-learn's HGB cannot split
off its early-stopping rows with a class of one row); an 80/20 split (train_test_split, random_state=0), test rows of a
state absent from the training rows dropped.

usage: /usr/bin/python3 bench/highcard/prepare_zipcodes.py node_modules/vega-datasets/data/zipcodes.csv OUT_DIR
"""
import json
import os
import sys

import pandas as pd
from sklearn.model_selection import train_test_split

csv, out_dir = sys.argv[1], sys.argv[2]
df = pd.read_csv(csv, dtype=str)
data = pd.DataFrame({"county": df["county"], "target": df["state"]})
data = data[data["target"].map(data["target"].value_counts()) >= 20]
train, test = train_test_split(data, test_size=0.2, random_state=0)
test = test[test["target"].isin(set(train["target"]))]
os.makedirs(out_dir, exist_ok=True)
train.to_csv(os.path.join(out_dir, "train.csv"), index=False)
test.to_csv(os.path.join(out_dir, "test.csv"), index=False)
with open(os.path.join(out_dir, "meta.json"), "w") as f:
    json.dump({"task": "multiclass", "train": len(train), "test": len(test)}, f)
print("counties:", train["county"].nunique(), "states:", train["target"].nunique())
