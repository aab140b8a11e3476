"""Training and measuring the networks of Part IV, deterministically, on the CPU.

- :func:`to_tensor`: uint8 digits (N, H, W) to a float32 tensor (N, 1, H, W) in [0, 1].
- :func:`train`: Adam on the cross-entropy, in shuffled mini-batches, with a constant or
  cosine learning-rate schedule; one line of progress per epoch; returns the history
  (loss, test accuracy, seconds per epoch).
- :func:`predict`, :func:`accuracy`, :func:`confusion_matrix`: what a trained model gets right.
- :func:`trained`: a trained model from ``data/cache/`` if it is there and valid, else
  trained (deterministically) and stored there; :func:`store_trained` stores one, and
  :func:`chapter12_model` returns chapter 12's networks.
  Later chapters reuse an earlier chapter's weights this way; the cache is not in git.
- :func:`psnr`, :func:`checkerboard`, :func:`add_noise`, :func:`reconstruct`,
  :func:`train_autoencoder`: reconstructions (chapter 14).
- :func:`mean_iou`, :func:`iou_per_class`, :func:`pixel_accuracy`, :func:`pixel_confusion`,
  :func:`predict_masks`, :func:`train_segmentation`: masks (chapter 15).

The same seed, data and settings give the same weights, bit for bit, on one
machine (``torch.use_deterministic_algorithms(True)`` during training). Another CPU
may round differently and end a little elsewhere.

This module needs PyTorch; ``import tconv`` does not import it.
"""

import hashlib
import json
import math
import numbers
import os
import pathlib
import time

import numpy as np

from .shapes import is_int

#: learning-rate schedules of :func:`train`
SCHEDULES = ("constant", "cosine")

#: the settings of chapter 12, which later chapters pass to :func:`trained` to get its models:
#: ``trained("lenet5", functools.partial(models.lenet5, seed=0), LENET5)`` and
#: ``trained("lenet_wide", functools.partial(models.lenet_wide, seed=0), LENET_WIDE)``
LENET5 = {"epochs": 12, "batch_size": 32, "lr": 1e-3, "seed": 0, "schedule": "cosine"}
LENET_WIDE = {"epochs": 8, "batch_size": 64, "lr": 1e-3, "seed": 0, "schedule": "cosine"}


def _torch():
    try:
        import torch
    except ModuleNotFoundError as error:  # pragma: no cover - torch is in the course's pins
        raise ModuleNotFoundError("tconv.train needs PyTorch: pip install torch") from error
    return torch


def _check_settings(epochs, batch_size, lr, seed, schedule, report, fn):
    """The settings every training loop shares, checked; returns ``(epochs, batch_size)``."""
    epochs = _positive_int(epochs, "epochs", fn)
    batch_size = _positive_int(batch_size, "batch_size", fn)
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0 < lr < math.inf:
        raise ValueError(f"{fn}: lr={lr!r} must be a positive number (Adam's learning rate).")
    if not is_int(seed):
        raise TypeError(f"{fn}: seed={seed!r} must be an int; got {type(seed).__name__}.")
    if schedule not in SCHEDULES:
        raise ValueError(f"{fn}: schedule={schedule!r} is not a learning-rate schedule; expected "
                         f"one of {SCHEDULES}.")
    if report is not None and not callable(report):
        raise TypeError(f"{fn}: report={report!r} must be callable (such as print) or None.")
    return epochs, batch_size


def _adam(model, lr, schedule, steps):
    """Adam with learning rate ``lr``, and its scheduler (None for a constant rate).

    With ``schedule="cosine"`` the rate falls from ``lr`` to 0 along half a cosine, one
    scheduler step after each of the ``steps`` optimizer steps.
    """
    torch = _torch()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = None
    if schedule == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    return optimizer, scheduler


def _step(loss, optimizer, scheduler):
    """One step down the gradient of ``loss``, then one step of the schedule (if any)."""
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if scheduler is not None:
        scheduler.step()


def _in_jupyter():
    """True inside a Jupyter kernel (JupyterLab, Colab, nbclient, nbval), False elsewhere."""
    try:
        from IPython import get_ipython
    except ModuleNotFoundError:  # pragma: no cover - IPython comes with the course's pins
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class _ProgressBar:
    """A bar under a training cell in Jupyter that leaves nothing behind.

    It is shown as an empty HTML output, updated at most five times a second while
    training runs, and emptied again at the end, so the stored notebook (and what
    strict nbval compares) holds the same empty output however long training took.
    Outside Jupyter, or with ``enabled=False``, it does nothing.
    """

    def __init__(self, steps, epochs, enabled):
        self.steps, self.epochs, self.step, self.last = steps, epochs, 0, 0.0
        self.handle = None
        if enabled and _in_jupyter():
            from IPython.display import display
            self.handle = display({"text/html": ""}, raw=True, display_id=True)

    def advance(self, epoch):
        self.step += 1
        now = time.perf_counter()
        if self.handle is None or (now - self.last < 0.2 and self.step < self.steps):
            return
        self.last = now
        self.handle.update({"text/html": (
            f'<progress value="{self.step}" max="{self.steps}" style="width: 16em"></progress>'
            f" epoch {epoch}/{self.epochs}, step {self.step}/{self.steps}")}, raw=True)

    def close(self):
        if self.handle is not None:
            self.handle.update({"text/html": ""}, raw=True)
            self.handle = None


