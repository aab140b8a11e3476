"""Pooling and unpooling, in NumPy with PyTorch's conventions.

``max_pool2d`` records where each maximum came from (``return_indices=True``): the
flat position ``row * W + column`` in its ``H x W`` input plane, as PyTorch does.
``max_unpool2d`` puts every value back at its recorded position and zeros elsewhere;
applied to the output gradient it gives the gradient of max pooling when no position is
recorded twice (as with windows that do not overlap). Where windows share a maximum the
gradient adds up, unpooling does not. Average pooling is a convolution with a constant
kernel; ``avg_unpool2d`` repeats each value over its window.
"""

import numpy as np

from . import shapes
from .conv import as_array, conv2d, prepare_input, windows


def pool_options(kernel_size, stride, padding, dilation, fn):
    """Pairs of kernel, stride (default: the kernel size), padding and dilation.

    PyTorch requires the padding to be at most half the kernel size.

    >>> pool_options(2, None, 0, 1, "max_pool2d")
    ((2, 2), (2, 2), (0, 0), (1, 1))
    """
    kernel = shapes.positive_pair(kernel_size, "kernel_size", fn)
    strides = kernel if stride is None else shapes.positive_pair(stride, "stride", fn)
    pads = shapes.nonnegative_pair(padding, "padding", fn)
    dilations = shapes.positive_pair(dilation, "dilation", fn)
    for p, k in zip(pads, kernel):
        if p > k // 2:
            raise ValueError(f"{fn}: padding={padding!r} must be at most half the kernel size "
                             f"{kernel} in each dimension.")
    return kernel, strides, pads, dilations


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, return_indices=False):
    """Max pooling: ``torch.nn.functional.max_pool2d``.

    Parameters
    ----------
    x : array, shape (N, C, H, W) or (C, H, W)
    kernel_size, stride, padding, dilation : int or pair of int
        ``stride`` defaults to ``kernel_size``. Padding counts as minus infinity.
    return_indices : bool
        Also return where each maximum came from: its flat index ``row * W + column``
        in the input plane (ties go to the first position in reading order).

    Examples
    --------
    >>> x = np.array([[[1, 5, 2, 0], [3, 4, 8, 1], [0, 2, 1, 1], [7, 1, 3, 6]]])
    >>> values, indices = max_pool2d(x, 2, return_indices=True)
    >>> values
    array([[[5, 8],
            [7, 6]]])
    >>> indices
    array([[[ 1,  6],
            [12, 15]]])
    """
    fn = "max_pool2d"
    x4, batched = prepare_input(x, fn)
    kernel, strides, pads, dilations = pool_options(kernel_size, stride, padding, dilation, fn)
    height, width = x4.shape[2:]
    shapes.output_size_checked((height, width), kernel, strides,
                               tuple((p, p) for p in pads), dilations, fn)
    lowest = -np.inf if np.issubdtype(x4.dtype, np.floating) else np.iinfo(x4.dtype).min
    padded = np.pad(x4, ((0, 0), (0, 0), (pads[0], pads[0]), (pads[1], pads[1])),
                    constant_values=lowest)
    patches = windows(padded, kernel, strides, dilations)  # (N, C, Ho, Wo, kH, kW)
    n, c, out_h, out_w = patches.shape[:4]
    flat = patches.reshape(n, c, out_h, out_w, -1)
    best = flat.argmax(axis=-1)
    values = np.take_along_axis(flat, best[..., None], axis=-1)[..., 0]
    if not return_indices:
        return values if batched else values[0]
    a, b = np.divmod(best, kernel[1])
    rows = np.arange(out_h)[:, None] * strides[0] - pads[0] + a * dilations[0]
    cols = np.arange(out_w)[None, :] * strides[1] - pads[1] + b * dilations[1]
    indices = rows * width + cols
    if batched:
        return values, indices
    return values[0], indices[0]


