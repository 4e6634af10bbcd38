"""The pandas anchor for bench/load.mjs: pandas.read_csv of one file, timed without the import.

Usage: /usr/bin/python3 bench/load-anchor.py FILE
Prints one JSON line: {"ms": ..., "cpuMs": ..., "maxRssMB": ..., "rows": ..., "bytes": ...}
"""
import json
import resource
import sys
import time

import pandas as pd

path = sys.argv[1]
cpu0 = time.process_time()
start = time.perf_counter()
frame = pd.read_csv(path)
elapsed = time.perf_counter() - start
cpu = time.process_time() - cpu0
print(json.dumps({
    "ms": elapsed * 1000,
    "cpuMs": cpu * 1000,
    "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,  # KiB -> MB
    "rows": len(frame),
    "bytes": int(frame.memory_usage(deep=False).sum()),
}))
