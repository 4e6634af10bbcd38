"""scikit-learn's side of the linear benchmark: LogisticRegression(lbfgs, multinomial, L2) on the design
bench/linear-learnloop.mjs wrote (the same columns learnloop fitted, one-hot columns as a sparse CSR
matrix), with C = 1 / (alpha * nRows), the C at which its objective is learnloop's times C * nRows.
Prints one JSON line: fit times (wall and CPU seconds), iterations, and learnloop's normalized
objective and largest gradient at sklearn's answer, so the two answers can be compared on one scale.
usage: /usr/bin/python3 bench/linear.py DATA_DIR REPEAT TOL
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

data_dir, repeat, tol = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
meta = json.load(open(os.path.join(data_dir, "meta.json")))
n, p, n_dense, n_codes = meta["nRows"], meta["nColumns"], meta["nDense"], meta["nCodes"]
dense = np.fromfile(os.path.join(data_dir, "dense.f64"), dtype=np.float64).reshape(n, n_dense)
codes = np.fromfile(os.path.join(data_dir, "codes.i32"), dtype=np.int32).reshape(n, n_codes)
y = np.fromfile(os.path.join(data_dir, "y.i32"), dtype=np.int32)
rows, cols = np.nonzero(codes >= 0)
onehot = sp.csr_matrix((np.ones(len(rows)), (rows, codes[rows, cols])), shape=(n, p))
X = (onehot + sp.csr_matrix(np.hstack([dense, np.zeros((n, p - n_dense))]))).tocsr()
alpha = meta["alpha"]
C = 1 / (alpha * n)

fits = []
for _ in range(repeat):
    model = LogisticRegression(C=C, penalty="l2", solver="lbfgs", multi_class="multinomial", tol=tol, max_iter=1000)
    wall, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    fits.append({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu})

# learnloop's normalized objective mean(log loss) + alpha/2 |W|^2 and its gradient, at sklearn's answer.
proba = model.predict_proba(X)
loss = -np.mean(np.log(proba[np.arange(n), np.searchsorted(model.classes_, y)]))
objective = loss + 0.5 * alpha * np.sum(model.coef_ ** 2)
residual = proba.copy()
residual[np.arange(n), np.searchsorted(model.classes_, y)] -= 1
grad = np.abs((X.T @ residual).T / n + alpha * model.coef_).max()
grad = max(grad, np.abs(residual.sum(axis=0) / n).max())
print(json.dumps({"fits": fits, "nIter": int(model.n_iter_[0]), "objective": objective, "violation": float(grad)}))
