"""Transposed convolution: multiplication by Cᵀ, computed three ways.

Layouts are PyTorch's: input ``(N, c_in, H, W)`` or unbatched ``(c_in, H, W)``,
weight ``(c_in, c_out / groups, kH, kW)``, the layout of ``ConvTranspose2d``.
That weight, read as a *convolution* weight ``(c_out_conv, c_in_conv / groups, kH, kW)``,
is the convolution that maps the transposed convolution's output back to its input:
``conv_transpose2d(x, w) == conv_matrix(w, output_size).T @ x``. The three methods:

- ``"matrix"``: build that sparse matrix and multiply by its transpose;
- ``"scatter"``: every input pixel stamps a scaled copy of the kernel onto the
  output, ``stride`` apart; then ``padding`` crops the border;
- ``"zero_insertion"``: put ``stride - 1`` zeros between input pixels, pad by
  ``dilation * (kernel_size - 1) - padding`` (plus ``output_padding`` at the bottom
  and right) and run an ordinary stride-1 convolution with the kernel rotated by
  180° and its channel axes swapped.
"""

import numpy as np

from . import shapes
from .conv import as_array, check_bias, conv2d, prepare_input
from .matrix import conv_transpose_matrix

METHODS = ("scatter", "matrix", "zero_insertion")


def transpose_options(x, weight, bias, stride, padding, output_padding, groups, dilation,
                      output_size, fn):
    """Check every argument of a transposed convolution once; return them as pairs.

    Returns ``(x4, batched, weight, bias, stride, padding, dilation, output_padding)``.

    >>> x4, batched, *_ = transpose_options(np.zeros((2, 3, 3)), np.zeros((2, 1, 3, 3)), None,
    ...                                     2, 1, 0, 1, 1, None, "conv_transpose2d")
    >>> x4.shape, batched
    ((1, 2, 3, 3), False)
    """
    x, batched = prepare_input(x, fn)
    weight = as_array(weight, "weight", fn, (4,))
    in_channels = weight.shape[0]
    shapes.channels_per_group(in_channels, groups, "in_channels (weight.shape[0])", fn)
    if x.shape[1] != in_channels:
        raise ValueError(
            f"{fn}: x has {x.shape[1]} channels but weight of shape {weight.shape} expects "
            f"{in_channels} (weight.shape[0]; a transposed convolution's weight is "
            f"(c_in, c_out / groups, kH, kW))."
        )
    bias = check_bias(bias, weight.shape[1] * groups, fn)
    strides = shapes.positive_pair(stride, "stride", fn)
    pads = shapes.nonnegative_pair(padding, "padding", fn)
    dilations = shapes.positive_pair(dilation, "dilation", fn)
    kernel = weight.shape[2:]
    if output_size is not None:
        output_padding = shapes.output_padding_for_size(
            x.shape[2:], output_size, kernel, strides, pads, dilations, fn)
    extra = shapes.check_output_padding(output_padding, strides, dilations, x.shape[2:], kernel,
                                        pads, fn)
    shapes.transpose_output_size_checked(x.shape[2:], kernel, strides, pads, extra, dilations, fn)
    return x, batched, weight, bias, strides, pads, dilations, extra


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1, *, method="scatter", output_size=None):
    """2-D transposed convolution, the result of ``torch.nn.functional.conv_transpose2d``.

    Multiplication by Cᵀ, where C is the matrix of the convolution with the same
    weight, stride, padding and dilation (see :func:`tconv.conv_matrix`). It is the
    gradient of that convolution with respect to its input, not its inverse.

    Parameters
    ----------
    x : array, shape (N, c_in, H, W) or (c_in, H, W)
    weight : array, shape (c_in, c_out / groups, kH, kW)
    bias : array, shape (c_out,), optional
    stride, padding, dilation : int or pair of int
        Those of the convolution this transposes. Here ``padding`` *crops*
        ``padding`` rows and columns from each border of the full output.
    output_padding : int or pair of int
        Rows and columns added at the bottom and right, to reach the larger of the
        input sizes that the convolution maps to the same size. Smaller than
        ``stride`` or than ``dilation``.
    groups : int
    method : {"scatter", "matrix", "zero_insertion"}
        How to compute it; all three give the same result.
    output_size : int or pair of int, optional
        The wanted spatial output size; sets ``output_padding`` (PyTorch's
        ``ConvTranspose2d(...)(x, output_size=...)``).

    Returns
    -------
    array, shape (N, c_out, H_out, W_out), or (c_out, H_out, W_out) for unbatched x
        ``H_out = (H - 1) * stride - 2 * padding + dilation * (kH - 1) + output_padding + 1``.

    Examples
    --------
    >>> x = np.array([[[0.0, 1.0], [2.0, 3.0]]])
    >>> k = np.array([[[[0.0, 1.0], [2.0, 3.0]]]])
    >>> conv_transpose2d(x, k)
    array([[[ 0.,  0.,  1.],
            [ 0.,  4.,  6.],
            [ 4., 12.,  9.]]])
    """
    fn = "conv_transpose2d"
    if method not in METHODS:
        raise ValueError(f"{fn}: method={method!r} is not a method; expected one of {METHODS}.")
    x, batched, weight, bias, strides, pads, dilations, extra = transpose_options(
        x, weight, bias, stride, padding, output_padding, groups, dilation, output_size, fn)
    compute = {"scatter": scatter, "matrix": by_matrix, "zero_insertion": zero_insertion}[method]
    y = compute(x, weight, strides, pads, extra, groups, dilations)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1)
    return y if batched else y[0]


