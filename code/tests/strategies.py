"""Hypothesis strategies for convolution configurations that PyTorch accepts."""

from hypothesis import strategies as st


@st.composite
def int_or_pair(draw, low, high):
    """Either an int or a pair of ints in [low, high]."""
    if draw(st.booleans()):
        return draw(st.integers(low, high))
    return (draw(st.integers(low, high)), draw(st.integers(low, high)))


def as_pair(value):
    return value if isinstance(value, tuple) else (value, value)


@st.composite
def conv_configs(draw, max_extra=8):
    """A dict of shapes and options for one valid conv2d call (explicit padding)."""
    groups = draw(st.integers(1, 3))
    kernel_size = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = draw(int_or_pair(1, 3))
    padding = draw(int_or_pair(0, 3))
    dilation = draw(int_or_pair(1, 3))
    input_size = []
    for k, p, d in zip(kernel_size, as_pair(padding), as_pair(dilation)):
        smallest = max(1, d * (k - 1) + 1 - 2 * p)
        input_size.append(draw(st.integers(smallest, smallest + max_extra)))
    return dict(
        batch=draw(st.integers(1, 3)),
        in_channels=groups * draw(st.integers(1, 3)),
        out_channels=groups * draw(st.integers(1, 3)),
        groups=groups,
        kernel_size=kernel_size,
        input_size=tuple(input_size),
        stride=stride,
        padding=padding,
        dilation=dilation,
        bias=draw(st.booleans()),
        seed=draw(st.integers(0, 2**16)),
    )


def arrays_for(config):
    """Random float64 x, weight and bias (or None) for a config from conv_configs."""
    import numpy as np

    rng = np.random.default_rng(config["seed"])
    x = rng.standard_normal((config["batch"], config["in_channels"], *config["input_size"]))
    weight = rng.standard_normal(
        (config["out_channels"], config["in_channels"] // config["groups"], *config["kernel_size"])
    )
    bias = rng.standard_normal(config["out_channels"]) if config["bias"] else None
    return x, weight, bias


@st.composite
def transpose_configs(draw, max_size=6):
    """A dict of shapes and options for one valid conv_transpose2d call."""
    groups = draw(st.integers(1, 3))
    kernel_size = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = draw(int_or_pair(1, 3))
    dilation = draw(int_or_pair(1, 3))
    input_size, padding, output_padding = [], [], []
    for k, s, d in zip(kernel_size, as_pair(stride), as_pair(dilation)):
        i = draw(st.integers(1, max_size))
        op = draw(st.integers(0, max(s, d) - 1))
        full = (i - 1) * s + d * (k - 1) + 1 + op
        p = draw(st.integers(0, min(3, (full - 1) // 2)))
        input_size.append(i)
        padding.append(p)
        output_padding.append(op)
    return dict(
        batch=draw(st.integers(1, 3)),
        in_channels=groups * draw(st.integers(1, 3)),
        out_channels=groups * draw(st.integers(1, 3)),
        groups=groups,
        kernel_size=kernel_size,
        input_size=tuple(input_size),
        stride=stride,
        padding=tuple(padding),
        output_padding=tuple(output_padding),
        dilation=dilation,
        bias=draw(st.booleans()),
        seed=draw(st.integers(0, 2**16)),
    )


def transpose_arrays_for(config):
    """Random float64 x, weight (c_in, c_out / groups, kH, kW) and bias for transpose_configs."""
    import numpy as np

    rng = np.random.default_rng(config["seed"])
    x = rng.standard_normal((config["batch"], config["in_channels"], *config["input_size"]))
    weight = rng.standard_normal(
        (config["in_channels"], config["out_channels"] // config["groups"], *config["kernel_size"])
    )
    bias = rng.standard_normal(config["out_channels"]) if config["bias"] else None
    return x, weight, bias
