"""Where the bench runs and writes; imported first by the other run_*.py modules.

A run from a snapshot of a commit (bench/out/snapshot/) still writes its results to the bench/
directory of the working tree, which the parent run passes down in BENCH_RESULTS_DIR.
"""

import os
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
RESULTS_DIR = Path(os.environ.get("BENCH_RESULTS_DIR") or BENCH_DIR)
OUT_DIR = RESULTS_DIR / "out"

# The site's apps and bench/generate.py, for the in-process parts.
for path in (BASE_DIR, BENCH_DIR):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
