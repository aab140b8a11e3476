"""Porting convolutions between TensorFlow and PyTorch, and checking TensorFlow calls.

TensorFlow and PyTorch compute the same cross-correlation; only layouts and padding
conventions differ. No kernel is ever flipped when porting:

=========================  ==========================  ==========================
                           TensorFlow                  PyTorch
=========================  ==========================  ==========================
images                     NHWC                        NCHW
conv2d kernel              [kH, kW, c_in, c_out]       (c_out, c_in, kH, kW)
conv2d_transpose kernel    [kH, kW, c_out, c_in]       (c_in, c_out, kH, kW)
padding                    "SAME", "VALID", explicit   int or pair, symmetric
=========================  ==========================  ==========================

Every converter returns a plain dict of the other framework's arguments. The
PyTorch side may carry a ``pad`` (applied to the input before a convolution, as
``F.pad`` takes it: left, right, top, bottom) or a ``crop`` (applied to the output of
a transposed convolution), because TensorFlow's ``SAME`` is often asymmetric and
PyTorch's padding never is.
"""

import numpy as np

from . import shapes
from .conv import as_array


# ---------------------------------------------------------------- arguments


def tf_pair(value, name, fn):
    """A TensorFlow ``strides`` or ``dilations`` argument as ``(height, width)``.

    TensorFlow accepts an int, ``[s]``, ``[sH, sW]`` or ``[1, sH, sW, 1]`` (NHWC).

    Examples
    --------
    >>> tf_pair([1, 2, 3, 1], "strides", "conv2d")
    (2, 3)
    >>> tf_pair(2, "strides", "conv2d")
    (2, 2)
    """
    if shapes.is_int(value):
        return shapes.positive_pair(value, name, fn)
    values = list(value) if isinstance(value, (list, tuple)) else None
    if values is not None and all(shapes.is_int(v) for v in values):
        if len(values) == 1:
            return shapes.positive_pair(values[0], name, fn)
        if len(values) == 2:
            return shapes.positive_pair(tuple(values), name, fn)
        if len(values) == 4:
            if values[0] != 1 or values[3] != 1:
                raise ValueError(
                    f"{fn}: {name}={value!r} moves along the batch or channel axis; in NHWC the "
                    f"first and last entries must be 1, as in [1, {values[1]}, {values[2]}, 1]."
                )
            return shapes.positive_pair((values[1], values[2]), name, fn)
    raise TypeError(
        f"{fn}: {name}={value!r} must be an int or a list of 1, 2 or 4 ints "
        f"([1, height, width, 1] in NHWC)."
    )


def tf_padding(padding, input_size, kernel_size, strides, dilations, fn):
    """TensorFlow's ``padding`` of a convolution as ``((top, bottom), (left, right))``.

    ``padding`` is ``"SAME"``, ``"VALID"`` or an explicit NHWC list
    ``[[0, 0], [top, bottom], [left, right], [0, 0]]``.

    Examples
    --------
    >>> tf_padding("SAME", (5, 5), (2, 2), (2, 2), (1, 1), "conv2d")
    ((0, 1), (0, 1))
    >>> tf_padding([[0, 0], [1, 2], [0, 0], [0, 0]], (5, 5), (3, 3), (1, 1), (1, 1), "conv2d")
    ((1, 2), (0, 0))
    """
    if isinstance(padding, str):
        if padding.upper() not in ("SAME", "VALID"):
            raise ValueError(f"{fn}: padding={padding!r} must be 'SAME', 'VALID' or an explicit "
                             f"list [[0, 0], [top, bottom], [left, right], [0, 0]].")
        return shapes.explicit_padding(padding.lower(), input_size, kernel_size, strides,
                                       dilations, fn)
    rows = np.asarray(padding) if isinstance(padding, (list, tuple)) else None
    if rows is None or rows.shape != (4, 2) or not np.issubdtype(rows.dtype, np.integer):
        raise ValueError(f"{fn}: padding={padding!r} must be 'SAME', 'VALID' or an explicit list "
                         f"[[0, 0], [top, bottom], [left, right], [0, 0]] of ints.")
    if rows[0].any() or rows[3].any():
        raise ValueError(f"{fn}: padding={padding!r} pads the batch or channel axis; its first "
                         f"and last pairs must be [0, 0] in NHWC.")
    if (rows < 0).any():
        raise ValueError(f"{fn}: padding={padding!r} must not be negative.")
    return ((int(rows[1, 0]), int(rows[1, 1])), (int(rows[2, 0]), int(rows[2, 1])))


