"""The networks of Part IV, as PyTorch modules: LeNet-5 and a wider LeNet.

Each builder returns a ``torch.nn.Sequential`` with two named parts, as
torchvision does: ``features``, the encoder (convolutions, ReLUs, max pooling),
and ``classifier``, which flattens the encoder's output and maps it to 10
class scores. Layers have names (``model.features.conv1``), so later chapters
can reach the weights and run the encoder backwards.

This module needs PyTorch; ``import tconv`` does not import it.
"""

from collections import OrderedDict

from .shapes import is_int


def _torch():
    try:
        import torch
    except ModuleNotFoundError as error:  # pragma: no cover - torch is in the course's pins
        raise ModuleNotFoundError("tconv.models needs PyTorch: pip install torch") from error
    return torch


def _check_seed(seed, fn):
    if seed is not None and not is_int(seed):
        raise TypeError(f"{fn}: seed={seed!r} must be an int or None; got {type(seed).__name__}.")


def _assemble(seed, features, classifier):
    """``Sequential(features=..., classifier=...)``; the weights are drawn from ``seed``.

    Builders pass lists of ``(name, layer factory)``; the layers are created inside
    ``torch.random.fork_rng``, so a seed does not disturb the caller's random state.
    """
    torch = _torch()
    nn = torch.nn

    def make_parts():
        return OrderedDict(
            features=nn.Sequential(OrderedDict((name, make()) for name, make in features)),
            classifier=nn.Sequential(OrderedDict((name, make()) for name, make in classifier)),
        )
    if seed is None:  # draw from (and advance) the caller's random state
        return nn.Sequential(make_parts())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(make_parts())


def lenet5(seed=None):
    """LeNet-5 with ReLU and max pooling, for 1×28×28 digits.

    The original network read 32×32 pictures; two rows and columns of zeros
    around a 28×28 digit (``padding=2`` in the first convolution) give the same
    28×28 maps after the first layer.

    ========  ==========================  ===========
    layer     definition                  output
    ========  ==========================  ===========
    conv1     Conv2d(1, 6, 5, padding=2)  6×28×28
    pool1     MaxPool2d(2)                6×14×14
    conv2     Conv2d(6, 16, 5)            16×10×10
    pool2     MaxPool2d(2)                16×5×5
    fc1       Linear(400, 120)            120
    fc2       Linear(120, 84)             84
    fc3       Linear(84, 10)              10
    ========  ==========================  ===========

    Every convolution and hidden linear layer is followed by a ReLU.

    Parameters
    ----------
    seed : int, optional
        Draw the initial weights from ``torch.manual_seed(seed)`` (without changing
        the caller's random state). ``None`` uses the current random state.

    Returns
    -------
    torch.nn.Sequential
        With parts ``features`` (the encoder) and ``classifier``.

    Examples
    --------
    >>> import torch
    >>> model = lenet5(seed=0)
    >>> model(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    >>> model.features(torch.zeros(1, 1, 28, 28)).shape
    torch.Size([1, 16, 5, 5])
    >>> sum(p.numel() for p in model.parameters())
    61706
    """
    _check_seed(seed, "lenet5")
    nn = _torch().nn
    features = [
        ("conv1", lambda: nn.Conv2d(1, 6, kernel_size=5, padding=2)),  # -> 6×28×28
        ("relu1", nn.ReLU),
        ("pool1", lambda: nn.MaxPool2d(2)),                            # -> 6×14×14
        ("conv2", lambda: nn.Conv2d(6, 16, kernel_size=5)),            # -> 16×10×10
        ("relu2", nn.ReLU),
        ("pool2", lambda: nn.MaxPool2d(2)),                            # -> 16×5×5
    ]
    classifier = [
        ("flatten", nn.Flatten),                                       # -> 400
        ("fc1", lambda: nn.Linear(16 * 5 * 5, 120)),
        ("relu3", nn.ReLU),
        ("fc2", lambda: nn.Linear(120, 84)),
        ("relu4", nn.ReLU),
        ("fc3", lambda: nn.Linear(84, 10)),
    ]
    return _assemble(seed, features, classifier)


def lenet_wide(seed=None, dropout=0.5):
    """A wider LeNet: 32 and 64 filters with SAME padding, 512 hidden units and dropout.

    With stride 1 and a 5×5 kernel, SAME padding is two zeros on each side
    (``padding=2``), so only the pooling layers shrink the maps: 28 → 14 → 7.

    ========  ============================  ===========
    layer     definition                    output
    ========  ============================  ===========
    conv1     Conv2d(1, 32, 5, padding=2)   32×28×28
    pool1     MaxPool2d(2)                  32×14×14
    conv2     Conv2d(32, 64, 5, padding=2)  64×14×14
    pool2     MaxPool2d(2)                  64×7×7
    fc1       Linear(3136, 512)             512
    dropout   Dropout(dropout)              512
    fc2       Linear(512, 10)               10
    ========  ============================  ===========

    Every convolution and ``fc1`` are followed by a ReLU.

    Parameters
    ----------
    seed : int, optional
        As for :func:`lenet5`.
    dropout : float
        Probability of zeroing each of the 512 hidden units during training, in [0, 1).

    Returns
    -------
    torch.nn.Sequential
        With parts ``features`` (the encoder) and ``classifier``.

    Examples
    --------
    >>> import torch
    >>> model = lenet_wide(seed=0)
    >>> model.features(torch.zeros(1, 1, 28, 28)).shape
    torch.Size([1, 64, 7, 7])
    >>> sum(p.numel() for p in model.parameters())
    1663370
    """
    _check_seed(seed, "lenet_wide")
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)):
        raise TypeError(f"lenet_wide: dropout={dropout!r} must be a number in [0, 1); "
                        f"got {type(dropout).__name__}.")
    if not 0 <= dropout < 1:
        raise ValueError(f"lenet_wide: dropout={dropout!r} must be in [0, 1): the probability "
                         f"of zeroing a hidden unit.")
    nn = _torch().nn
    features = [
        ("conv1", lambda: nn.Conv2d(1, 32, kernel_size=5, padding=2)),   # SAME -> 32×28×28
        ("relu1", nn.ReLU),
        ("pool1", lambda: nn.MaxPool2d(2)),                              # -> 32×14×14
        ("conv2", lambda: nn.Conv2d(32, 64, kernel_size=5, padding=2)),  # SAME -> 64×14×14
        ("relu2", nn.ReLU),
        ("pool2", lambda: nn.MaxPool2d(2)),                              # -> 64×7×7
    ]
    classifier = [
        ("flatten", nn.Flatten),                                         # -> 3136
        ("fc1", lambda: nn.Linear(64 * 7 * 7, 512)),
        ("relu3", nn.ReLU),
        ("dropout", lambda: nn.Dropout(dropout)),
        ("fc2", lambda: nn.Linear(512, 10)),
    ]
    return _assemble(seed, features, classifier)


#: the builders by name, for :func:`tconv.train.trained` and for later chapters
BUILDERS = {"lenet5": lenet5, "lenet_wide": lenet_wide}


# ---------------------------------------------------------------- chapter 13: a deconvnet


# ---------------------------------------------------------------- chapter 14: autoencoders


# ---------------------------------------------------------------- chapter 15: segmentation
