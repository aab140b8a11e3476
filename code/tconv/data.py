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


def verified_path(name):
    """Path of data file ``name`` after checking that it exists and is intact.

    >>> verified_path("camera").name
    'camera.png'
    """
    if name not in FILES:
        raise ValueError(f"load_image: name={name!r} is not a data file; expected one of {sorted(FILES)}.")
    entry = FILES[name]
    path = data_dir() / entry["file"]
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing. The course's data files ship in the repository's data/ folder; "
            f"set TCONV_DATA to that folder if tconv was installed from elsewhere."
        )
    digest = sha256(path)
    if digest != entry["sha256"]:
        raise ValueError(
            f"{path} has SHA-256 {digest}, expected {entry['sha256']}: the file was changed "
            f"or damaged. Restore it with `git checkout -- data/{entry['file']}`."
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