def tf_explicit_padding(pads):
    """``((top, bottom), (left, right))`` as TensorFlow's explicit NHWC padding list.

    Examples
    --------
    >>> tf_explicit_padding(((1, 1), (0, 2)))
    [[0, 0], [1, 1], [0, 2], [0, 0]]
    """
    (top, bottom), (left, right) = pads
    return [[0, 0], [top, bottom], [left, right], [0, 0]]


# ---------------------------------------------------------------- conv2d


def conv2d_tf_to_torch(filters, input_size, strides=1, padding="VALID", dilations=1):
    """The PyTorch arguments of ``tf.nn.conv2d(x, filters, strides, padding, dilations)``.

    Parameters
    ----------
    filters : array, shape (kH, kW, c_in, c_out)
        TensorFlow's kernel.
    input_size : pair of int
        ``(H, W)`` of the input, needed to resolve ``"SAME"``.
    strides, padding, dilations
        As TensorFlow takes them (NHWC).

    Returns
    -------
    dict
        ``weight`` of shape (c_out, c_in, kH, kW) (a permutation, no flip), ``stride``,
        ``padding`` (the symmetric part), ``dilation``, and ``pad``: ``None``, or the
        extra ``(left, right, top, bottom)`` zeros for ``F.pad`` when TensorFlow pads
        one side more. Then ``F.conv2d(F.pad(x, pad), weight, stride=..., padding=...,
        dilation=...)`` on NCHW input equals TensorFlow's result on NHWC input.

    Examples
    --------
    >>> call = conv2d_tf_to_torch(np.zeros((2, 2, 3, 8)), (5, 5), strides=2, padding="SAME")
    >>> call["weight"].shape, call["padding"], call["pad"]
    ((8, 3, 2, 2), (0, 0), (0, 1, 0, 1))
    """
    fn = "conv2d_tf_to_torch"
    filters = as_array(filters, "filters", fn, (4,))
    kernel = filters.shape[:2]
    sizes = shapes.positive_pair(input_size, "input_size", fn)
    stride = tf_pair(strides, "strides", fn)
    dilation = tf_pair(dilations, "dilations", fn)
    (top, bottom), (left, right) = tf_padding(padding, sizes, kernel, stride, dilation, fn)
    symmetric = (min(top, bottom), min(left, right))
    extra = (left - symmetric[1], right - symmetric[1], top - symmetric[0], bottom - symmetric[0])
    return {
        "weight": filters.transpose(3, 2, 0, 1),
        "stride": stride,
        "padding": symmetric,
        "dilation": dilation,
        "pad": extra if any(extra) else None,
    }


def conv2d_torch_to_tf(weight, stride=1, padding=0, dilation=1):
    """The TensorFlow arguments of ``F.conv2d(x, weight, stride, padding, dilation)``.

    Returns
    -------
    dict
        ``filters`` of shape (kH, kW, c_in, c_out), ``strides`` and ``dilations`` as
        ``[1, h, w, 1]``, ``padding``: ``"VALID"`` or an explicit NHWC list.

    Examples
    --------
    >>> call = conv2d_torch_to_tf(np.zeros((8, 3, 3, 3)), stride=2, padding=1)
    >>> call["filters"].shape, call["strides"], call["padding"]
    ((3, 3, 3, 8), [1, 2, 2, 1], [[0, 0], [1, 1], [1, 1], [0, 0]])
    """
    fn = "conv2d_torch_to_tf"
    weight = as_array(weight, "weight", fn, (4,))
    sh, sw = shapes.positive_pair(stride, "stride", fn)
    ph, pw = shapes.nonnegative_pair(padding, "padding", fn)
    dh, dw = shapes.positive_pair(dilation, "dilation", fn)
    return {
        "filters": weight.transpose(2, 3, 1, 0),
        "strides": [1, sh, sw, 1],
        "padding": "VALID" if ph == pw == 0 else tf_explicit_padding(((ph, ph), (pw, pw))),
        "dilations": [1, dh, dw, 1],
    }