def to_tensor(images):
    """Digits as a network reads them: float32, shape (N, 1, H, W), values in [0, 1].

    Parameters
    ----------
    images : array of uint8, shape (N, H, W)
        Pixel values 0-255, as :func:`tconv.data.load_mnist` returns them.

    Returns
    -------
    torch.Tensor, shape (N, 1, H, W), dtype float32

    Examples
    --------
    >>> import numpy as np
    >>> t = to_tensor(np.array([[[0, 255], [51, 102]]], dtype=np.uint8))
    >>> t.shape, t.dtype
    (torch.Size([1, 1, 2, 2]), torch.float32)
    >>> t[0, 0].tolist()
    [[0.0, 1.0], [0.20000000298023224, 0.4000000059604645]]
    """
    torch = _torch()
    if isinstance(images, torch.Tensor):
        images = images.numpy()
    if not isinstance(images, np.ndarray):
        raise TypeError(f"to_tensor: images must be a NumPy array of uint8, shape (N, H, W); "
                        f"got {type(images).__name__}.")
    if images.dtype != np.uint8:
        raise TypeError(f"to_tensor: images must have dtype uint8 (pixel values 0-255); got "
                        f"{images.dtype}. Pass the arrays that load_mnist() returns.")
    if images.ndim != 3:
        raise ValueError(f"to_tensor: images must have shape (N, H, W); got shape {images.shape}.")
    return torch.from_numpy(images.astype(np.float32) / np.float32(255))[:, None]


def _as_data(data, name, fn):
    """``(images, labels)`` as a float tensor (N, 1, H, W) and an int64 tensor (N,)."""
    torch = _torch()
    try:
        images, labels = data
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: {name} must be a pair (images, labels); got "
                        f"{type(data).__name__}.") from None
    if isinstance(images, torch.Tensor):
        if images.ndim != 4 or not images.is_floating_point():
            raise ValueError(f"{fn}: {name}'s images, given as a tensor, must be float with shape "
                             f"(N, 1, H, W); got {images.dtype} {tuple(images.shape)}.")
    else:
        images = to_tensor(images)
    labels = torch.as_tensor(np.asarray(labels)).long()
    if labels.shape != (len(images),):
        raise ValueError(f"{fn}: {name} has {len(images)} images but labels of shape "
                         f"{tuple(labels.shape)}; expected ({len(images)},).")
    return images, labels


def _positive_int(value, name, fn):
    if not is_int(value) or value < 1:
        raise ValueError(f"{fn}: {name}={value!r} must be a positive int.")
    return int(value)


