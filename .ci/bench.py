"""Time every notebook in a fresh kernel and measure the kernel's peak memory.

Usage: python .ci/bench.py        (what `make bench` runs; not a test)

Budgets of the course: each notebook at most 60 s and 1.5 GB peak resident memory on a
2-core machine (Binder gives 2 GB); the whole book at most 5 minutes. Exits 1 if one is
exceeded. Each notebook runs in its own child process, so that the peak memory of its
kernel (getrusage of the reaped child) is its own.
"""

import json
import pathlib
import resource
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
SECONDS_EACH, MEGABYTES_EACH, SECONDS_TOTAL = 60, 1536, 300


def run_one(path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()  # starts, runs and shuts down (and reaps) the kernel
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": seconds, "megabytes": peak_kib / 1024}))


def main():
    paths = sorted(p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    total, over = 0.0, []
    print(f"{'notebook':60} {'seconds':>8} {'peak MB':>8}")
    for path in paths:
        result = subprocess.run([sys.executable, __file__, "--one", str(path)],
                                capture_output=True, text=True, check=True)
        numbers = json.loads(result.stdout.strip().splitlines()[-1])
        total += numbers["seconds"]
        name = str(path.relative_to(ROOT / "chapters"))
        print(f"{name:60} {numbers['seconds']:8.1f} {numbers['megabytes']:8.0f}")
        if numbers["seconds"] > SECONDS_EACH or numbers["megabytes"] > MEGABYTES_EACH:
            over.append(name)
    print(f"{'total':60} {total:8.1f}")
    print(f"budgets: each <= {SECONDS_EACH} s and <= {MEGABYTES_EACH} MB, total <= {SECONDS_TOTAL} s")
    if over or total > SECONDS_TOTAL:
        print("OVER BUDGET: " + (", ".join(over) or "total"))
        return 1
    print("all within budget")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        run_one(pathlib.Path(sys.argv[2]))
    else:
        sys.exit(main())