# ---------------------------------------------------------------- conv2d_transpose


def conv2d_transpose_tf_to_torch(filters, input_size, output_shape, strides=1, padding="VALID",
                                 dilations=1):
    """The PyTorch arguments of ``tf.nn.conv2d_transpose(x, filters, output_shape, ...)``.

    TensorFlow computes the gradient of ``conv2d`` for an input of ``output_shape``:
    the full transposed convolution, cropped by the padding that convolution would use
    (``before`` rows at the top). PyTorch crops ``padding`` on both sides and adds
    ``output_padding`` at the bottom; when no such pair gives TensorFlow's rows (SAME
    with an odd total padding), the result uses ``padding=0`` and a ``crop``.

    Parameters
    ----------
    filters : array, shape (kH, kW, c_out, c_in)
    input_size : pair of int
        ``(H, W)`` of the input.
    output_shape : pair of int, or TensorFlow's [N, H, W, C]
    strides, padding, dilations
        As TensorFlow takes them.

    Returns
    -------
    dict
        ``weight`` of shape (c_in, c_out, kH, kW) (a permutation, no flip), ``stride``,
        ``padding``, ``output_padding``, ``dilation``, and ``crop``: ``None`` or
        ``((top, bottom), (left, right))`` rows and columns to remove from PyTorch's
        output (see :func:`crop_output`).

    Examples
    --------
    >>> call = conv2d_transpose_tf_to_torch(np.zeros((3, 3, 2, 4)), (3, 3), (6, 6),
    ...                                     strides=2, padding="SAME")
    >>> call["weight"].shape, call["padding"], call["output_padding"], call["crop"]
    ((4, 2, 3, 3), (0, 0), (0, 0), ((0, 1), (0, 1)))
    """
    fn = "conv2d_transpose_tf_to_torch"
    filters = as_array(filters, "filters", fn, (4,))
    kernel = filters.shape[:2]
    sizes = shapes.positive_pair(input_size, "input_size", fn)
    wanted = spatial_output_shape(output_shape, fn)
    stride = tf_pair(strides, "strides", fn)
    dilation = tf_pair(dilations, "dilations", fn)
    pads = tf_padding(padding, wanted, kernel, stride, dilation, fn)
    check_maps_back(wanted, sizes, kernel, stride, pads, dilation, padding, fn)
    torch_padding, output_padding, crop = [], [], []
    for i, o, k, s, d, (before, _after) in zip(sizes, wanted, kernel, stride, dilation, pads):
        full = (i - 1) * s + d * (k - 1) + 1
        extra = o + 2 * before - full  # output_padding if PyTorch crops `before` on both sides
        if 0 <= extra < max(s, d):
            torch_padding.append(before)
            output_padding.append(extra)
            crop.append((0, 0))
        else:  # keep the full output and cut TensorFlow's window out of it
            torch_padding.append(0)
            output_padding.append(0)
            crop.append((before, full - before - o))
    return {
        "weight": filters.transpose(3, 2, 0, 1),
        "stride": stride,
        "padding": tuple(torch_padding),
        "output_padding": tuple(output_padding),
        "dilation": dilation,
        "crop": tuple(crop) if any(any(c) for c in crop) else None,
    }