def predict(model, images, batch_size=500):
    """The class each image gets the highest score for, as a NumPy int array.

    The model is evaluated in ``eval`` mode (no dropout), without gradients, and
    left in the mode it was in.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, 1, H, W) to class scores (N, classes).
    images : array of uint8 (N, H, W), or float tensor (N, 1, H, W)
    batch_size : int
        Images per forward pass (bounds the memory used).

    Examples
    --------
    >>> import numpy as np
    >>> from tconv.models import lenet5
    >>> predict(lenet5(seed=0), np.zeros((3, 28, 28), np.uint8)).shape
    (3,)
    """
    torch = _torch()
    images, _ = _as_data((images, np.zeros(len(images), np.int64)), "images", "predict")
    batch_size = _positive_int(batch_size, "batch_size", "predict")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            scores = [model(images[i:i + batch_size]) for i in range(0, len(images), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(scores).argmax(dim=1).numpy()


def accuracy(model, images, labels):
    """The fraction of ``images`` whose predicted class equals ``labels``, a float in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from tconv.models import lenet5
    >>> 0 <= accuracy(lenet5(seed=0), np.zeros((4, 28, 28), np.uint8), [0, 1, 2, 3]) <= 1
    True
    """
    labels = np.asarray(labels)
    if labels.shape != (len(images),):
        raise ValueError(f"accuracy: {len(images)} images but labels of shape {labels.shape}; "
                         f"expected ({len(images)},).")
    return float(np.mean(predict(model, images) == labels))


def confusion_matrix(labels, predictions, classes=10):
    """Counts of (true class, predicted class): entry [t, q] counts images of class t
    predicted as class q. The diagonal holds the correct predictions.

    Parameters
    ----------
    labels, predictions : array of int, shape (N,)
        Values in ``range(classes)``.
    classes : int

    Returns
    -------
    array of int64, shape (classes, classes)

    Examples
    --------
    >>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], classes=3)
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    """
    classes = _positive_int(classes, "classes", "confusion_matrix")
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if labels.shape != predictions.shape or labels.ndim != 1:
        raise ValueError(f"confusion_matrix: labels and predictions must be 1-D of the same "
                         f"length; got shapes {labels.shape} and {predictions.shape}.")
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values.size and (not np.issubdtype(values.dtype, np.integer)
                            or values.min() < 0 or values.max() >= classes):
            raise ValueError(f"confusion_matrix: {name} must be ints in range({classes}); got "
                             f"values from {values.min()} to {values.max()} ({values.dtype}).")
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (labels, predictions), 1)
    return counts


def train(model, train_data, test_data, epochs, batch_size, lr, seed, schedule="constant",
          report=print):
    """Train ``model`` with Adam on the cross-entropy loss, deterministically.

    Each epoch shuffles the training images with a generator seeded by ``seed``,
    takes one Adam step per mini-batch, then measures the accuracy on
    ``test_data``. Dropout draws from ``torch.manual_seed(seed)``, inside
    ``torch.random.fork_rng``, so the caller's random state is left alone.
    Deterministic algorithms are switched on during training.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, 1, H, W) to class scores (N, classes); trained in place.
    train_data, test_data : pair (images, labels)
        uint8 images (N, H, W), as :func:`tconv.data.load_mnist` returns them (or float
        tensors (N, 1, H, W)), and int labels (N,).
    epochs, batch_size : int
        Passes over the training images, and images per step.
    lr : float
        Adam's learning rate (at the start, with ``schedule="cosine"``).
    seed : int
        Seeds the shuffling and the dropout.
    schedule : {"constant", "cosine"}
        ``"cosine"`` lowers the learning rate after every step, along half a cosine,
        from ``lr`` to 0 at the last step: the last epochs take small steps, so the
        final weights settle instead of jumping between nearby minima.
    report : callable or None
        Called with one line of text per epoch (``print`` by default); ``None`` is silent.
        In Jupyter, a progress bar runs under the cell while training and is emptied at
        the end (not with ``report=None``).

    Returns
    -------
    dict of lists, one entry per epoch
        ``"epoch"`` (1, 2, ...), ``"loss"`` (mean training loss over the epoch),
        ``"test_accuracy"`` (fraction in [0, 1]) and ``"seconds"`` (wall time of the
        epoch, test included).

    Examples
    --------
    >>> import numpy as np
    >>> from tconv.models import lenet5
    >>> rng = np.random.default_rng(0)
    >>> images = rng.integers(0, 256, (8, 28, 28), dtype=np.uint8)
    >>> labels = np.arange(8) % 10
    >>> history = train(lenet5(seed=0), (images, labels), (images, labels), epochs=2,
    ...                 batch_size=4, lr=1e-3, seed=0, report=None)
    >>> history["epoch"], len(history["loss"])
    ([1, 2], 2)
    """
    torch = _torch()
    fn = "train"
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{fn}: model must be a torch.nn.Module; got {type(model).__name__}.")
    x, y = _as_data(train_data, "train_data", fn)
    x_test, y_test = _as_data(test_data, "test_data", fn)
    epochs, batch_size = _check_settings(epochs, batch_size, lr, seed, schedule, report, fn)
    steps = epochs * math.ceil(len(x) / batch_size)
    optimizer, scheduler = _adam(model, lr, schedule, steps)
    shuffler = torch.Generator().manual_seed(seed)
    history = {"epoch": [], "loss": [], "test_accuracy": [], "seconds": []}
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    bar = _ProgressBar(steps, epochs, report is not None)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)  # for dropout
            for epoch in range(1, epochs + 1):
                start = time.perf_counter()
                model.train()
                order = torch.randperm(len(x), generator=shuffler)
                total = 0.0
                for begin in range(0, len(x), batch_size):
                    batch = order[begin:begin + batch_size]
                    loss = torch.nn.functional.cross_entropy(model(x[batch]), y[batch])
                    _step(loss, optimizer, scheduler)
                    total += loss.item() * len(batch)
                    bar.advance(epoch)
                test_accuracy = accuracy(model, x_test, y_test.numpy())
                seconds = time.perf_counter() - start
                for key, value in zip(history, (epoch, total / len(x), test_accuracy, seconds)):
                    history[key].append(value)
                if report is not None:
                    report(f"epoch {epoch:2d}/{epochs}: train loss {total / len(x):.3f}, "
                           f"test accuracy {test_accuracy:.1%}, {seconds:.1f} s")
    finally:
        torch.use_deterministic_algorithms(deterministic)
        bar.close()
    model.eval()
    return history


# ---------------------------------------------------------------- the cache of trained weights


def cache_dir():
    """The folder of trained weights: ``$TCONV_CACHE``, else ``cache/`` in the data folder.

    It is ignored by git: weights are never committed.

    >>> cache_dir().name
    'cache'
    """
    if os.environ.get("TCONV_CACHE"):
        return pathlib.Path(os.environ["TCONV_CACHE"])
    from .data import data_dir

    return data_dir() / "cache"


def _fingerprint(arrays):
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _fresh_model(build, fn):
    torch = _torch()
    if not callable(build):
        raise TypeError(f"{fn}: build={build!r} must be a function that returns a new model, "
                        f"such as functools.partial(tconv.models.lenet5, seed=0).")
    model = build()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{fn}: build() must return a torch.nn.Module; got "
                        f"{type(model).__name__}.")
    return model


def _settings(name, build, train_kwargs, data, fn):
    """What determines the trained weights, as a JSON-able dict, and a fresh model."""
    torch = _torch()
    if not isinstance(name, str) or not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"{fn}: name={name!r} must be a non-empty string of letters, digits, "
                         f"'_' and '-' (it becomes a file name).")
    required = {"epochs", "batch_size", "lr", "seed"}
    if not isinstance(train_kwargs, dict) or not (required <= set(train_kwargs)
                                                  <= required | {"schedule"}):
        raise ValueError(f"{fn}: train_kwargs={train_kwargs!r} must be a dict with the keys "
                         f"'epochs', 'batch_size', 'lr', 'seed' and optionally 'schedule' (the "
                         f"arguments of train).")
    model = _fresh_model(build, fn)
    initial = [t.detach().numpy() for t in model.state_dict().values()]
    if _fingerprint(initial) != _fingerprint(t.detach().numpy()
                                              for t in _fresh_model(build, fn).state_dict().values()):
        raise ValueError(f"{fn}: build() returns different initial weights each time; give the "
                         f"builder a seed, e.g. functools.partial(tconv.models.lenet5, seed=0).")
    (train_images, train_labels), (test_images, test_labels) = data
    settings = {
        "name": name,
        "model": repr(model),
        "initial_weights": _fingerprint(initial),
        "train": {"schedule": "constant", **train_kwargs},
        "data": _fingerprint([train_images, train_labels, test_images, test_labels]),
        "torch": torch.__version__.split("+")[0],
    }
    return settings, model


