"""The networks of Part IV, as PyTorch modules, and a deconvnet that runs an encoder backwards.

Chapter 12: LeNet-5 and a wider LeNet. Chapter 13: the deconvnet's way back through
max pooling, ReLU and convolution (:func:`deconvnet_reconstruction`). Chapter 14:
convolutional autoencoders with four kinds of decoder (:func:`autoencoder`). Chapter 15:
a small U-Net for segmentation (:func:`small_unet`).

The LeNet builders return a ``torch.nn.Sequential`` with two named parts, as
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

#: the ways a backward signal ``h`` can cross a ReLU whose input was ``z``: :func:`relu_backward`
RELU_RULES = ("deconvnet", "gradient", "guided")


def _encoder_until(model, layer, fn):
    """The ``(name, module)`` pairs of the encoder up to and including ``layer``."""
    nn = _torch().nn
    if not isinstance(model, nn.Module):
        raise TypeError(f"{fn}: model must be a torch.nn.Module (a network with a `features` "
                        f"part, or the encoder itself); got {type(model).__name__}.")
    encoder = getattr(model, "features", model)
    if not isinstance(encoder, nn.Sequential):
        raise TypeError(f"{fn}: the encoder must be a torch.nn.Sequential (model.features or the "
                        f"model itself); got {type(encoder).__name__}.")
    named = list(encoder.named_children())
    names = [name for name, _ in named]
    if layer not in names:
        raise ValueError(f"{fn}: layer={layer!r} is not a layer of the encoder; expected one of "
                         f"{names}.")
    named = named[:names.index(layer) + 1]
    for name, module in named:
        if type(module) not in (nn.Conv2d, nn.ReLU, nn.MaxPool2d):
            raise TypeError(f"{fn}: layer {name!r} is a {type(module).__name__}; a deconvnet runs "
                            f"back through Conv2d, ReLU and MaxPool2d layers only.")
    return named


def _check_images(x, fn):
    torch = _torch()
    if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.ndim != 4:
        described = (f"{x.dtype} tensor of shape {tuple(x.shape)}" if isinstance(x, torch.Tensor)
                     else type(x).__name__)
        raise TypeError(f"{fn}: x must be a float tensor of shape (N, channels, H, W), such as "
                        f"tconv.train.to_tensor(images); got a {described}.")


def _pool_options(pool):
    return dict(kernel_size=pool.kernel_size, stride=pool.stride, padding=pool.padding,
                dilation=pool.dilation, ceil_mode=pool.ceil_mode)


def forward_with_switches(model, x, layer):
    """Run an encoder up to ``layer`` and keep what the way back needs.

    Parameters
    ----------
    model : torch.nn.Module
        A network with a ``features`` part (as :func:`lenet5` builds), or the encoder
        itself: a ``torch.nn.Sequential`` of named ``Conv2d``, ``ReLU`` and ``MaxPool2d``.
    x : torch.Tensor, shape (N, c_in, H, W)
    layer : str
        Name of the last layer to run, e.g. ``"pool2"``.

    Returns
    -------
    output : torch.Tensor
        What ``layer`` gives.
    steps : list of (name, module, saved)
        One per layer run, first layer first. ``saved`` is the layer's input for a
        ``ReLU`` (the pre-activation z), ``(switches, input shape)`` for a
        ``MaxPool2d`` (the switches are the flat positions ``row * W + column`` that
        ``max_pool2d(..., return_indices=True)`` records), and the input shape for a
        ``Conv2d``.

    Examples
    --------
    >>> import torch
    >>> model = lenet5(seed=0)
    >>> output, steps = forward_with_switches(model, torch.rand(2, 1, 28, 28), "pool1")
    >>> output.shape, [name for name, _, _ in steps]
    (torch.Size([2, 6, 14, 14]), ['conv1', 'relu1', 'pool1'])
    >>> steps[2][2][0].shape  # the switches of pool1
    torch.Size([2, 6, 14, 14])
    """
    torch = _torch()
    F = torch.nn.functional
    fn = "forward_with_switches"
    named = _encoder_until(model, layer, fn)
    _check_images(x, fn)
    steps, h = [], x
    with torch.no_grad():
        for name, module in named:
            if isinstance(module, torch.nn.ReLU):
                steps.append((name, module, h))
                h = F.relu(h)
            elif isinstance(module, torch.nn.MaxPool2d):
                shape = h.shape
                h, switches = F.max_pool2d(h, **_pool_options(module), return_indices=True)
                steps.append((name, module, (switches, shape)))
            else:
                steps.append((name, module, h.shape))
                h = module(h)
    return h, steps


def relu_backward(h, z, rule):
    """Send a signal ``h`` back through a ReLU whose forward input was ``z``, by ``rule``.

    - ``"gradient"``: ``h`` where ``z > 0``, else 0: the chain rule. Negative values
      of ``h`` pass where the unit was on; nothing passes where it was off.
    - ``"deconvnet"``: ``max(h, 0)``, whatever ``z`` was: the ReLU applied to the
      backward signal itself (Zeiler and Fergus). Negative values of ``h`` stop;
      positive ones pass even where the unit was off.
    - ``"guided"``: ``max(h, 0)`` where ``z > 0``, else 0: both conditions (guided
      backpropagation).

    Examples
    --------
    >>> import torch
    >>> h, z = torch.tensor([2.0, -2.0, 2.0, -2.0]), torch.tensor([1.0, 1.0, -1.0, -1.0])
    >>> [relu_backward(h, z, rule).tolist() for rule in RELU_RULES]
    [[2.0, 0.0, 2.0, 0.0], [2.0, -2.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0]]
    """
    torch = _torch()
    if rule not in RELU_RULES:
        raise ValueError(f"relu_backward: rule={rule!r} is not a rule; expected one of "
                         f"{RELU_RULES}.")
    if rule == "deconvnet":
        return h.clamp(min=0)
    kept = h if rule == "gradient" else h.clamp(min=0)
    return torch.where(z > 0, kept, torch.zeros_like(h))


def unpool_backward(h, switches, shape):
    """Jᵀ h for a max pooling: each value of ``h`` goes to its recorded position.

    When no position won two windows (windows that do not overlap, as in the
    course's networks), this is max unpooling, ``F.max_unpool2d(h, switches, ...)``;
    where windows overlap, the values a position won add up, as in the gradient.

    Parameters
    ----------
    h, switches : torch.Tensor, shape (N, C, h, w)
        A pooled-size signal and the positions ``max_pool2d`` recorded.
    shape : torch.Size or tuple
        The shape of the pooling's input, ``(N, C, H, W)``.

    Examples
    --------
    >>> import torch
    >>> unpool_backward(torch.tensor([[[[5.0, 8.0]]]]), torch.tensor([[[[1, 6]]]]), (1, 1, 2, 4))
    tensor([[[[0., 5., 0., 0.],
              [0., 0., 8., 0.]]]])
    """
    n, c, height, width = shape
    out = h.new_zeros(n, c, height * width)
    out.scatter_add_(2, switches.flatten(2), h.flatten(2))  # deterministic on the CPU
    return out.view(n, c, height, width)


def _explicit_conv_padding(conv, fn):
    if conv.padding_mode != "zeros":
        raise ValueError(f"{fn}: a Conv2d with padding_mode={conv.padding_mode!r} is not a "
                         f"matrix C with zero padding; only padding_mode='zeros' is supported.")
    if conv.padding == "valid":
        return (0, 0)
    if conv.padding == "same":
        totals = [d * (k - 1) for k, d in zip(conv.kernel_size, conv.dilation)]
        if any(total % 2 for total in totals):
            raise ValueError(f"{fn}: padding='same' with kernel {conv.kernel_size} pads unevenly; "
                             f"give the Conv2d explicit padding instead.")
        return tuple(total // 2 for total in totals)
    return tuple(conv.padding)


def conv_backward(h, conv, shape):
    """Cᵀ h: the transposed convolution with the convolution's own weight, back to ``shape``.

    ``conv_transpose2d`` with ``conv.weight`` (no bias: the bias is not part of C),
    the convolution's stride, padding, dilation and groups, and the
    ``output_padding`` that gives back the input size ``shape`` (chapter 5).

    Examples
    --------
    >>> import torch
    >>> conv = torch.nn.Conv2d(1, 1, 3, stride=2, bias=False)
    >>> x = torch.rand(1, 1, 8, 8)
    >>> conv_backward(conv(x), conv, x.shape).shape  # 8 -> 3 -> 8, output_padding 1
    torch.Size([1, 1, 8, 8])
    """
    F = _torch().nn.functional
    padding = _explicit_conv_padding(conv, "conv_backward")
    output_padding = []
    for size, o, k, s, p, d in zip(shape[-2:], h.shape[-2:], conv.kernel_size, conv.stride,
                                   padding, conv.dilation):
        output_padding.append(size - ((o - 1) * s - 2 * p + d * (k - 1) + 1))
    return F.conv_transpose2d(h, conv.weight, stride=conv.stride, padding=padding,
                              output_padding=tuple(output_padding), groups=conv.groups,
                              dilation=conv.dilation)


def strongest_units(model, x, layer, batch_size=250):
    """The largest value of every feature map of ``layer``, for each image, and where it is.

    Parameters
    ----------
    model, x, layer
        As for :func:`forward_with_switches`.
    batch_size : int
        Images per forward pass (bounds the memory used).

    Returns
    -------
    values : torch.Tensor, shape (N, channels)
        The maximum of each image's map.
    positions : torch.Tensor of int64, shape (N, channels, 2)
        Row and column of that maximum (the first one in reading order).

    Examples
    --------
    >>> import torch
    >>> values, positions = strongest_units(lenet5(seed=0), torch.rand(3, 1, 28, 28), "pool2")
    >>> values.shape, positions.shape
    (torch.Size([3, 16]), torch.Size([3, 16, 2]))
    """
    torch = _torch()
    fn = "strongest_units"
    named = _encoder_until(model, layer, fn)
    _check_images(x, fn)
    if not is_int(batch_size) or batch_size < 1:
        raise ValueError(f"{fn}: batch_size={batch_size!r} must be a positive int.")
    values, flat = [], []
    with torch.no_grad():
        for begin in range(0, len(x), batch_size):
            h = x[begin:begin + batch_size]
            for _, module in named:
                h = module(h)
            best = h.flatten(2).max(dim=2)
            values.append(best.values)
            flat.append(best.indices)
    width = h.shape[-1]
    flat = torch.cat(flat)
    return torch.cat(values), torch.stack([flat // width, flat % width], dim=-1)


def deconvnet_reconstruction(model, x, layer, channel, position=None, rule="deconvnet"):
    """Project one unit of a trained encoder back to pixel space (Zeiler and Fergus).

    The encoder runs forward to ``layer``, recording the switches of every max
    pooling and the input of every ReLU. All units of ``layer`` are then set to zero
    except one of feature map ``channel``, which keeps its value, and that signal
    goes back through the layers in reverse order: max unpooling at the recorded
    switches (:func:`unpool_backward`, Jᵀ), the ReLU rule (:func:`relu_backward`) and
    the transposed convolution with the layer's own weight (:func:`conv_backward`, Cᵀ).

    Parameters
    ----------
    model : torch.nn.Module
        A network with a ``features`` part, or the encoder itself (named ``Conv2d``,
        ``ReLU`` and ``MaxPool2d`` layers); it is not changed.
    x : torch.Tensor, shape (N, c_in, H, W)
        The images; each gets its own reconstruction.
    layer : str
        The layer whose unit is projected, e.g. ``"pool2"``.
    channel : int
        The feature map.
    position : pair of int, optional
        Row and column of the unit in the map; by default, for each image, where the
        map is largest (the first such unit in reading order).
    rule : {"deconvnet", "gradient", "guided"}
        How the signal crosses each ReLU. With ``"gradient"`` the result is the
        unit's value times the gradient of the unit with respect to ``x``.

    Returns
    -------
    torch.Tensor, shape (N, c_in, H, W)
        Signed: the last transposed convolution is not followed by a ReLU.

    Examples
    --------
    >>> import torch
    >>> model = lenet5(seed=0)
    >>> x = torch.rand(2, 1, 28, 28)
    >>> deconvnet_reconstruction(model, x, "pool2", channel=3).shape
    torch.Size([2, 1, 28, 28])

    One convolution, no ReLU: the reconstruction of a unit is its filter, placed
    where the unit looks (a column of Cᵀ), times the unit's value.

    >>> conv = model.features.conv1
    >>> r = deconvnet_reconstruction(model, x[:1], "conv1", channel=0, position=(10, 12))
    >>> value = conv(x[:1])[0, 0, 10, 12]
    >>> torch.allclose(r[0, 0, 8:13, 10:15], value * conv.weight[0, 0], atol=1e-6)
    True
    """
    torch = _torch()
    fn = "deconvnet_reconstruction"
    if rule not in RELU_RULES:
        raise ValueError(f"{fn}: rule={rule!r} is not a rule; expected one of {RELU_RULES}.")
    output, steps = forward_with_switches(model, x, layer)
    channels, height, width = output.shape[1:]
    if not is_int(channel) or not 0 <= channel < channels:
        raise ValueError(f"{fn}: channel={channel!r} must be an int in range({channels}): "
                         f"layer {layer!r} has {channels} feature maps.")
    maps = output[:, channel].flatten(1)  # (N, height * width)
    if position is None:
        flat = maps.argmax(dim=1)
    else:
        try:
            m, n = position
            valid = is_int(m) and is_int(n) and 0 <= m < height and 0 <= n < width
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise ValueError(f"{fn}: position={position!r} must be a pair (row, column) inside "
                             f"the {height}×{width} maps of layer {layer!r}.")
        flat = torch.full((len(x),), m * width + n, dtype=torch.int64)
    h = torch.zeros_like(output)
    rows = torch.arange(len(x))
    h[:, channel].view(len(x), -1)[rows, flat] = maps[rows, flat]
    with torch.no_grad():
        for _, module, saved in reversed(steps):
            if isinstance(module, torch.nn.ReLU):
                h = relu_backward(h, saved, rule)
            elif isinstance(module, torch.nn.MaxPool2d):
                h = unpool_backward(h, *saved)
            else:
                h = conv_backward(h, module, saved)
    return h


# ---------------------------------------------------------------- chapter 14: autoencoders

#: the decoders of :func:`autoencoder`
DECODERS = ("tied", "free", "resize", "unpool")

_AUTOENCODER = []  # the classes, made on first use so that importing this module needs no torch


def _autoencoder_classes():
    if _AUTOENCODER:
        return _AUTOENCODER
    torch = _torch()
    nn = torch.nn
    F = nn.functional

    class TransposeOf(nn.Module):
        """Cᵀ of a given ``Conv2d``: ``conv_transpose2d`` with that layer's own weight.

        The weight is not copied: ``layer.weight is conv.weight``, so training the
        encoder trains this layer too. The bias is the layer's own (the bias is not
        part of C); it starts at zero.
        """

        def __init__(self, conv, output_padding):
            super().__init__()
            self._of = (conv,)  # a reference, not a submodule: the weight belongs to the encoder
            self.output_padding = output_padding
            self.bias = nn.Parameter(torch.zeros(conv.in_channels))

        @property
        def weight(self):
            return self._of[0].weight

        def forward(self, h):
            conv = self._of[0]
            return F.conv_transpose2d(h, conv.weight, self.bias, stride=conv.stride,
                                      padding=conv.padding, output_padding=self.output_padding)

        def extra_repr(self):
            conv = self._of[0]
            return (f"transpose of Conv2d({conv.in_channels}, {conv.out_channels}, "
                    f"kernel_size={conv.kernel_size}, stride={conv.stride}, "
                    f"padding={conv.padding}), output_padding={self.output_padding}")

    class Autoencoder(nn.Module):
        """A convolutional autoencoder for 28×28 digits; build it with :func:`autoencoder`.

        Layers: ``conv1``, ``conv2`` (the encoder), ``up2``, ``up1`` (the decoder,
        ``up2`` undoes ``conv2`` and runs first). :meth:`encode` returns the code and
        what unpooling needs; :meth:`decode` goes back to pixels.
        """

        def __init__(self, decoder, channels, output_padding):
            super().__init__()
            c1, c2 = channels
            self.kind = decoder
            stride = 1 if decoder == "unpool" else 2  # unpooling needs max pooling to go down
            self.conv1 = nn.Conv2d(1, c1, 3, stride=stride, padding=1)
            self.conv2 = nn.Conv2d(c1, c2, 3, stride=stride, padding=1)
            a2, a1 = output_padding
            if decoder == "tied":
                self.up2 = TransposeOf(self.conv2, a2)
                self.up1 = TransposeOf(self.conv1, a1)
            elif decoder == "free":
                self.up2 = nn.ConvTranspose2d(c2, c1, 3, stride=2, padding=1, output_padding=a2)
                self.up1 = nn.ConvTranspose2d(c1, 1, 3, stride=2, padding=1, output_padding=a1)
            elif decoder == "resize":
                self.up2 = nn.Sequential(OrderedDict(resize=nn.Upsample(scale_factor=2),
                                                     conv=nn.Conv2d(c2, c1, 3, padding=1)))
                self.up1 = nn.Sequential(OrderedDict(resize=nn.Upsample(scale_factor=2),
                                                     conv=nn.Conv2d(c1, 1, 3, padding=1)))
            else:
                self.up2 = nn.ConvTranspose2d(c2, c1, 3, padding=1)
                self.up1 = nn.ConvTranspose2d(c1, 1, 3, padding=1)

        def encode(self, x):
            """``(code, switches)``: the code (N, c2, 7, 7) and, for the ``"unpool"``
            decoder, the ``(positions, input shape)`` of each max pooling (else ``[]``)."""
            h, switches = x, []
            for conv in (self.conv1, self.conv2):
                h = torch.relu(conv(h))
                if self.kind == "unpool":
                    shape = h.shape
                    h, positions = F.max_pool2d(h, 2, return_indices=True)
                    switches.append((positions, shape))
            return h, switches

        def decode(self, code, switches=()):
            """Pixels in (0, 1) from a code; ``switches`` as :meth:`encode` returns them."""
            if self.kind == "unpool" and len(switches) != 2:
                raise ValueError("decode: the 'unpool' decoder needs the switches that encode() "
                                 "returns: decode(*model.encode(x)).")
            h = code
            for number, up in enumerate((self.up2, self.up1)):
                if self.kind == "unpool":  # Jᵀ: each value back to its recorded position
                    h = unpool_backward(h, *switches[1 - number])
                h = up(h)
                h = torch.relu(h) if number == 0 else torch.sigmoid(h)
            return h

        def forward(self, x):
            return self.decode(*self.encode(x))

        def extra_repr(self):
            return f"decoder={self.kind!r}"

    _AUTOENCODER.extend([TransposeOf, Autoencoder])
    return _AUTOENCODER


def autoencoder(decoder="free", seed=None, channels=(16, 8)):
    """A convolutional autoencoder for 1×28×28 digits, 28 → 14 → 7 and back.

    The encoder is two 3×3 convolutions with ReLU, ``conv1`` (1 → c1 channels) and
    ``conv2`` (c1 → c2); each halves the size. The decoder mirrors it with two
    layers, ``up2`` (c2 → c1, ReLU) and ``up1`` (c1 → 1, sigmoid, so pixels lie in
    (0, 1)), each doubling the size:

    ==========  ===============================================================
    decoder     up2 and up1
    ==========  ===============================================================
    ``tied``    ``conv_transpose2d`` with the encoder's own weights (Cᵀ of
                ``conv2``, then of ``conv1``), stride 2, padding 1,
                ``output_padding`` 1; only the biases are the decoder's own
    ``free``    ``ConvTranspose2d(k=3, s=2, p=1, output_padding=1)`` with weights
                of their own
    ``resize``  nearest-neighbour upsampling by 2, then ``Conv2d(k=3, p=1)``
    ``unpool``  max unpooling at the positions the encoder's max pooling
                recorded (Jᵀ, :func:`unpool_backward`), then
                ``ConvTranspose2d(k=3, s=1, p=1)``; the encoder's convolutions then
                have stride 1, each followed by 2×2 max pooling
    ==========  ===============================================================

    ``output_padding`` 1 is what brings 7 back to 14 and 14 back to 28 (computed here
    with :func:`tconv.output_padding_for_size`); the network is built for 28×28
    digits, and an input of another size may come back at another size (a 27×27
    input comes back 28×28).

    Parameters
    ----------
    decoder : {"tied", "free", "resize", "unpool"}
    seed : int, optional
        As for :func:`lenet5`. The encoder is drawn first, so one seed gives every
        decoder the same initial encoder.
    channels : pair of int
        ``(c1, c2)``: channels after ``conv1`` and in the code (N, c2, 7, 7).

    Returns
    -------
    torch.nn.Module
        Maps (N, 1, 28, 28) to (N, 1, 28, 28); methods ``encode`` and ``decode``.

    Examples
    --------
    >>> import torch
    >>> model = autoencoder("tied", seed=0)
    >>> model(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 1, 28, 28])
    >>> model.up2.weight is model.conv2.weight  # the decoder is Cᵀ of the encoder
    True
    >>> code, switches = model.encode(torch.zeros(1, 1, 28, 28))
    >>> code.shape
    torch.Size([1, 8, 7, 7])
    >>> [sum(p.numel() for p in autoencoder(d).parameters()) for d in DECODERS]
    [1337, 2633, 2633, 2633]
    """
    from .shapes import conv2d_output_size, output_padding_for_size

    fn = "autoencoder"
    _check_seed(seed, fn)
    if decoder not in DECODERS:
        raise ValueError(f"{fn}: decoder={decoder!r} is not a decoder; expected one of "
                         f"{DECODERS}.")
    try:
        c1, c2 = channels
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: channels={channels!r} must be a pair of ints (c1, c2).") from None
    if not (is_int(c1) and is_int(c2)) or min(c1, c2) < 1:
        raise ValueError(f"{fn}: channels={channels!r} must be two positive ints (c1, c2).")
    sizes = [28]
    for _ in range(2):  # 28 -> 14 -> 7
        sizes.append(conv2d_output_size(sizes[-1], 3, stride=2, padding=1))
    output_padding = (output_padding_for_size(sizes[2], sizes[1], 3, stride=2, padding=1),
                      output_padding_for_size(sizes[1], sizes[0], 3, stride=2, padding=1))
    torch = _torch()
    build = _autoencoder_classes()[1]
    if seed is None:
        return build(decoder, (int(c1), int(c2)), output_padding)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build(decoder, (int(c1), int(c2)), output_padding)


# ---------------------------------------------------------------- chapter 15: segmentation

_SMALL_UNET = []  # the class, made on first use so that importing this module needs no torch


def _small_unet_class():
    if _SMALL_UNET:
        return _SMALL_UNET[0]
    torch = _torch()
    nn = torch.nn

    class SmallUNet(nn.Module):
        """A U-Net-style encoder–decoder; build it with :func:`small_unet`.

        Parts: ``encode[l]`` (the block at level ``l``), ``pool``, ``bottom``,
        ``up[l]`` (a ConvTranspose2d from level ``l + 1`` back to level ``l``),
        ``decode[l]`` (reads the skip of level ``l`` and ``up[l]``'s output,
        concatenated along the channels) and ``head`` (a 1×1 convolution to the
        class scores).
        """

        def __init__(self, classes, widths, sizes, paddings):
            super().__init__()
            self.input_size = sizes[0]

            def block(c_in, c_out, convolutions, relu=True):
                layers = []
                for number in range(convolutions):
                    layers += [nn.Conv2d(c_in if number == 0 else c_out, c_out, 3, padding=1,
                                         bias=False),
                               nn.BatchNorm2d(c_out), nn.ReLU()]
                return nn.Sequential(*(layers if relu else layers[:-1]))

            levels = len(widths) - 1
            self.encode = nn.ModuleList(
                block(1 if l == 0 else widths[l - 1], widths[l], 1 if l == 0 else 2)
                for l in range(levels))
            self.pool = nn.MaxPool2d(2)
            self.bottom = block(widths[levels - 1], widths[levels], 2)
            self.up = nn.ModuleList(
                nn.ConvTranspose2d(widths[l + 1], widths[l], 2, stride=2,
                                   output_padding=paddings[l])
                for l in range(levels))
            self.decode = nn.ModuleList(  # decode[0] ends without ReLU: see small_unet
                block(2 * widths[l], widths[l], 1 if l == 0 else 2, relu=l > 0)
                for l in range(levels))
            self.head = nn.Conv2d(widths[0], classes, 1)

        def forward(self, x):
            if tuple(x.shape[-2:]) != self.input_size or x.ndim != 4 or x.shape[1] != 1:
                raise ValueError(f"small_unet: this network was built for canvases of shape "
                                 f"(N, 1, {self.input_size[0]}, {self.input_size[1]}); got "
                                 f"{tuple(x.shape)}. Build one with input_size="
                                 f"{tuple(x.shape[-2:])} for other canvases.")
            skips = []
            for block in self.encode:
                x = block(x)
                skips.append(x)  # kept for the decoder at this level
                x = self.pool(x)
            x = self.bottom(x)
            for l in reversed(range(len(skips))):
                x = self.up[l](x)  # C^T: back to the size of level l
                x = self.decode[l](torch.cat([skips[l], x], dim=1))
            return self.head(x)

    _SMALL_UNET.append(SmallUNet)
    return SmallUNet


def unet_sizes(input_size, levels=3):
    """The map sizes ``(H, W)`` at each level of :func:`small_unet`, and the
    ``output_padding`` each of its transposed convolutions needs.

    Level 0 has the canvas size; each 2×2 max pooling (kernel 2, stride 2) gives
    the next level, ``o = floor(i / 2)``, dropping the last row or column of an odd
    size. A transposed convolution with ``k = s = 2`` brings level ``l + 1`` back to
    ``2 o + a``, which equals level ``l``'s size when ``a`` is the remainder the pool
    dropped.

    Returns
    -------
    sizes : list of (H, W), levels + 1 entries, level 0 first
    paddings : list of (a_H, a_W), one per level: ``paddings[l]`` for the transposed
        convolution from level ``l + 1`` back to level ``l``

    Examples
    --------
    >>> unet_sizes((28, 56))
    ([(28, 56), (14, 28), (7, 14), (3, 7)], [(0, 0), (0, 0), (1, 0)])
    """
    from .shapes import conv2d_output_size, output_padding_for_size

    fn = "unet_sizes"
    if not is_int(levels) or levels < 1:
        raise ValueError(f"{fn}: levels={levels!r} must be a positive int.")
    try:
        height, width = input_size
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: input_size={input_size!r} must be a pair of ints (H, W).") from None
    if not (is_int(height) and is_int(width)):
        raise TypeError(f"{fn}: input_size={input_size!r} must be a pair of ints (H, W).")
    if min(height, width) < 2 ** levels:
        raise ValueError(f"{fn}: input_size={input_size!r} is too small for {levels} levels: "
                         f"each side must be at least 2**levels = {2 ** levels}.")
    sizes = [(int(height), int(width))]
    for _ in range(levels):
        sizes.append(conv2d_output_size(sizes[-1], 2, stride=2))
    paddings = [output_padding_for_size(sizes[l + 1], sizes[l], 2, stride=2)
                for l in range(levels)]
    return sizes, paddings


def small_unet(classes=11, width=8, input_size=(28, 56), levels=3, seed=None):
    """A small U-Net: labels every pixel of a canvas with one of ``classes`` classes.

    The encoder has ``levels`` levels; level ``l`` has ``width * 2**l`` channels and
    ends in a 2×2 max pooling, which halves the size; a ``bottom`` block follows.
    The decoder climbs back: at each level a ``ConvTranspose2d(k=2, s=2)`` doubles
    the size (with the ``output_padding`` that :func:`unet_sizes` computes for
    ``input_size``), its output is concatenated with the encoder's map of that
    level (the skip connection), and a block of 3×3 convolutions mixes the two. A
    1×1 convolution gives the class scores of every pixel.

    Blocks are 3×3 convolutions (``padding=1``, so the size is kept) each followed
    by batch normalization and a ReLU: one convolution at level 0, where the maps
    are largest, two elsewhere. The last block, ``decode[0]``, has no ReLU: the
    head reads its normalized features as they are. (With a ReLU there, short
    training runs on digit canvases often stalled at a network that separates ink
    from background but not the digits.)

    For ``input_size=(28, 56)``, ``width=8``, ``levels=3``:

    =========  ============================  ========
    part       layers                        output
    =========  ============================  ========
    encode[0]  conv 1→8                      8×28×56
    encode[1]  pool, conv 8→16, 16→16        16×14×28
    encode[2]  pool, conv 16→32, 32→32       32×7×14
    bottom     pool, conv 32→64, 64→64       64×3×7
    up[2]      transposed 64→32, a = (1, 0)  32×7×14
    decode[2]  conv 64→32, 32→32             32×7×14
    up[1]      transposed 32→16              16×14×28
    decode[1]  conv 32→16, 16→16             16×14×28
    up[0]      transposed 16→8               8×28×56
    decode[0]  conv 16→8, no ReLU            8×28×56
    head       1×1 convolution, 8→classes    11×28×56
    =========  ============================  ========

    ``conv`` is a 3×3 convolution with batch normalization and ReLU; ``transposed`` is
    ``ConvTranspose2d(kernel_size=2, stride=2)`` with ``output_padding`` ``a``.

    Parameters
    ----------
    classes : int
        Output channels: class scores per pixel (11: background and ten digits).
    width : int
        Channels at level 0.
    input_size : pair of int
        ``(H, W)`` of the canvases; the network accepts only this size.
    levels : int
        Number of poolings.
    seed : int, optional
        As for :func:`lenet5`.

    Returns
    -------
    torch.nn.Module
        Maps (N, 1, H, W) to scores (N, classes, H, W).

    Examples
    --------
    >>> import torch
    >>> model = small_unet(seed=0)
    >>> model(torch.zeros(2, 1, 28, 56)).shape
    torch.Size([2, 11, 28, 56])
    >>> model.up[2]
    ConvTranspose2d(64, 32, kernel_size=(2, 2), stride=(2, 2), output_padding=(1, 0))
    >>> sum(p.numel() for p in model.parameters())
    119939
    """
    fn = "small_unet"
    _check_seed(seed, fn)
    for name, value in (("classes", classes), ("width", width)):
        if not is_int(value) or value < 1:
            raise ValueError(f"{fn}: {name}={value!r} must be a positive int.")
    sizes, paddings = unet_sizes(input_size, levels)
    widths = [width * 2 ** l for l in range(levels + 1)]
    torch = _torch()
    build = _small_unet_class()
    if seed is None:
        return build(classes, widths, sizes, paddings)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build(classes, widths, sizes, paddings)