def conv2d_transpose_torch_to_tf(weight, input_size, stride=1, padding=0, output_padding=0,
                                 dilation=1):
    """The TensorFlow arguments of ``F.conv_transpose2d(x, weight, ...)`` (groups = 1).

    Returns
    -------
    dict
        ``filters`` of shape (kH, kW, c_out, c_in), ``output_shape`` as ``(H_out, W_out)``
        (TensorFlow wants ``[N, H_out, W_out, c_out]``), ``strides`` and ``dilations`` as
        ``[1, h, w, 1]``, and ``padding``: ``"VALID"`` or an explicit NHWC list.

    Examples
    --------
    >>> call = conv2d_transpose_torch_to_tf(np.zeros((4, 2, 3, 3)), (3, 3), stride=2,
    ...                                     padding=1, output_padding=1)
    >>> call["filters"].shape, call["output_shape"], call["padding"]
    ((3, 3, 2, 4), (6, 6), [[0, 0], [1, 0], [1, 0], [0, 0]])
    """
    fn = "conv2d_transpose_torch_to_tf"
    weight = as_array(weight, "weight", fn, (4,))
    kernel = weight.shape[2:]
    sizes = shapes.positive_pair(input_size, "input_size", fn)
    strides = shapes.positive_pair(stride, "stride", fn)
    pads = shapes.nonnegative_pair(padding, "padding", fn)
    dilations = shapes.positive_pair(dilation, "dilation", fn)
    extra = shapes.check_output_padding(output_padding, strides, dilations, sizes, kernel, pads,
                                        fn)
    out = shapes.transpose_output_size_checked(sizes, kernel, strides, pads, extra, dilations, fn)
    # The convolution from `out` back to `sizes` pads p before and p - output_padding after
    # (never less than 0; the floor of the size formula absorbs the difference).
    explicit = tuple((p, max(p - op, 0)) for p, op in zip(pads, extra))
    return {
        "filters": weight.transpose(2, 3, 1, 0),
        "output_shape": out,
        "strides": [1, *strides, 1],
        "padding": "VALID" if not any(any(e) for e in explicit) else tf_explicit_padding(explicit),
        "dilations": [1, *dilations, 1],
    }


def crop_output(y, crop):
    """Apply a converter's ``crop`` to an NCHW output (negative amounts add zeros).

    Examples
    --------
    >>> crop_output(np.ones((1, 1, 7, 7)), ((0, 1), (0, 1))).shape
    (1, 1, 6, 6)
    """
    if crop is None:
        return y
    from .transpose import pad_or_crop  # noqa: PLC0415 (transpose imports matrix, which is heavy)

    (top, bottom), (left, right) = crop
    return pad_or_crop(y, (-top, -bottom), (-left, -right))


def spatial_output_shape(output_shape, fn):
    """``(H, W)`` from a pair or from TensorFlow's ``[N, H, W, C]``.

    Examples
    --------
    >>> spatial_output_shape([1, 8, 8, 2], "f"), spatial_output_shape((8, 6), "f")
    ((8, 8), (8, 6))
    """
    values = list(output_shape)
    if len(values) == 4:
        values = values[1:3]
    return shapes.positive_pair(tuple(values), "output_shape", fn)


def reachable_tf_output_sizes(input_size, kernel_size, stride, padding, dilation=1):
    """Output sizes ``tf.nn.conv2d_transpose`` accepts along one axis.

    They are the sizes whose forward ``conv2d`` has ``input_size`` outputs: for
    ``"SAME"`` those from ``(i - 1) s + 1`` to ``i s``; for ``"VALID"`` those from
    ``(i - 1) s + d(k - 1) + 1`` to ``i s + d(k - 1)``.

    Examples
    --------
    >>> reachable_tf_output_sizes(4, 3, 2, "SAME")
    [7, 8]
    >>> reachable_tf_output_sizes(4, 3, 2, "VALID")
    [9, 10]
    """
    span = dilation * (kernel_size - 1)
    if padding.upper() == "SAME":
        return list(range((input_size - 1) * stride + 1, input_size * stride + 1))
    return list(range((input_size - 1) * stride + span + 1, input_size * stride + span + 1))


def check_maps_back(wanted, sizes, kernel, strides, pads, dilations, padding, fn):
    """Raise unless the convolution of an ``wanted``-sized image has ``sizes`` outputs."""
    for axis, o, i, k, s, (before, after), d in zip(("height", "width"), wanted, sizes, kernel,
                                                   strides, pads, dilations):
        back = (o + before + after - d * (k - 1) - 1) // s + 1
        if back != i:
            if isinstance(padding, str):
                options = reachable_tf_output_sizes(i, k, s, padding, d)
                choices = f"with padding={padding!r} the possible output {axis}s are " \
                          f"{shapes.describe(options)}"
            else:
                choices = "pick an output size whose convolution gives back the input"
            raise ValueError(
                f"{fn}: output_shape {axis} {o} cannot come from an input {axis} of {i}: the "
                f"convolution this transposes (kernel {k}, stride {s}, dilation {d}) maps "
                f"{o} to {back}, not {i}; {choices}."
            )


# ---------------------------------------------------------------- validator