def _cache_file(settings, folder):
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]
    return pathlib.Path(folder) / f"{settings['name']}-{key}.pt"


def _save(path, settings, model, history):
    torch = _torch()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    torch.save({"settings": settings, "state_dict": model.state_dict(), "history": history},
               partial)
    os.replace(partial, path)  # atomic: a reader never sees half a file


def store_trained(name, build, train_kwargs, model, history, data=None, folder=None):
    """Store weights trained by :func:`train` where :func:`trained` will find them.

    ``build``, ``train_kwargs`` and ``data`` must be those the model was trained
    with: they name the file. Returns the path written.

    Examples
    --------
    >>> import functools, tempfile
    >>> import numpy as np
    >>> from tconv.models import lenet5
    >>> build = functools.partial(lenet5, seed=0)
    >>> data = ((np.zeros((2, 28, 28), np.uint8), np.array([0, 1])),) * 2
    >>> settings = {"epochs": 1, "batch_size": 2, "lr": 1e-3, "seed": 0}
    >>> model = build()
    >>> history = train(model, *data, **settings, report=None)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = store_trained("demo", build, settings, model, history, data, folder)
    ...     path.name.startswith("demo-"), path.suffix
    (True, '.pt')
    """
    if data is None:
        from .data import load_mnist

        data = load_mnist()
    settings, _ = _settings(name, build, train_kwargs, data, "store_trained")
    path = _cache_file(settings, folder or cache_dir())
    _save(path, settings, model, history)
    return path


def trained(name, build, train_kwargs, data=None, folder=None, report=None):
    """A model trained with :func:`train`: loaded from the cache, or trained and cached.

    The cache file ``<folder>/<name>-<key>.pt`` has a key computed from everything
    that determines the weights: the model's layers and initial weights (``build``
    must be deterministic, so give the builder a seed), ``train_kwargs``, the data
    and PyTorch's version. A file that is missing, unreadable or stored under other
    settings is (re)made by training, so a fresh clone works, only slower.

    Parameters
    ----------
    name : str
        Start of the file name, e.g. ``"lenet5"``.
    build : callable
        Returns a new, untrained model, the same each time.
    train_kwargs : dict
        ``epochs``, ``batch_size``, ``lr`` and ``seed`` for :func:`train`, e.g.
        :data:`LENET5`.
    data : pair of pairs, optional
        ``(train_images, train_labels), (test_images, test_labels)``; by default
        :func:`tconv.data.load_mnist`.
    folder : path, optional
        Where the cache lives; by default :func:`cache_dir`.
    report : callable or None
        Passed to :func:`train` when it has to train.

    Returns
    -------
    model : torch.nn.Module, in eval mode
    history : dict
        As :func:`train` returned it when the weights were made.

    Examples
    --------
    >>> import functools, tempfile
    >>> import numpy as np
    >>> from tconv.models import lenet5
    >>> data = ((np.zeros((2, 28, 28), np.uint8), np.array([0, 1])),) * 2
    >>> settings = {"epochs": 1, "batch_size": 2, "lr": 1e-3, "seed": 0}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     first, _ = trained("demo", functools.partial(lenet5, seed=0), settings, data, folder)
    ...     again, _ = trained("demo", functools.partial(lenet5, seed=0), settings, data, folder)
    >>> all((a == b).all() for a, b in zip(first.parameters(), again.parameters()))
    True
    """
    torch = _torch()
    fn = "trained"
    if data is None:
        from .data import load_mnist

        data = load_mnist()
    settings, model = _settings(name, build, train_kwargs, data, fn)
    path = _cache_file(settings, folder or cache_dir())
    if path.is_file():
        try:
            stored = torch.load(path, weights_only=True)
            if stored["settings"] != settings:
                raise ValueError("stored under other settings")
            model.load_state_dict(stored["state_dict"])
            model.eval()
            return model, stored["history"]
        except Exception:  # a damaged or stale file: make it again
            model = _fresh_model(build, fn)
    history = train(model, data[0], data[1], **train_kwargs, report=report)
    _save(path, settings, model, history)
    return model, history


def chapter12_model(name, report=None):
    """One of the two networks chapter 12 trains, with chapter 12's weights.

    Loads them from the cache (chapter 12 stores them there) or, in a fresh clone,
    trains them again with :data:`LENET5` or :data:`LENET_WIDE`, which gives the same
    weights on the same machine.

    Parameters
    ----------
    name : {"lenet5", "lenet_wide"}
    report : callable or None
        Progress lines, if it has to train.

    Returns
    -------
    model : torch.nn.Sequential, in eval mode
    history : dict, as :func:`train` returns it

    Examples
    --------
    >>> chapter12_model("lenet7")
    Traceback (most recent call last):
    ...
    ValueError: chapter12_model: name='lenet7' is not a network of chapter 12; expected 'lenet5' or 'lenet_wide'.
    """
    import functools

    from .models import lenet5, lenet_wide

    networks = {"lenet5": (lenet5, LENET5), "lenet_wide": (lenet_wide, LENET_WIDE)}
    if name not in networks:
        raise ValueError(f"chapter12_model: name={name!r} is not a network of chapter 12; "
                         f"expected 'lenet5' or 'lenet_wide'.")
    build, settings = networks[name]
    return trained(name, functools.partial(build, seed=0), settings, report=report)


