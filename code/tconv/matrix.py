"""Convolution as a matrix: the sparse matrix C, and the im2col view.

For one image ``x`` of shape ``(c_in, H, W)``::

    conv2d(x, weight, ...).reshape(-1) == conv_matrix(weight, (H, W), ...) @ x.reshape(-1)

Row ``r`` of C is one output pixel; its nonzeros are the kernel's weights placed
at the input pixels that output pixel sees. The transposed convolution of Part II
is multiplication by ``C.T``.
"""

import numpy as np
import scipy.sparse

from . import shapes
from .conv import as_array, windows


def conv_matrix(weight, input_size, stride=1, padding=0, dilation=1, groups=1):
    """The matrix C of a convolution, as a ``scipy.sparse.csr_array``.

    Parameters
    ----------
    weight : array, shape (c_out, c_in / groups, kH, kW)
    input_size : int or pair of int
        ``(H, W)`` of the input image.
    stride, padding, dilation, groups
        As in :func:`tconv.conv2d`; padding also takes ``"valid"`` and ``"same"``.

    Returns
    -------
    scipy.sparse.csr_array, shape (c_out * H_out * W_out, c_in * H * W)
        Zero padding has no column: a weight that falls on padding is dropped.

    Examples
    --------
    >>> C = conv_matrix(np.ones((1, 1, 3, 3)), 4)
    >>> C.shape, C.nnz
    ((4, 16), 36)
    """
    fn = "conv_matrix"
    weight = as_array(weight, "weight", fn, (4,))
    out_channels, group_channels, kh, kw = weight.shape
    shapes.channels_per_group(out_channels, groups, "out_channels (weight.shape[0])", fn)
    in_channels = group_channels * groups
    height, width = shapes.positive_pair(input_size, "input_size", fn)
    strides = shapes.positive_pair(stride, "stride", fn)
    dilations = shapes.positive_pair(dilation, "dilation", fn)
    pads = shapes.explicit_padding(padding, (height, width), (kh, kw), strides, dilations, fn)
    out_h, out_w = shapes.output_size_checked(
        (height, width), (kh, kw), strides, pads, dilations, fn
    )

    # One entry per (output channel, output row, output column, input channel in
    # the group, kernel row, kernel column), broadcast over those six axes.
    o, i, j, c, a, b = np.ix_(
        np.arange(out_channels), np.arange(out_h), np.arange(out_w),
        np.arange(group_channels), np.arange(kh), np.arange(kw),
    )
    in_row = i * strides[0] - pads[0][0] + a * dilations[0]
    in_col = j * strides[1] - pads[1][0] + b * dilations[1]
    in_channel = (o // (out_channels // groups)) * group_channels + c
    full = np.broadcast_shapes(o.shape, i.shape, j.shape, c.shape, a.shape, b.shape)
    rows = np.broadcast_to((o * out_h + i) * out_w + j, full)
    cols = np.broadcast_to((in_channel * height + in_row) * width + in_col, full)
    values = np.broadcast_to(weight[o, c, a, b], full)
    inside = np.broadcast_to(
        (in_row >= 0) & (in_row < height) & (in_col >= 0) & (in_col < width), full
    )
    matrix = scipy.sparse.coo_array(
        (values[inside], (rows[inside], cols[inside])),
        shape=(out_channels * out_h * out_w, in_channels * height * width),
    )
    return matrix.tocsr()


def im2col(x, kernel_size, stride=1, padding=0, dilation=1):
    """Unfold every patch a kernel sees into a column: ``torch.nn.functional.unfold``.

    The convolution is then one matrix product:
    ``weight.reshape(c_out, -1) @ im2col(x, ...)`` has shape ``(N, c_out, L)``.

    Parameters
    ----------
    x : array, shape (N, C, H, W) or (C, H, W)
    kernel_size, stride, dilation : int or pair of int
    padding : int, pair of int, "valid" or "same"

    Returns
    -------
    array, shape (N, C * kH * kW, L), or (C * kH * kW, L) for unbatched x
        ``L = H_out * W_out`` patches; rows are ordered channel, kernel row,
        kernel column, like ``weight.reshape(c_out, -1)``.

    Examples
    --------
    >>> im2col(np.arange(9).reshape(1, 3, 3), 2)
    array([[0, 1, 3, 4],
           [1, 2, 4, 5],
           [3, 4, 6, 7],
           [4, 5, 7, 8]])
    """
    fn = "im2col"
    array = as_array(x, "x", fn, (3, 4))
    batched = array.ndim == 4
    if not batched:
        array = array[np.newaxis]
    kernel = shapes.positive_pair(kernel_size, "kernel_size", fn)
    strides = shapes.positive_pair(stride, "stride", fn)
    dilations = shapes.positive_pair(dilation, "dilation", fn)
    sizes = array.shape[2:]
    pads = shapes.explicit_padding(padding, sizes, kernel, strides, dilations, fn)
    shapes.output_size_checked(sizes, kernel, strides, pads, dilations, fn)
    padded = np.pad(array, ((0, 0), (0, 0)) + pads)
    patches = windows(padded, kernel, strides, dilations)  # (N, C, Ho, Wo, kH, kW)
    n, c, out_h, out_w, kh, kw = patches.shape
    columns = patches.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, out_h * out_w)
    return columns if batched else columns[0]


def conv_transpose_matrix(weight, input_size, stride=1, padding=0, output_padding=0, dilation=1,
                          groups=1):
    """The matrix of a transposed convolution: Cᵀ, as a ``scipy.sparse.csr_array``.

    ``weight`` has the transposed convolution's layout ``(c_in, c_out / groups, kH, kW)``,
    which is also the layout of the *convolution* from its output back to its input.
    C is that convolution's :func:`conv_matrix` for the output size; this returns its
    transpose, keeping the columns of the ``input_size`` pixels (with
    ``output_padding >= stride``, the convolution has extra output rows that no input
    pixel feeds).

    Parameters
    ----------
    weight : array, shape (c_in, c_out / groups, kH, kW)
    input_size : int or pair of int
        ``(H, W)`` of the transposed convolution's input.
    stride, padding, output_padding, dilation, groups
        As in :func:`tconv.conv_transpose2d`.

    Returns
    -------
    scipy.sparse.csr_array, shape (c_out * H_out * W_out, c_in * H * W)

    Examples
    --------
    >>> C = conv_matrix(np.ones((1, 1, 3, 3)), 4)
    >>> T = conv_transpose_matrix(np.ones((1, 1, 3, 3)), 2)
    >>> T.shape, bool((T != C.T).nnz == 0)
    ((16, 4), True)
    """
    fn = "conv_transpose_matrix"
    weight = as_array(weight, "weight", fn, (4,))
    height, width = shapes.positive_pair(input_size, "input_size", fn)
    out_size = shapes.conv_transpose2d_output_size((height, width), weight.shape[2:], stride, padding,
                                            output_padding, dilation)
    C = conv_matrix(weight, out_size, stride=stride, padding=padding, dilation=dilation,
                    groups=groups)
    in_channels = weight.shape[0]
    conv_h, conv_w = shapes.conv2d_output_size(out_size, weight.shape[2:], stride, padding,
                                               dilation)
    rows = (np.arange(in_channels)[:, None, None] * conv_h * conv_w
            + np.arange(height)[None, :, None] * conv_w + np.arange(width)[None, None, :])
    return C[rows.reshape(-1)].T.tocsr()