def max_unpool2d(x, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Max unpooling: ``torch.nn.functional.max_unpool2d``.

    Every value of ``x`` goes to the position ``indices`` recorded by
    :func:`max_pool2d`; all other positions are zero.

    Parameters
    ----------
    x, indices : arrays of the same shape, (N, C, h, w) or (C, h, w)
    kernel_size, stride, padding : int or pair of int
        Those of the pooling; they give the default output size
        ``(h - 1) * stride - 2 * padding + kernel_size``.
    output_size : pair of int, optional
        Strictly between ``default - stride`` and ``default + stride``, as in PyTorch.

    Examples
    --------
    >>> values, indices = np.array([[[5, 8]]]), np.array([[[1, 6]]])
    >>> max_unpool2d(values, indices, 2)
    array([[[0, 5, 0, 0],
            [0, 0, 8, 0]]])
    """
    fn = "max_unpool2d"
    x4, batched = prepare_input(x, fn)
    index = as_array(indices, "indices", fn, (3, 4))
    index = index[None] if index.ndim == 3 else index
    if index.shape != x4.shape:
        raise ValueError(f"{fn}: indices has shape {np.shape(indices)} but x has "
                         f"{np.shape(x)}; pass the indices that max_pool2d returned with "
                         f"these values.")
    if not np.issubdtype(index.dtype, np.integer):
        raise TypeError(f"{fn}: indices must be integers; got dtype {index.dtype}.")
    kernel, strides, pads, _ = pool_options(kernel_size, stride, padding, 1, fn)
    default = [(i - 1) * s + k - 2 * p
               for i, s, k, p in zip(x4.shape[2:], strides, kernel, pads)]
    if output_size is None:
        out = tuple(default)
    else:
        out = tuple(output_size)[-2:]
        for axis, o, d, s in zip(("height", "width"), out, default, strides):
            if not d - s < o < d + s:
                raise ValueError(f"{fn}: output_size={tuple(output_size)!r} is out of range: "
                                 f"the output {axis} must be between {d - s + 1} and "
                                 f"{d + s - 1}.")
    size = out[0] * out[1]
    if index.size and (index.min() < 0 or index.max() >= size):
        raise ValueError(f"{fn}: indices run from {index.min()} to {index.max()}, outside an "
                         f"output plane of {out[0]}×{out[1]} = {size} positions.")
    n, c = x4.shape[:2]
    y = np.zeros((n, c, size), dtype=x4.dtype)
    np.put_along_axis(y, index.reshape(n, c, -1), x4.reshape(n, c, -1), axis=-1)
    y = y.reshape(n, c, *out)
    return y if batched else y[0]


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Average pooling: ``torch.nn.functional.avg_pool2d`` (padding counts as zeros).

    It is a convolution of each channel with a constant ``1 / (kH·kW)`` kernel and a
    stride: a linear map, with a matrix C like any convolution.

    Examples
    --------
    >>> avg_pool2d(np.array([[[1.0, 3.0], [5.0, 7.0]]]), 2)
    array([[[4.]]])
    """
    fn = "avg_pool2d"
    x4, batched = prepare_input(x, fn)
    kernel, strides, pads, _ = pool_options(kernel_size, stride, padding, 1, fn)
    channels = x4.shape[1]
    weight = np.full((channels, 1, *kernel), 1.0 / (kernel[0] * kernel[1]))
    y = conv2d(x4, weight, stride=strides, padding=pads, groups=channels)
    return y if batched else y[0]


def avg_unpool2d(x, kernel_size):
    """Average unpooling: each pooled value fills the whole window it was averaged over.

    For non-overlapping windows (stride = kernel size) this is nearest-neighbour
    upsampling, ``F.interpolate(x, scale_factor=kernel_size, mode="nearest")``.

    Examples
    --------
    >>> avg_unpool2d(np.array([[[4.0]]]), 2)
    array([[[4., 4.],
            [4., 4.]]])
    """
    fn = "avg_unpool2d"
    x4, batched = prepare_input(x, fn)
    kh, kw = shapes.positive_pair(kernel_size, "kernel_size", fn)
    y = np.repeat(np.repeat(x4, kh, axis=2), kw, axis=3)
    return y if batched else y[0]