# ---------------------------------------------------------------- chapter 14: reconstruction metrics

#: the settings of chapter 14's autoencoders, for :func:`train_autoencoder`
AUTOENCODER = {"epochs": 10, "batch_size": 64, "lr": 3e-3, "seed": 0, "schedule": "cosine"}


def _float_images(images, name, fn):
    """A float64 NumPy array from a float tensor or float array; uint8 is refused."""
    torch = _torch()
    if isinstance(images, torch.Tensor):
        images = images.detach().cpu().numpy()
    images = np.asarray(images)
    if not np.issubdtype(images.dtype, np.floating):
        raise TypeError(f"{fn}: {name} must hold float pixel values (in [0, 1] for peak=1); got "
                        f"dtype {images.dtype}. Convert uint8 digits with to_tensor(images).")
    return images.astype(np.float64)


def psnr(reconstructed, target, peak=1.0):
    """Peak signal-to-noise ratio in decibels: ``10 log10(peak² / MSE)``.

    The mean squared error is taken over all pixels of all images together (not a
    mean of per-image PSNRs); identical images give ``inf``.

    Parameters
    ----------
    reconstructed, target : float arrays or tensors of the same shape
    peak : float
        The largest possible pixel value: 1 for images in [0, 1].

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> psnr(np.full((2, 4, 4), 0.1), np.zeros((2, 4, 4)))  # MSE 0.01
    20.0
    >>> psnr(np.full((1, 2, 2), 5.0), np.zeros((1, 2, 2)), peak=255)  # 255² / 25
    34.15140352195873
    """
    fn = "psnr"
    a = _float_images(reconstructed, "reconstructed", fn)
    b = _float_images(target, "target", fn)
    if a.shape != b.shape:
        raise ValueError(f"{fn}: reconstructed has shape {a.shape} but target has shape "
                         f"{b.shape}; a reconstruction must have the shape of its target.")
    if isinstance(peak, bool) or not isinstance(peak, numbers.Real) or not 0 < peak < math.inf:
        raise ValueError(f"{fn}: peak={peak!r} must be a positive number (1 for images in "
                         f"[0, 1], 255 for uint8).")
    mse = float(np.mean((a - b) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(peak ** 2 / mse)


def phase_means(images, stride=2, border=0):
    """The mean pixel of each phase ``(α, β)``: rows ≡ α and columns ≡ β modulo ``stride``.

    A flat image has equal phase means; a checkerboard of period ``stride`` (chapter 6)
    makes them differ. Row and column indices count from the image's first row and
    column; ``border`` rows and columns on every side are left out, where padding
    makes outputs differ for other reasons. All leading axes (images, channels) are
    averaged together.

    Parameters
    ----------
    images : float array or tensor, shape (..., H, W)
    stride : int
    border : int

    Returns
    -------
    ndarray of shape (stride, stride)

    Examples
    --------
    >>> import numpy as np
    >>> board = np.indices((6, 6)).sum(axis=0) % 2  # 0 where row + column is even
    >>> phase_means(board.astype(float))
    array([[0., 1.],
           [1., 0.]])
    """
    fn = "phase_means"
    y = _float_images(images, "images", fn)
    if y.ndim < 2:
        raise ValueError(f"{fn}: images must have at least 2 axes (..., H, W); got shape "
                         f"{y.shape}.")
    stride = _positive_int(stride, "stride", fn)
    if not is_int(border) or border < 0:
        raise ValueError(f"{fn}: border={border!r} must be an int, 0 or more.")
    height, width = y.shape[-2:]
    if height - 2 * border < stride or width - 2 * border < stride:
        raise ValueError(f"{fn}: border={border} leaves less than stride={stride} rows or "
                         f"columns of the {height}×{width} images.")
    means = np.zeros((stride, stride))
    for alpha in range(stride):
        for beta in range(stride):
            first_row = border + (alpha - border) % stride
            first_column = border + (beta - border) % stride
            means[alpha, beta] = y[..., first_row:height - border:stride,
                                   first_column:width - border:stride].mean()
    return means


def checkerboard(images, stride=2, border=0):
    """How far apart the phase means are: ``max - min`` of :func:`phase_means`.

    0 for a flat image (and for any image whose phases have equal means); for a
    pure checkerboard of amplitude ``c`` around a mean, ``2c``.

    Examples
    --------
    >>> import numpy as np
    >>> checkerboard(np.full((8, 8), 0.3))
    0.0
    >>> board = 0.5 + 0.1 * (-1.0) ** np.indices((8, 8)).sum(axis=0)
    >>> round(checkerboard(board), 6)
    0.2
    """
    return float(np.ptp(phase_means(images, stride, border)))


def add_noise(images, std, seed):
    """Digits with Gaussian noise: ``clip(x + std · z, 0, 1)``, ``z`` standard normal.

    Parameters
    ----------
    images : uint8 array (N, H, W), or float tensor (N, 1, H, W) in [0, 1]
    std : float
        Standard deviation of the noise, in units of the pixel range; 0 adds none.
    seed : int
        Seeds the noise, so the same call gives the same noisy digits.

    Returns
    -------
    torch.Tensor, float32, shape (N, 1, H, W), values in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> noisy = add_noise(np.zeros((2, 4, 4), np.uint8), 0.5, seed=0)
    >>> noisy.shape, bool(noisy.min() >= 0), bool(noisy.max() <= 1)
    (torch.Size([2, 1, 4, 4]), True, True)
    >>> bool((noisy == add_noise(np.zeros((2, 4, 4), np.uint8), 0.5, seed=0)).all())
    True
    """
    torch = _torch()
    fn = "add_noise"
    x, _ = _as_data((images, np.zeros(len(images), np.int64)), "images", fn)
    if isinstance(std, bool) or not isinstance(std, numbers.Real) or not 0 <= std < math.inf:
        raise ValueError(f"{fn}: std={std!r} must be a number, 0 or more (the noise's standard "
                         f"deviation, in units of the pixel range).")
    if not is_int(seed):
        raise TypeError(f"{fn}: seed={seed!r} must be an int; got {type(seed).__name__}.")
    z = torch.randn(x.shape, generator=torch.Generator().manual_seed(seed))
    return (x + float(std) * z).clamp(0, 1)


def reconstruct(model, images, batch_size=500):
    """The model's output for ``images``, in eval mode and without gradients.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, 1, H, W) to (N, 1, H, W), such as :func:`tconv.models.autoencoder`.
    images : uint8 array (N, H, W), or float tensor (N, 1, H, W)
    batch_size : int

    Returns
    -------
    torch.Tensor, shape (N, 1, H_out, W_out)

    Examples
    --------
    >>> import numpy as np
    >>> from tconv.models import autoencoder
    >>> reconstruct(autoencoder(seed=0), np.zeros((3, 28, 28), np.uint8)).shape
    torch.Size([3, 1, 28, 28])
    """
    torch = _torch()
    x, _ = _as_data((images, np.zeros(len(images), np.int64)), "images", "reconstruct")
    batch_size = _positive_int(batch_size, "batch_size", "reconstruct")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = [model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(out)


def train_autoencoder(model, train_images, test_images, epochs, batch_size, lr, seed,
                      schedule="cosine", noise=0.0, probe=None, probe_steps=(), report=print):
    """Train an autoencoder with Adam on the mean squared error, deterministically.

    The loop of :func:`train`, with the images as their own targets: each step
    reconstructs a shuffled mini-batch and lowers the mean squared error between the
    reconstruction and the clean digits. With ``noise > 0`` the model reads the
    digits with fresh Gaussian noise at each step (:func:`add_noise`'s rule, drawn
    from a generator seeded by ``seed``) and is still asked for the clean digits: a
    denoising autoencoder. After each epoch, the PSNR of the reconstructions of
    ``test_images`` is measured (with ``noise > 0``, of ``add_noise(test_images,
    noise, seed)``, the same noisy digits every epoch).

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, 1, H, W) to (N, 1, H, W); trained in place.
    train_images, test_images : uint8 arrays (N, H, W), or float tensors (N, 1, H, W)
    epochs, batch_size, lr, seed, schedule, report
        As for :func:`train`.
    noise : float
        Standard deviation of the input noise; 0 for a plain autoencoder.
    probe : callable, optional
        ``probe(model)`` is called (in eval mode, without gradients) before the first
        step and after each step listed in ``probe_steps``, and after the last step;
        what it returns is kept in ``history["probes"]``.
    probe_steps : iterable of int

    Returns
    -------
    dict
        Lists with one entry per epoch: ``"epoch"``, ``"loss"`` (mean training loss),
        ``"test_psnr"`` (dB) and ``"seconds"``; and ``"probes"``, a list of
        ``(step, probe(model))`` pairs (empty without a probe).

    Examples
    --------
    >>> import numpy as np
    >>> from tconv.models import autoencoder
    >>> images = np.random.default_rng(0).integers(0, 256, (8, 28, 28), dtype=np.uint8)
    >>> history = train_autoencoder(autoencoder(seed=0), images, images, epochs=2,
    ...                             batch_size=4, lr=1e-3, seed=0, report=None,
    ...                             probe=lambda m: 1, probe_steps=[1])
    >>> history["epoch"], [step for step, _ in history["probes"]]
    ([1, 2], [0, 1, 4])
    """
    torch = _torch()
    fn = "train_autoencoder"
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{fn}: model must be a torch.nn.Module; got {type(model).__name__}.")
    x, _ = _as_data((train_images, np.zeros(len(train_images), np.int64)), "train_images", fn)
    x_test, _ = _as_data((test_images, np.zeros(len(test_images), np.int64)), "test_images", fn)
    epochs, batch_size = _check_settings(epochs, batch_size, lr, seed, schedule, report, fn)
    if probe is not None and not callable(probe):
        raise TypeError(f"{fn}: probe={probe!r} must be callable, probe(model), or None.")
    probe_steps = set(probe_steps)
    if not all(is_int(step) and step > 0 for step in probe_steps):
        raise ValueError(f"{fn}: probe_steps={sorted(probe_steps)!r} must be positive ints "
                         f"(step numbers).")
    test_inputs = add_noise(x_test, noise, seed) if noise else x_test

    def take_probe(step):
        was_training = model.training
        model.eval()
        with torch.no_grad():
            history["probes"].append((step, probe(model)))
        model.train(was_training)

    steps = epochs * math.ceil(len(x) / batch_size)
    optimizer, scheduler = _adam(model, lr, schedule, steps)
    shuffler = torch.Generator().manual_seed(seed)
    noiser = torch.Generator().manual_seed(seed)
    history = {"epoch": [], "loss": [], "test_psnr": [], "seconds": [], "probes": []}
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    bar = _ProgressBar(steps, epochs, report is not None)
    step = 0
    try:
        if probe is not None:
            take_probe(0)
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            model.train()
            order = torch.randperm(len(x), generator=shuffler)
            total = 0.0
            for begin in range(0, len(x), batch_size):
                clean = x[order[begin:begin + batch_size]]
                inputs = clean
                if noise:
                    z = torch.randn(clean.shape, generator=noiser)
                    inputs = (clean + float(noise) * z).clamp(0, 1)
                loss = torch.nn.functional.mse_loss(model(inputs), clean)
                _step(loss, optimizer, scheduler)
                step += 1
                total += loss.item() * len(clean)
                bar.advance(epoch)
                if probe is not None and (step in probe_steps or step == steps):
                    take_probe(step)
            test_psnr = psnr(reconstruct(model, test_inputs), x_test)
            seconds = time.perf_counter() - start
            for key, value in zip(history, (epoch, total / len(x), test_psnr, seconds)):
                history[key].append(value)
            if report is not None:
                report(f"epoch {epoch:2d}/{epochs}: train loss {total / len(x):.4f}, "
                       f"test PSNR {test_psnr:.2f} dB, {seconds:.1f} s")
    finally:
        torch.use_deterministic_algorithms(deterministic)
        bar.close()
    model.eval()
    return history


# ---------------------------------------------------------------- chapter 15: segmentation metrics

#: the settings of chapter 15's segmentation run, for :func:`train_segmentation`
SEGMENTATION = {"epochs": 4, "batch_size": 32, "lr": 5e-3, "seed": 0, "schedule": "cosine"}


def _label_arrays(masks, predictions, classes, fn):
    """Both label arrays as int64, same shape, values checked against ``classes``."""
    classes = _positive_int(classes, "classes", fn)
    masks, predictions = np.asarray(masks), np.asarray(predictions)
    if masks.shape != predictions.shape:
        raise ValueError(f"{fn}: masks and predictions must have the same shape; got "
                         f"{masks.shape} and {predictions.shape}.")
    for name, values in (("masks", masks), ("predictions", predictions)):
        if not np.issubdtype(values.dtype, np.integer):
            raise TypeError(f"{fn}: {name} must hold int class labels; got dtype {values.dtype}.")
        if values.size and (values.min() < 0 or values.max() >= classes):
            raise ValueError(f"{fn}: {name} must be class labels in range({classes}); got "
                             f"values from {values.min()} to {values.max()}.")
    return masks.astype(np.int64).ravel(), predictions.astype(np.int64).ravel(), classes


def pixel_confusion(masks, predictions, classes=11):
    """Counts of (true class, predicted class) over all pixels of all masks.

    Entry ``[t, q]`` counts the pixels of class ``t`` labelled ``q``: the
    :func:`confusion_matrix` of chapter 12, with pixels in place of images.

    Examples
    --------
    >>> pixel_confusion([[0, 1], [1, 1]], [[0, 1], [0, 1]], classes=2)
    array([[1, 0],
           [1, 2]])
    """
    masks, predictions, classes = _label_arrays(masks, predictions, classes, "pixel_confusion")
    return np.bincount(masks * classes + predictions,
                       minlength=classes * classes).reshape(classes, classes)


def iou_per_class(masks, predictions, classes=11):
    """Intersection over union of each class, over all pixels of all masks.

    For class ``c``, with ``T`` the pixels whose true class is ``c`` and ``P`` the
    pixels labelled ``c``, ``IoU = |T ∩ P| / |T ∪ P|``, between 0 (no pixel right)
    and 1 (exactly the right pixels). A class that is neither in ``masks`` nor in
    ``predictions`` has no IoU: ``nan``.

    Parameters
    ----------
    masks, predictions : int arrays of the same shape
        True and predicted class of every pixel, in ``range(classes)``.
    classes : int

    Returns
    -------
    array of float64, shape (classes,)

    Examples
    --------
    >>> iou_per_class([[0, 0, 1, 1]], [[0, 1, 1, 1]], classes=3)
    array([0.5       , 0.66666667,        nan])
    """
    counts = pixel_confusion(masks, predictions, classes)
    both = np.diag(counts).astype(np.float64)
    union = counts.sum(axis=0) + counts.sum(axis=1) - both
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, both / np.maximum(union, 1), np.nan)


def mean_iou(masks, predictions, classes=11):
    """The mean of :func:`iou_per_class` over the classes that occur (``nan`` skipped).

    Every class counts the same, however few pixels it has, so a class with few
    pixels weighs as much as the background.

    Examples
    --------
    >>> mean_iou([[0, 0, 1, 1]], [[0, 1, 1, 1]], classes=3)  # (1/2 + 2/3) / 2
    0.5833333333333333
    """
    ious = iou_per_class(masks, predictions, classes)
    if np.isnan(ious).all():
        raise ValueError("mean_iou: masks and predictions are empty; there is no class to "
                         "average over.")
    return float(np.nanmean(ious))


def pixel_accuracy(masks, predictions):
    """The fraction of pixels whose predicted class is the true one.

    Examples
    --------
    >>> pixel_accuracy([[0, 0, 1, 1]], [[0, 1, 1, 1]])
    0.75
    """
    masks, predictions = np.asarray(masks), np.asarray(predictions)
    if masks.shape != predictions.shape or masks.size == 0:
        raise ValueError(f"pixel_accuracy: masks and predictions must have the same, non-empty "
                         f"shape; got {masks.shape} and {predictions.shape}.")
    return float(np.mean(masks == predictions))


def predict_masks(model, canvases, batch_size=250):
    """The class each pixel gets the highest score for: an int64 array (N, H, W).

    The model maps (N, 1, H, W) to scores (N, classes, H, W); it is evaluated in
    ``eval`` mode (batch normalization uses its running statistics), without
    gradients, and left in the mode it was in.

    Examples
    --------
    >>> import numpy as np
    >>> from tconv.models import small_unet
    >>> predict_masks(small_unet(seed=0), np.zeros((3, 28, 56), np.uint8)).shape
    (3, 28, 56)
    """
    torch = _torch()
    x = canvases if isinstance(canvases, torch.Tensor) else to_tensor(canvases)
    batch_size = _positive_int(batch_size, "batch_size", "predict_masks")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            labels = [model(x[i:i + batch_size]).argmax(dim=1) for i in range(0, len(x), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(labels).numpy()


def _segmentation_data(data, name, fn):
    torch = _torch()
    try:
        canvases, masks = data
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: {name} must be a pair (canvases, masks); got "
                        f"{type(data).__name__}.") from None
    x = to_tensor(canvases)
    masks = np.asarray(masks)
    if masks.shape != (x.shape[0], *x.shape[2:]):
        raise ValueError(f"{fn}: {name} has canvases of shape {tuple(np.shape(canvases))} but "
                         f"masks of shape {masks.shape}; expected one mask per canvas, the same "
                         f"size.")
    return x, torch.from_numpy(masks.astype(np.int64))


def train_segmentation(model, train_data, test_data, epochs, batch_size, lr, seed,
                       schedule="cosine", classes=11, report=print):
    """Train a segmentation network with Adam on the per-pixel cross-entropy.

    The loop of :func:`train`, with masks in place of labels: the loss is the
    cross-entropy of every pixel's scores against its true class, averaged over all
    pixels of the mini-batch. After each epoch, the mean IoU and the pixel accuracy
    on ``test_data`` are measured. Shuffling is seeded by ``seed``; deterministic
    algorithms are switched on during training.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, 1, H, W) to scores (N, classes, H, W); trained in place.
    train_data, test_data : pair (canvases, masks)
        uint8 canvases (N, H, W) and int masks (N, H, W), as
        :func:`tconv.data.digit_canvases` returns them.
    epochs, batch_size, lr, seed, schedule, report
        As for :func:`train`.
    classes : int
        Number of classes, for the IoU.

    Returns
    -------
    dict of lists, one entry per epoch
        ``"epoch"``, ``"loss"`` (mean training loss per pixel), ``"test_mean_iou"``,
        ``"test_pixel_accuracy"`` and ``"seconds"``.

    Examples
    --------
    >>> import numpy as np
    >>> from tconv.models import small_unet
    >>> canvases = np.zeros((4, 28, 56), np.uint8)
    >>> canvases[:, 5:20, 10:30] = 255
    >>> masks = (canvases > 127).astype(np.uint8)
    >>> history = train_segmentation(small_unet(classes=2, seed=0), (canvases, masks),
    ...                              (canvases, masks), epochs=2, batch_size=2, lr=1e-2,
    ...                              seed=0, classes=2, report=None)
    >>> history["epoch"], sorted(history)
    ([1, 2], ['epoch', 'loss', 'seconds', 'test_mean_iou', 'test_pixel_accuracy'])
    """
    torch = _torch()
    fn = "train_segmentation"
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{fn}: model must be a torch.nn.Module; got {type(model).__name__}.")
    x, y = _segmentation_data(train_data, "train_data", fn)
    x_test, y_test = _segmentation_data(test_data, "test_data", fn)
    epochs, batch_size = _check_settings(epochs, batch_size, lr, seed, schedule, report, fn)
    classes = _positive_int(classes, "classes", fn)
    for name, labels in (("train_data", y), ("test_data", y_test)):
        if len(labels) and (labels.min() < 0 or labels.max() >= classes):
            raise ValueError(f"{fn}: {name}'s masks must hold classes in range({classes}); got "
                             f"values from {int(labels.min())} to {int(labels.max())}.")
    steps = epochs * math.ceil(len(x) / batch_size)
    optimizer, scheduler = _adam(model, lr, schedule, steps)
    shuffler = torch.Generator().manual_seed(seed)
    history = {"epoch": [], "loss": [], "test_mean_iou": [], "test_pixel_accuracy": [],
               "seconds": []}
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    bar = _ProgressBar(steps, epochs, report is not None)
    try:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            model.train()
            order = torch.randperm(len(x), generator=shuffler)
            total = 0.0
            for begin in range(0, len(x), batch_size):
                batch = order[begin:begin + batch_size]
                loss = torch.nn.functional.cross_entropy(model(x[batch]), y[batch])
                _step(loss, optimizer, scheduler)
                total += loss.item() * len(batch)
                bar.advance(epoch)
            predicted = predict_masks(model, x_test)
            truth = y_test.numpy()
            scores = (mean_iou(truth, predicted, classes), pixel_accuracy(truth, predicted))
            seconds = time.perf_counter() - start
            for key, value in zip(history, (epoch, total / len(x), *scores, seconds)):
                history[key].append(value)
            if report is not None:
                report(f"epoch {epoch:2d}/{epochs}: train loss {total / len(x):.3f}, "
                       f"test mean IoU {scores[0]:.3f}, pixel accuracy {scores[1]:.1%}, "
                       f"{seconds:.1f} s")
    finally:
        torch.use_deterministic_algorithms(deterministic)
        bar.close()
    model.eval()
    return history
