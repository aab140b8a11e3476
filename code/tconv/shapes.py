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


def conv_transpose2d_output_size(input_size, kernel_size, stride=1, padding=0, output_padding=0,
                                 dilation=1):
    """Spatial size of a transposed convolution's output.

    ``o = (i - 1) s - 2p + d(k - 1) + output_padding + 1``, per dimension. With
    ``output_padding = 0`` this is the smallest input size that the convolution with
    the same settings maps to ``i``; ``output_padding`` picks a larger one.

    Parameters
    ----------
    input_size, kernel_size, stride, padding, output_padding, dilation : int or pair of int

    Returns
    -------
    int or tuple of int
        An int if every argument is an int, else a pair.

    Examples
    --------
    >>> conv_transpose2d_output_size(2, 3)
    4
    >>> conv_transpose2d_output_size(3, 3, stride=2, padding=1)
    5
    >>> conv_transpose2d_output_size(3, 3, stride=2, padding=1, output_padding=1)
    6
    """
    fn = "conv_transpose2d_output_size"
    arguments = (input_size, kernel_size, stride, padding, output_padding, dilation)
    scalar = all(is_int(v) for v in arguments)
    sizes = positive_pair(input_size, "input_size", fn)
    kernel = positive_pair(kernel_size, "kernel_size", fn)
    strides = positive_pair(stride, "stride", fn)
    pads = nonnegative_pair(padding, "padding", fn)
    dilations = positive_pair(dilation, "dilation", fn)
    extra = check_output_padding(output_padding, strides, dilations, sizes, kernel, pads, fn)
    out = transpose_output_size_checked(sizes, kernel, strides, pads, extra, dilations, fn)
    return out[0] if scalar else out


def transpose_output_size_checked(sizes, kernel, strides, pads, output_padding, dilations, fn):
    """Output size of a transposed convolution from checked pairs; an error if not positive.

    >>> transpose_output_size_checked((3, 3), (3, 3), (2, 2), (1, 1), (0, 0), (1, 1), "f")
    (5, 5)
    """
    out = []
    for axis, i, k, s, p, op, d in zip(("height", "width"), sizes, kernel, strides, pads,
                                       output_padding, dilations):
        size = (i - 1) * s - 2 * p + d * (k - 1) + op + 1
        if size < 1:
            raise ValueError(
                f"{fn}: padding={p} crops more than the full output's {axis} "
                f"{(i - 1) * s + d * (k - 1) + 1 + op} (input {i}, kernel {k}, stride {s}, "
                f"dilation {d}); the padding must be at most "
                f"{((i - 1) * s + d * (k - 1) + op) // 2}."
            )
        out.append(size)
    return tuple(out)


def check_output_padding(output_padding, strides, dilations, sizes, kernel, pads, fn):
    """``output_padding`` as a pair, each smaller than the stride or than the dilation.

    >>> check_output_padding(1, (2, 2), (1, 1), (5, 5), (3, 3), (1, 1), "conv_transpose2d")
    (1, 1)
    """
    extra = nonnegative_pair(output_padding, "output_padding", fn)
    for axis, unit, i, k, p, op, s, d in zip(("height", "width"), ("row", "column"), sizes,
                                             kernel, pads, extra, strides, dilations):
        if op >= s and op >= d:
            reachable = reachable_sizes(i, k, s, p, d)
            if reachable:
                sizes_text = (f"with stride {s} the reachable output {axis}s for a {i}-{unit} "
                              f"input are {describe(reachable)}")
            else:
                sizes_text = (f"and with padding {p} no output {axis} is reachable for a "
                              f"{i}-{unit} input: the padding crops more than the kernel spans")
            raise ValueError(
                f"{fn}: output_padding={output_padding!r} must be smaller than "
                f"stride={strides} or dilation={dilations} in each dimension; {sizes_text}."
            )
    return extra


