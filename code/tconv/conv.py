"""Convolution (cross-correlation, as deep-learning frameworks define it) in NumPy.

Layouts are PyTorch's: input ``(N, c_in, H, W)`` or unbatched ``(c_in, H, W)``,
weight ``(c_out, c_in / groups, kH, kW)``.
"""

import numpy as np

from . import shapes


def as_array(value, name, fn, ndims):
    """``value`` as a NumPy array with one of the ranks in ``ndims``, else a clear error.

    >>> as_array([[1, 2]], "x", "conv2d", (2,)).shape
    (1, 2)
    """
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{fn}: {name} must hold numbers; got dtype {array.dtype}.")
    if array.ndim not in ndims:
        wanted = " or ".join(str(n) for n in ndims)
        raise ValueError(
            f"{fn}: {name} must have {wanted} dimensions; got shape {array.shape} "
            f"({array.ndim} dimensions)."
        )
    return array


def prepare_input(x, fn):
    """Return ``(x4, batched)``: ``x`` as a 4-D array and whether it was given batched.

    >>> x4, batched = prepare_input(np.zeros((1, 3, 3)), "conv2d")
    >>> x4.shape, batched
    ((1, 1, 3, 3), False)
    """
    x = as_array(x, "x", fn, (3, 4))
    if x.ndim == 3:
        return x[np.newaxis], False
    return x, True


def check_bias(bias, out_channels, fn):
    """``bias`` as a 1-D array of length ``out_channels`` (or None).

    >>> check_bias([1, 2], 2, "conv2d")
    array([1, 2])
    """
    if bias is None:
        return None
    bias = as_array(bias, "bias", fn, (1,))
    if bias.shape[0] != out_channels:
        raise ValueError(
            f"{fn}: bias has {bias.shape[0]} entries but there are {out_channels} "
            f"output channels; expected shape ({out_channels},)."
        )
    return bias


def windows(x, kernel_size, stride, dilation):
    """Every patch a kernel sees, as a view: shape ``(N, C, H_out, W_out, kH, kW)``.

    ``x`` is already padded. No data is copied.

    >>> x = np.arange(16).reshape(1, 1, 4, 4)
    >>> windows(x, (3, 3), (1, 1), (1, 1)).shape
    (1, 1, 2, 2, 3, 3)
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = np.lib.stride_tricks.sliding_window_view(x, span, axis=(2, 3))
    return view[:, :, ::sh, ::sw, ::dh, ::dw]


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution, the result of ``torch.nn.functional.conv2d``.

    Like every deep-learning framework, this is a cross-correlation: the kernel
    is not flipped. ``y[n, o, i, j] = b[o] + sum over c, a, b of
    w[o, c, a, b] * x_pad[n, g*C + c, i*s + a*d, j*s + b*d]``.

    Parameters
    ----------
    x : array, shape (N, c_in, H, W) or (c_in, H, W)
    weight : array, shape (c_out, c_in / groups, kH, kW)
    bias : array, shape (c_out,), optional
    stride, dilation : int or pair of int
    padding : int, pair of int, "valid" or "same"
        ``"same"`` follows TensorFlow for any stride: output ``ceil(H / s)``,
        the odd extra zero at the bottom and right.
    groups : int
        Split the channels into this many independent convolutions.

    Returns
    -------
    array, shape (N, c_out, H_out, W_out), or (c_out, H_out, W_out) for unbatched x

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4)
    >>> w = np.ones((1, 1, 3, 3))
    >>> conv2d(x, w)
    array([[[45., 54.],
            [81., 90.]]])
    """
    fn = "conv2d"
    x, batched = prepare_input(x, fn)
    weight = as_array(weight, "weight", fn, (4,))
    out_channels, group_channels, kh, kw = weight.shape
    in_channels = x.shape[1]
    shapes.channels_per_group(out_channels, groups, "out_channels (weight.shape[0])", fn)
    if in_channels != group_channels * groups:
        raise ValueError(
            f"{fn}: x has {in_channels} channels but weight of shape {weight.shape} with "
            f"groups={groups} expects {group_channels * groups} "
            f"(weight.shape[1] * groups = {group_channels} * {groups})."
        )
    bias = check_bias(bias, out_channels, fn)
    strides = shapes.positive_pair(stride, "stride", fn)
    dilations = shapes.positive_pair(dilation, "dilation", fn)
    sizes = x.shape[2:]
    pads = shapes.explicit_padding(padding, sizes, (kh, kw), strides, dilations, fn)
    out_h, out_w = shapes.output_size_checked(sizes, (kh, kw), strides, pads, dilations, fn)

    x_padded = np.pad(x, ((0, 0), (0, 0)) + pads)
    patches = windows(x_padded, (kh, kw), strides, dilations)
    n = x.shape[0]
    patches = patches.reshape(n, groups, group_channels, out_h, out_w, kh, kw)
    w = weight.reshape(groups, out_channels // groups, group_channels, kh, kw)
    y = np.einsum("ngchwab,gocab->ngohw", patches, w, optimize=True)
    y = y.reshape(n, out_channels, out_h, out_w)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1)
    return y if batched else y[0]
