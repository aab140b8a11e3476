"""Shape arithmetic and argument checking, shared by every operation.

Every public function of ``tconv`` checks its arguments here, so that a wrong
call fails with one kind of message everywhere::

    conv2d: stride=(0, 1) must be positive in each dimension; got 0 for the height.

Sizes are given per spatial dimension. Any integer parameter also takes a pair
``(height, width)``.
"""

import math
import numbers

PADDING_MODES = ("valid", "same")


def is_int(value):
    """True for Python and NumPy integers, False for booleans and everything else.

    >>> is_int(3), is_int(True), is_int(3.0)
    (True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def pair(value, name, fn):
    """Return ``value`` as a pair of ints ``(height, width)``.

    ``fn`` and ``name`` name the calling function and the parameter, for the
    error message.

    >>> pair(3, "stride", "conv2d")
    (3, 3)
    >>> pair((1, 2), "stride", "conv2d")
    (1, 2)
    """
    if is_int(value):
        return (int(value), int(value))
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(is_int(v) for v in value):
        return (int(value[0]), int(value[1]))
    raise TypeError(
        f"{fn}: {name}={value!r} must be an int or a pair of ints (height, width); "
        f"got {type(value).__name__}."
    )


def positive_pair(value, name, fn):
    """A pair of ints, each at least 1.

    >>> positive_pair(2, "stride", "conv2d")
    (2, 2)
    """
    result = pair(value, name, fn)
    for size, axis in zip(result, ("height", "width")):
        if size < 1:
            raise ValueError(
                f"{fn}: {name}={value!r} must be positive in each dimension; "
                f"got {size} for the {axis}."
            )
    return result


def nonnegative_pair(value, name, fn):
    """A pair of ints, each at least 0.

    >>> nonnegative_pair((0, 1), "padding", "conv2d")
    (0, 1)
    """
    result = pair(value, name, fn)
    for size, axis in zip(result, ("height", "width")):
        if size < 0:
            raise ValueError(
                f"{fn}: {name}={value!r} must be zero or positive in each dimension; "
                f"got {size} for the {axis}."
            )
    return result


def padding_mode(value, fn):
    """Return ``"valid"`` or ``"same"`` if ``value`` is one of them (any case), else None.

    >>> padding_mode("SAME", "conv2d"), padding_mode(1, "conv2d")
    ('same', None)
    """
    if not isinstance(value, str):
        return None
    if value.lower() in PADDING_MODES:
        return value.lower()
    raise ValueError(
        f"{fn}: padding={value!r} is not a padding mode; expected 'valid', 'same', "
        f"an int or a pair of ints."
    )


def same_padding(input_size, kernel_size, stride=1, dilation=1):
    """Zeros to add before and after each dimension for TensorFlow's ``"SAME"``.

    SAME makes the output size ``ceil(i / s)``. It pads the least total needed
    for that, ``max((o - 1) * s + d * (k - 1) + 1 - i, 0)``, and puts the odd
    extra zero *after* (at the bottom or on the right).

    Parameters
    ----------
    input_size, kernel_size, stride, dilation : int or pair of int

    Returns
    -------
    tuple
        ``(before, after)`` if every argument is an int, otherwise
        ``((top, bottom), (left, right))``.

    Examples
    --------
    >>> same_padding(5, 3)
    (1, 1)
    >>> same_padding(4, 2, stride=2)
    (0, 0)
    >>> same_padding(5, 2, stride=2)
    (0, 1)
    >>> same_padding((6, 5), 3, stride=2)
    ((0, 1), (1, 1))
    """
    fn = "same_padding"
    scalar = all(is_int(v) for v in (input_size, kernel_size, stride, dilation))
    sizes = positive_pair(input_size, "input_size", fn)
    kernel = positive_pair(kernel_size, "kernel_size", fn)
    strides = positive_pair(stride, "stride", fn)
    dilations = positive_pair(dilation, "dilation", fn)
    result = []
    for i, k, s, d in zip(sizes, kernel, strides, dilations):
        out = math.ceil(i / s)
        total = max((out - 1) * s + d * (k - 1) + 1 - i, 0)
        result.append((total // 2, total - total // 2))
    return result[0] if scalar else tuple(result)


def explicit_padding(padding, input_size, kernel_size, stride, dilation, fn):
    """Turn any accepted ``padding`` into ``((top, bottom), (left, right))``.

    ``padding`` is an int, a pair, ``"valid"`` or ``"same"`` (TensorFlow's rule).

    >>> explicit_padding(1, (4, 4), (3, 3), (1, 1), (1, 1), "conv2d")
    ((1, 1), (1, 1))
    >>> explicit_padding("same", (5, 5), (2, 2), (2, 2), (1, 1), "conv2d")
    ((0, 1), (0, 1))
    """
    mode = padding_mode(padding, fn)
    if mode == "valid":
        return ((0, 0), (0, 0))
    if mode == "same":
        return same_padding(tuple(input_size), tuple(kernel_size), tuple(stride), tuple(dilation))
    top, left = nonnegative_pair(padding, "padding", fn)
    return ((top, top), (left, left))


def conv2d_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Spatial size of a convolution's output.

    ``o = floor((i + 2p - d(k - 1) - 1) / s) + 1``, per dimension.
    ``padding="valid"`` means p = 0; ``padding="same"`` gives ``ceil(i / s)``
    (TensorFlow's rule, see :func:`same_padding`).

    Parameters
    ----------
    input_size, kernel_size, stride, dilation : int or pair of int
    padding : int, pair of int, "valid" or "same"

    Returns
    -------
    int or tuple of int
        An int if every argument is an int (or a mode string), else a pair.

    Raises
    ------
    ValueError
        If the dilated kernel is larger than the padded input.

    Examples
    --------
    >>> conv2d_output_size(5, 3, stride=2, padding=1)
    3
    >>> conv2d_output_size((7, 8), 3, stride=2)
    (3, 3)
    >>> conv2d_output_size(5, 2, stride=2, padding="same")
    3
    """
    fn = "conv2d_output_size"
    scalar = all(is_int(v) for v in (input_size, kernel_size, stride, dilation))
    scalar = scalar and (is_int(padding) or isinstance(padding, str))
    sizes = positive_pair(input_size, "input_size", fn)
    kernel = positive_pair(kernel_size, "kernel_size", fn)
    strides = positive_pair(stride, "stride", fn)
    dilations = positive_pair(dilation, "dilation", fn)
    pads = explicit_padding(padding, sizes, kernel, strides, dilations, fn)
    out = output_size_checked(sizes, kernel, strides, pads, dilations, fn)
    return out[0] if scalar else out


def output_size_checked(sizes, kernel, strides, pads, dilations, fn):
    """Output size from checked pairs, with a clear error if the kernel does not fit.

    ``pads`` is ``((top, bottom), (left, right))``.

    >>> output_size_checked((4, 4), (3, 3), (1, 1), ((0, 0), (0, 0)), (1, 1), "conv2d")
    (2, 2)
    """
    out = []
    for axis, i, k, s, (before, after), d in zip(
        ("height", "width"), sizes, kernel, strides, pads, dilations
    ):
        span = d * (k - 1) + 1
        padded = i + before + after
        if span > padded:
            raise ValueError(
                f"{fn}: the kernel's {axis} {k} (dilation {d}, so it spans {span}) is larger "
                f"than the padded input's {axis} {padded} (input {i}, padding "
                f"{before}+{after}); the input must be at least {span - before - after} "
                f"or the padding larger."
            )
        out.append((padded - span) // s + 1)
    return tuple(out)


def channels_per_group(channels, groups, name, fn):
    """``channels // groups``, after checking that ``groups`` divides ``channels``.

    >>> channels_per_group(6, 3, "in_channels", "conv2d")
    2
    """
    if not is_int(groups) or groups < 1:
        raise ValueError(f"{fn}: groups={groups!r} must be a positive int.")
    if channels % groups:
        raise ValueError(
            f"{fn}: groups={groups} must divide {name}={channels}; "
            f"{channels} is not a multiple of {groups}."
        )
    return channels // groups