def scatter(x, weight, stride, padding, output_padding, groups, dilation):
    """Every input pixel stamps its kernel, scaled, onto the output; then crop the padding.

    All arguments already checked (pairs). One matrix product computes every stamp at
    once, ``(c_out·kH·kW, c_in) @ (c_in, N·H·W)`` per group; then each kernel tap's
    stamps are added into the output with a strided slice.
    """
    n, in_channels, height, width = x.shape
    _, group_out, kh, kw = weight.shape
    group_in = in_channels // groups
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    full_h, full_w = (height - 1) * sh + dh * (kh - 1) + 1, (width - 1) * sw + dw * (kw - 1) + 1
    out_h, out_w = full_h - 2 * ph + oph, full_w - 2 * pw + opw
    dtype = np.result_type(x.dtype, weight.dtype)
    canvas = np.zeros((n, groups * group_out, max(full_h, ph + out_h), max(full_w, pw + out_w)),
                      dtype=dtype)
    xg = x.reshape(n, groups, group_in, height * width)
    wg = weight.reshape(groups, group_in, group_out * kh * kw)
    for g in range(groups):
        # stamps[o, a, b, n, i, j] = sum_c w[c, o, a, b] * x[n, c, i, j]
        stamps = wg[g].T @ xg[:, g].transpose(1, 0, 2).reshape(group_in, n * height * width)
        stamps = stamps.reshape(group_out, kh, kw, n, height, width)
        out = canvas[:, g * group_out:(g + 1) * group_out]
        for a in range(kh):
            for b in range(kw):
                top, left = a * dh, b * dw
                out[:, :, top:top + (height - 1) * sh + 1:sh, left:left + (width - 1) * sw + 1:sw] += (
                    stamps[:, a, b].transpose(1, 0, 2, 3))
    return canvas[:, :, ph:ph + out_h, pw:pw + out_w]


def by_matrix(x, weight, stride, padding, output_padding, groups, dilation):
    """Multiply every flattened image by the sparse matrix Cᵀ."""
    n, _, height, width = x.shape
    matrix = conv_transpose_matrix(weight, (height, width), stride, padding, output_padding,
                                   dilation, groups)
    out_channels = weight.shape[1] * groups
    out_h, out_w = shapes.conv_transpose2d_output_size(
        (height, width), weight.shape[2:], stride, padding, output_padding, dilation)
    flat = (matrix @ x.reshape(n, -1).T).T
    return np.asarray(flat).reshape(n, out_channels, out_h, out_w)


def zero_insertion(x, weight, stride, padding, output_padding, groups, dilation):
    """Insert zeros, pad, and convolve with the rotated, channel-swapped kernel (stride 1)."""
    n, in_channels, height, width = x.shape
    _, group_out, kh, kw = weight.shape
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    spread = np.zeros((n, in_channels, (height - 1) * sh + 1, (width - 1) * sw + 1),
                      dtype=x.dtype)
    spread[:, :, ::sh, ::sw] = x
    edge_h, edge_w = dh * (kh - 1) - ph, dw * (kw - 1) - pw
    spread = pad_or_crop(spread, (edge_h, edge_h + oph), (edge_w, edge_w + opw))
    flipped = conv_weight_of_transpose(weight, groups)
    return conv2d(spread, flipped, dilation=(dh, dw), groups=groups)


def conv_weight_of_transpose(weight, groups=1):
    """The convolution weight that zero insertion uses: channel axes swapped, rotated 180°.

    ``(c_in, c_out / g, kH, kW)`` becomes ``(c_out, c_in / g, kH, kW)``, within each group.

    Examples
    --------
    >>> w = np.arange(8.0).reshape(2, 1, 2, 2)
    >>> conv_weight_of_transpose(w)[0]
    array([[[3., 2.],
            [1., 0.]],
    <BLANKLINE>
           [[7., 6.],
            [5., 4.]]])
    """
    in_channels, group_out, kh, kw = weight.shape
    group_in = in_channels // groups
    swapped = weight.reshape(groups, group_in, group_out, kh, kw).transpose(0, 2, 1, 3, 4)
    return swapped.reshape(groups * group_out, group_in, kh, kw)[:, :, ::-1, ::-1]


def pad_or_crop(x, rows, columns):
    """Zero-pad (positive amounts) or crop (negative amounts) the last two axes.

    ``rows`` and ``columns`` are ``(before, after)``.

    Examples
    --------
    >>> pad_or_crop(np.ones((1, 1, 3, 3)), (1, -1), (0, 0)).shape
    (1, 1, 3, 3)
    """
    pads = [(0, 0)] * (x.ndim - 2) + [(max(v, 0), max(w, 0)) for v, w in (rows, columns)]
    x = np.pad(x, pads)
    (top, bottom), (left, right) = rows, columns
    height, width = x.shape[-2:]
    return x[..., max(-top, 0):height - max(-bottom, 0), max(-left, 0):width - max(-right, 0)]