def reachable_sizes(input_size, kernel_size, stride, padding, dilation):
    """Output sizes a transposed convolution can produce along one axis: one per
    ``output_padding`` from 0 to ``max(stride, dilation) - 1``.

    They are exactly the input sizes that the convolution maps to ``input_size``
    (for ``dilation = 1``).

    >>> reachable_sizes(5, 3, 2, 1, 1)
    [9, 10]
    """
    smallest = (input_size - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + 1
    return [smallest + op for op in range(max(stride, dilation)) if smallest + op >= 1]


def conv_remainder(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """The positions a strided convolution leaves unused: ``a = (i + 2p - d(k - 1) - 1) mod s``.

    The last ``a`` rows (and columns) of the padded input are never covered by the
    kernel; they are why ``s`` different input sizes give the same output size, and
    why a transposed convolution needs ``output_padding = a`` to get back to ``i``:
    from the output size ``o`` it returns ``(o - 1)s - 2p + d(k - 1) + 1 + a``, which is
    ``i`` exactly for this ``a`` (for ``d = 1``, Dumoulin and Visin's guide to convolution
    arithmetic gives the same size, with ``a`` zeros added at the bottom and right of the
    input of the equivalent direct convolution).

    Examples
    --------
    >>> conv_remainder(5, 3, stride=2)
    0
    >>> conv_remainder(6, 3, stride=2, padding=1)
    1
    """
    fn = "conv_remainder"
    scalar = all(is_int(v) for v in (input_size, kernel_size, stride, padding, dilation))
    sizes = positive_pair(input_size, "input_size", fn)
    kernel = positive_pair(kernel_size, "kernel_size", fn)
    strides = positive_pair(stride, "stride", fn)
    pads = nonnegative_pair(padding, "padding", fn)
    dilations = positive_pair(dilation, "dilation", fn)
    output_size_checked(sizes, kernel, strides, tuple((p, p) for p in pads), dilations, fn)
    result = tuple((i + 2 * p - d * (k - 1) - 1) % s
                   for i, k, s, p, d in zip(sizes, kernel, strides, pads, dilations))
    return result[0] if scalar else result


def equivalent_convolution(input_size, kernel_size, stride=1, padding=0, output_padding=0,
                           dilation=1):
    """The direct convolution that computes a transposed convolution, along one axis.

    A transposed convolution of an ``i``-pixel input equals a stride-1 convolution,
    with the same (rotated) kernel and dilation, of the input spread out with
    ``s - 1`` zeros between pixels and padded with ``d(k - 1) - p`` zeros before and
    ``d(k - 1) - p + output_padding`` after (negative padding crops). This is
    Dumoulin and Visin's construction, with ``p' = k - p - 1`` for ``d = 1``.

    Returns
    -------
    dict
        ``spread`` (the input size after inserting zeros), ``zeros_between``,
        ``pad_before``, ``pad_after``, ``kernel_size``, ``dilation``, ``stride`` (1)
        and ``output_size``.

    Examples
    --------
    >>> e = equivalent_convolution(3, 3, stride=2, padding=1, output_padding=1)
    >>> e["spread"], e["pad_before"], e["pad_after"], e["output_size"]
    (5, 1, 2, 6)
    """
    fn = "equivalent_convolution"
    for name, value in (("input_size", input_size), ("kernel_size", kernel_size),
                        ("stride", stride), ("padding", padding),
                        ("output_padding", output_padding), ("dilation", dilation)):
        if not is_int(value):
            raise TypeError(f"{fn}: {name}={value!r} must be an int (one axis at a time).")
    out = conv_transpose2d_output_size(input_size, kernel_size, stride, padding, output_padding,
                                       dilation)
    edge = dilation * (kernel_size - 1) - padding
    return {
        "spread": (input_size - 1) * stride + 1,
        "zeros_between": stride - 1,
        "pad_before": edge,
        "pad_after": edge + output_padding,
        "kernel_size": kernel_size,
        "dilation": dilation,
        "stride": 1,
        "output_size": out,
    }


def describe(values):
    """``"9"``, ``"9 and 10"`` or ``"9, 10 and 11"``.

    >>> describe([9, 10, 11])
    '9, 10 and 11'
    >>> describe([])
    'none'
    """
    values = [str(v) for v in values]
    if not values:
        return "none"
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def output_padding_for_size(input_size, output_size, kernel_size, stride=1, padding=0,
                            dilation=1, fn="output_padding_for_size"):
    """The ``output_padding`` that makes a transposed convolution produce ``output_size``.

    Like PyTorch's ``ConvTranspose2d.forward(x, output_size=...)`` and TensorFlow's
    ``output_shape``: with stride ``s`` there are ``s`` possible sizes; pick one.

    Raises
    ------
    ValueError
        If ``output_size`` is not reachable; the message lists the sizes that are.

    Examples
    --------
    >>> output_padding_for_size(5, 10, 3, stride=2, padding=1)
    1
    >>> output_padding_for_size((5, 5), (9, 10), 3, stride=2, padding=1)
    (0, 1)
    """
    scalar = all(is_int(v) for v in (input_size, output_size, kernel_size, stride, padding,
                                      dilation))
    sizes = positive_pair(input_size, "input_size", fn)
    wanted = positive_pair(output_size, "output_size", fn)
    kernel = positive_pair(kernel_size, "kernel_size", fn)
    strides = positive_pair(stride, "stride", fn)
    pads = nonnegative_pair(padding, "padding", fn)
    dilations = positive_pair(dilation, "dilation", fn)
    result = []
    for axis, i, o, k, s, p, d in zip(("height", "width"), sizes, wanted, kernel, strides, pads,
                                      dilations):
        reachable = reachable_sizes(i, k, s, p, d)
        if o not in reachable:
            raise ValueError(
                f"{fn}: output_size={output_size!r} cannot be reached: with stride {s}, "
                f"kernel {k}, padding {p} and dilation {d} the reachable output {axis}s "
                f"for an input {axis} of {i} are {describe(reachable)}."
            )
        result.append(o - reachable[0])
    return result[0] if scalar else tuple(result)
