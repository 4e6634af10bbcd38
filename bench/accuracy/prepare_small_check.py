"""Seven small public data sets that the accuracy benchmark does NOT use, to check a small-data default on
data it was not chosen on (2026-11-26: the automatic minSamplesLeaf below 200 rows).

Writes OUT/seed-N/<name>/{train,test}.csv, meta.json and anchors.json (XGBoost 1.7 hist and scikit-learn 1.2
HistGradientBoosting with their defaults, through anchors.py, exactly as run.mjs computes them) for split
seeds 0-5: train_test_split(test_size=0.25, random_state=N), stratified for classification. Then score
learnloop with bench/accuracy/inprocess.mts --data OUT.

Data: scikit-learn's bundled iris and wine; mlbench Zoo (type); modeldata meats (fat, from the 100 spectra;
water and protein dropped), scat (Species), oils (class); R's datasets airquality (Ozone, rows with a missing
target dropped). 72-161 training rows each.

usage: /usr/bin/python3 bench/accuracy/prepare_small_check.py OUT     (needs Rscript with mlbench, modeldata)
"""
import json
import os
import subprocess
import sys

import pandas as pd
from sklearn.datasets import load_iris, load_wine
from sklearn.model_selection import train_test_split

out = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
raw = os.path.join(out, "raw")
os.makedirs(raw, exist_ok=True)
r_script = """
library(mlbench); library(modeldata)
data(Zoo); z <- Zoo; names(z)[names(z) == "type"] <- "target"; rownames(z) <- NULL; write.csv(z, "zoo.csv", row.names = FALSE, na = "")
data(meats); m <- meats; m$target <- m$fat; m$fat <- NULL; m$water <- NULL; m$protein <- NULL; write.csv(m, "meats.csv", row.names = FALSE, na = "")
data(scat); s <- as.data.frame(scat); s$target <- s$Species; s$Species <- NULL; write.csv(s, "scat.csv", row.names = FALSE, na = "")
data(oils); o <- as.data.frame(oils); o$target <- o$class; o$class <- NULL; write.csv(o, "oils.csv", row.names = FALSE, na = "")
a <- airquality[!is.na(airquality$Ozone), ]; a$target <- a$Ozone; a$Ozone <- NULL; write.csv(a, "airquality.csv", row.names = FALSE, na = "")
"""
subprocess.run(["Rscript", "-e", r_script], cwd=raw, check=True)
for name, loader in [("iris", load_iris), ("wine", load_wine)]:
    frame = loader(as_frame=True).frame
    frame["target"] = frame["target"].map(lambda v: f"c{v}")
    frame.to_csv(os.path.join(raw, name + ".csv"), index=False)

tasks = {"zoo": "multiclass", "meats": "regression", "scat": "multiclass", "oils": "multiclass", "airquality": "regression", "iris": "multiclass", "wine": "multiclass"}
for seed in range(6):
    for name, task in tasks.items():
        data = pd.read_csv(os.path.join(raw, name + ".csv"))
        train, test = train_test_split(data, test_size=0.25, random_state=seed, stratify=data["target"] if task != "regression" else None)
        folder = os.path.join(out, f"seed-{seed}", name)
        os.makedirs(folder, exist_ok=True)
        train.to_csv(os.path.join(folder, "train.csv"), index=False)
        test.to_csv(os.path.join(folder, "test.csv"), index=False)
        classes = sorted(data["target"].astype(str).unique()) if task != "regression" else None
        json.dump({"name": name, "task": task, "train": len(train), "test": len(test), "classes": classes}, open(os.path.join(folder, "meta.json"), "w"))
        # anchors.py scores a learnloop prediction file too: a uniform one, discarded here.
        uniform = pd.DataFrame({"prediction": [0.0] * len(test)}) if task == "regression" else pd.DataFrame({f"proba_{c}": [1.0 / len(classes)] * len(test) for c in classes})
        uniform.to_csv(os.path.join(folder, "uniform.csv"), index=False)
        result = json.loads(subprocess.check_output(["/usr/bin/python3", os.path.join(here, "anchors.py"), folder, os.path.join(folder, "uniform.csv")]))
        del result["learnloop"]
        json.dump(result, open(os.path.join(folder, "anchors.json"), "w"))
        print(seed, name, len(train), {tool: r["metrics"] for tool, r in result.items()}, flush=True)