def check_tf_conv2d_transpose(input_shape, filters_shape, output_shape, strides=1,
                              padding="SAME", data_format="NHWC", dilations=1, device="CPU"):
    """Explain a wrong ``tf.nn.conv2d_transpose`` call in plain words, before TensorFlow does.

    TensorFlow reports layout mistakes from deep inside the backward pass of
    ``conv2d`` (``Conv2DCustomBackpropInput: input depth must be evenly divisible by
    filter depth``). This checks the shapes first and says what to change. It
    returns a one-line summary of a correct call.

    Parameters
    ----------
    input_shape : list of 4 ints
    filters_shape : list of 4 ints, [kH, kW, c_out, c_in]
    output_shape : list of 4 ints
    strides, padding, dilations : as TensorFlow takes them
    data_format : "NHWC" or "NCHW"
    device : "CPU" or "GPU"

    Raises
    ------
    ValueError
        With a sentence that names the argument, its value and the fix.

    Examples
    --------
    >>> check_tf_conv2d_transpose([1, 4, 4, 1], [3, 3, 2, 1], [1, 8, 8, 2], strides=2)
    'conv2d_transpose: [1, 4, 4, 1] -> [1, 8, 8, 2] with filters [3, 3, 2, 1] is valid.'
    """
    fn = "conv2d_transpose"
    for name, value in (("input", input_shape), ("filters", filters_shape),
                        ("output_shape", output_shape)):
        if len(value) != 4 or not all(shapes.is_int(v) for v in value):
            raise ValueError(f"{fn}: {name} has shape {list(value)}; expected 4 ints.")
    if data_format.upper() == "NCHW":
        if device.upper() == "CPU":
            raise ValueError(
                f"{fn}: data_format='NCHW' does not run on a CPU: TensorFlow's CPU kernels "
                f"for convolutions take only NHWC. Move the channels last with "
                f"tf.transpose(x, [0, 2, 3, 1]) and use data_format='NHWC'."
            )
        input_shape = [input_shape[0], input_shape[2], input_shape[3], input_shape[1]]
        output_shape = [output_shape[0], output_shape[2], output_shape[3], output_shape[1]]
    n, height, width, in_channels = input_shape
    kh, kw, out_channels, filter_in = filters_shape
    if filter_in != in_channels:
        if out_channels == in_channels:
            raise ValueError(
                f"{fn}: filters has shape {list(filters_shape)} but the input has "
                f"{in_channels} channel{'' if in_channels == 1 else 's'}. conv2d_transpose wants filters as [height, width, "
                f"out_channels, in_channels], the reverse of conv2d's [height, width, "
                f"in_channels, out_channels]; these look like conv2d's layout. Swap the last "
                f"two axes: tf.transpose(filters, [0, 1, 3, 2])."
            )
        raise ValueError(
            f"{fn}: filters has shape {list(filters_shape)}: its last axis ({filter_in}) must "
            f"be the input's channels ({in_channels}), in the layout [height, width, "
            f"out_channels, in_channels]."
        )
    if output_shape[3] != out_channels:
        raise ValueError(
            f"{fn}: output_shape {list(output_shape)} has {output_shape[3]} channels but the "
            f"filters make {out_channels} (filters[2] of [height, width, out_channels, "
            f"in_channels])."
        )
    if output_shape[0] != n:
        raise ValueError(f"{fn}: output_shape {list(output_shape)} has batch size "
                         f"{output_shape[0]} but the input has {n}.")
    stride = tf_pair(strides, "strides", fn)
    dilation = tf_pair(dilations, "dilations", fn)
    if dilation != (1, 1) and device.upper() == "CPU":
        raise ValueError(
            f"{fn}: dilations={dilations!r} does not run on a CPU: TensorFlow's CPU kernel for "
            f"conv2d_transpose supports only dilation 1. Use dilation 1, or run it as the "
            f"equivalent PyTorch call (tconv.port.conv2d_transpose_tf_to_torch)."
        )
    wanted = (output_shape[1], output_shape[2])
    pads = tf_padding(padding, wanted, (kh, kw), stride, dilation, fn)
    check_maps_back(wanted, (height, width), (kh, kw), stride, pads, dilation, padding, fn)
    return (f"{fn}: {list(input_shape)} -> {list(output_shape)} with filters "
            f"{list(filters_shape)} is valid.")
