"""Time every notebook in a fresh kernel and measure the kernel's peak memory; then time
tconv's transposed convolution against PyTorch's.

Usage: python .ci/bench.py        (what `make bench` runs; not a test)

Budgets of the course: each notebook at most 60 s and 1.5 GB peak resident memory on a
2-core machine (Binder gives 2 GB); the whole book at most 5 minutes; the fastest NumPy
method of tconv.conv_transpose2d within 3x of torch.nn.functional.conv_transpose2d at
N=8, c_in=64, c_out=32, 32x32 input, k=4, s=2, p=1, float32, 2 threads. Exits 1 if a
budget is exceeded. Each notebook runs in its own child process, so that the peak memory
of its kernel (getrusage of the reaped child) is its own.
"""

import json
import os
import pathlib
import resource
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
SECONDS_EACH, MEGABYTES_EACH, SECONDS_TOTAL, SPEED_RATIO = 60, 1536, 300, 3.0
THREADS = {name: "2" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


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


def speed():
    """Best-of-runs times of conv_transpose2d, side by side in one process (2 threads)."""
    import numpy as np
    import torch

    import tconv

    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 64, 32, 32), dtype=np.float32)
    weight = rng.standard_normal((64, 32, 4, 4), dtype=np.float32)
    x_torch, weight_torch = torch.from_numpy(x), torch.from_numpy(weight)

    def best(function, repeats):
        function()  # warm up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        return min(times)

    results = {"torch": best(lambda: torch.nn.functional.conv_transpose2d(
        x_torch, weight_torch, stride=2, padding=1), 20)}
    for method, repeats in (("scatter", 10), ("zero_insertion", 5), ("matrix", 2)):
        results[method] = best(lambda: tconv.conv_transpose2d(
            x, weight, stride=2, padding=1, method=method), repeats)
    expected = torch.nn.functional.conv_transpose2d(x_torch, weight_torch, stride=2, padding=1)
    ours = tconv.conv_transpose2d(x, weight, stride=2, padding=1)
    assert np.allclose(ours, expected.numpy(), rtol=1e-4, atol=1e-3)
    print(json.dumps(results))


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
    if total > SECONDS_TOTAL:
        over.append("total")

    print()
    print("conv_transpose2d, N=8, c_in=64, c_out=32, 32x32, k=4, s=2, p=1, float32, 2 threads")
    result = subprocess.run([sys.executable, __file__, "--speed"], capture_output=True, text=True,
                            check=True, env={**os.environ, **THREADS})
    times = json.loads(result.stdout.strip().splitlines()[-1])
    for name, seconds in times.items():
        print(f"  {name:15} {seconds * 1000:9.1f} ms  {seconds / times['torch']:6.1f} x torch")
    fastest = min((t, name) for name, t in times.items() if name != "torch")
    ratio = fastest[0] / times["torch"]
    print(f"fastest NumPy method: {fastest[1]}, {ratio:.1f} x torch (budget: {SPEED_RATIO:.0f} x)")
    if ratio > SPEED_RATIO:
        over.append("conv_transpose2d speed")

    if over:
        print("OVER BUDGET: " + ", ".join(over))
        return 1
    print("all within budget")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        run_one(pathlib.Path(sys.argv[2]))
    elif sys.argv[1:] == ["--speed"]:
        speed()
    else:
        sys.exit(main())
