"""The flights-route set for bench/highcard: 300,000 rows drawn (seed 0) from bench/data/flights-3m.csv,
delayed = delay > 15 (binary), features month, day of week, hour, distance (numeric), origin, destination
(about 230 airports each, under the 255-bin cap) and route = "ORIGIN-DESTINATION" (several thousand levels,
the high-cardinality column an engineer would build), split 80/20 (train_test_split, random_state=0, stratified).

usage: /usr/bin/python3 bench/highcard/prepare_flights.py bench/data/flights-3m.csv OUT_DIR
"""
import json
import os
import sys

import pandas as pd
from sklearn.model_selection import train_test_split

csv, out_dir = sys.argv[1], sys.argv[2]
df = pd.read_csv(csv, parse_dates=["date"]).sample(n=300_000, random_state=0)
data = pd.DataFrame({
    "month": df["date"].dt.month, "day_of_week": df["date"].dt.dayofweek, "hour": df["date"].dt.hour,
    "distance": df["distance"], "origin": df["origin"], "destination": df["destination"],
    "route": df["origin"] + "-" + df["destination"], "target": (df["delay"] > 15).astype(int),
})
train, test = train_test_split(data, test_size=0.2, random_state=0, stratify=data["target"])
os.makedirs(out_dir, exist_ok=True)
train.to_csv(os.path.join(out_dir, "train.csv"), index=False)
test.to_csv(os.path.join(out_dir, "test.csv"), index=False)
with open(os.path.join(out_dir, "meta.json"), "w") as f:
    json.dump({"task": "binary", "train": len(train), "test": len(test)}, f)
print("routes:", data["route"].nunique(), "origins:", data["origin"].nunique(), "destinations:", data["destination"].nunique())
