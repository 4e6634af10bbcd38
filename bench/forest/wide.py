# The wide sets of the forest benchmark (node bench/forest/run.mjs --wide), prepared as anchor.py prepares
# the others (numeric columns, one 75/25 split per seed, stratified for classification).
# usage: /usr/bin/python3 bench/forest/wide.py RAW_DIR DATA_DIR SEEDS
#   RAW_DIR: the CSV files bench/forest/wide-sets.R wrote
import os
import sys

import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from anchor import prepare  # noqa: E402


def loader(raw_dir, file, target, task, drop=()):
    def load():
        df = pd.read_csv(os.path.join(raw_dir, f"{file}.csv"))
        X = df.drop(columns=[target, *drop])
        # Text columns (ad_data's Genotype) as ordinal codes on both sides, as anchor.py does for penguins.
        for column in X.columns:
            if X[column].dtype == object:
                X[column] = X[column].astype("category").cat.codes
        return X, df[target], task
    return load


def wide_sets(raw_dir):
    return {
        "pd_speech": loader(raw_dir, "pd_speech", "class", "binary"),
        "ad_data": loader(raw_dir, "ad_data", "Class", "binary"),
        "cells": loader(raw_dir, "cells", "class", "binary", drop=("case",)),
        "meats": loader(raw_dir, "meats", "protein", "regression", drop=("water", "fat")),
        "chicago": loader(raw_dir, "chicago", "ridership", "regression", drop=("date",)),
    }


if __name__ == "__main__":
    raw_dir, data_dir, seeds = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3].split(",")]
    prepare(data_dir, seeds, wide_sets(raw_dir))
