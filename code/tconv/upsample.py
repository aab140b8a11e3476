"""Upsampling: overlap counts of transposed convolutions, and the alternatives to them.

NumPy, NCHW, PyTorch's names and conventions: ``pixel_shuffle`` is
``torch.nn.functional.pixel_shuffle``; ``resize_nearest`` and ``resize_bilinear`` are
``F.interpolate`` with ``mode="nearest"`` and ``mode="bilinear", align_corners=False``
for integer scale factors.
"""

import numpy as np

from . import shapes
from .conv import as_array, prepare_input
from .transpose import conv_transpose2d


def overlap_count_1d(input_size, kernel_size, stride, padding=0):
    """How many input pixels contribute to each output pixel of a 1-D transposed convolution.

    For a uniform kernel, uneven counts are what draw checkerboard patterns: with
    ``kernel_size`` not a multiple of ``stride`` they alternate even in the middle of the
    output. For any other kernel, :func:`polyphase_sums` decides.

    Examples
    --------
    >>> overlap_count_1d(4, 3, 2)
    array([1, 1, 2, 1, 2, 1, 2, 1, 1])
    >>> overlap_count_1d(4, 4, 2)
    array([1, 1, 2, 2, 2, 2, 2, 2, 1, 1])
    """
    counts = overlap_count((1, input_size), (1, kernel_size), (1, stride), (0, padding))
    return counts[0]


def overlap_count(input_size, kernel_size, stride, padding=0):
    """The 2-D overlap map of a transposed convolution: the transposed convolution of an
    all-ones input with an all-ones kernel.

    Parameters
    ----------
    input_size, kernel_size, stride, padding : int or pair of int

    Returns
    -------
    array of int, the transposed convolution's output shape

    Examples
    --------
    >>> overlap_count(2, 3, 2)
    array([[1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1],
           [2, 2, 4, 2, 2],
           [1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1]])
    """
    fn = "overlap_count"
    sizes = shapes.positive_pair(input_size, "input_size", fn)
    kernel = shapes.positive_pair(kernel_size, "kernel_size", fn)
    ones = np.ones((1, 1, *sizes), dtype=np.int64)
    counts = conv_transpose2d(ones, np.ones((1, 1, *kernel), dtype=np.int64), stride=stride,
                              padding=padding)
    return counts[0, 0]


def bilinear_kernel(factor):
    """The kernel of bilinear upsampling by ``factor`` as a transposed convolution (FCN).

    Its size is ``2 * factor - factor % 2``; :func:`bilinear_weight` gives the stride
    and padding that go with it.

    Examples
    --------
    >>> bilinear_kernel(2)
    array([[0.0625, 0.1875, 0.1875, 0.0625],
           [0.1875, 0.5625, 0.5625, 0.1875],
           [0.1875, 0.5625, 0.5625, 0.1875],
           [0.0625, 0.1875, 0.1875, 0.0625]])
    """
    if not shapes.is_int(factor) or factor < 1:
        raise ValueError(f"bilinear_kernel: factor={factor!r} must be a positive int.")
    size = 2 * factor - factor % 2
    center = factor - 1 if size % 2 == 1 else factor - 0.5
    profile = 1 - np.abs(np.arange(size) - center) / factor
    return np.outer(profile, profile)


def bilinear_weight(channels, factor):
    """A ``ConvTranspose2d`` weight that upsamples each of ``channels`` channels bilinearly.

    Returns ``(weight, options)``: weight of shape (channels, 1, k, k), to use with
    ``groups=channels`` and ``options`` (stride and padding), so that the output is
    ``factor`` times larger.

    Examples
    --------
    >>> weight, options = bilinear_weight(3, 2)
    >>> weight.shape, options
    ((3, 1, 4, 4), {'stride': 2, 'padding': 1, 'groups': 3})
    """
    if not shapes.is_int(channels) or channels < 1:
        raise ValueError(f"bilinear_weight: channels={channels!r} must be a positive int.")
    kernel = bilinear_kernel(factor)
    size = kernel.shape[0]
    weight = np.broadcast_to(kernel, (channels, 1, size, size)).copy()
    return weight, {"stride": factor, "padding": (size - factor + 1) // 2, "groups": channels}


def resize_nearest(x, factor):
    """Nearest-neighbour upsampling by an integer factor: each pixel becomes a block.

    Equals ``F.interpolate(x, scale_factor=factor, mode="nearest")``.

    Examples
    --------
    >>> resize_nearest(np.array([[[1, 2]]]), 2)
    array([[[1, 1, 2, 2],
            [1, 1, 2, 2]]])
    """
    x4, batched = prepare_input(x, "resize_nearest")
    fy, fx = shapes.positive_pair(factor, "factor", "resize_nearest")
    y = np.repeat(np.repeat(x4, fy, axis=2), fx, axis=3)
    return y if batched else y[0]


def bilinear_matrix(input_size, factor):
    """The ``(input_size * factor) x input_size`` matrix of 1-D bilinear upsampling,
    PyTorch's ``align_corners=False`` convention (source positions clamped at the edges).

    Examples
    --------
    >>> bilinear_matrix(2, 2)
    array([[1.  , 0.  ],
           [0.75, 0.25],
           [0.25, 0.75],
           [0.  , 1.  ]])
    """
    out = input_size * factor
    source = np.clip((np.arange(out) + 0.5) / factor - 0.5, 0, None)
    low = np.minimum(np.floor(source).astype(int), input_size - 1)
    high = np.minimum(low + 1, input_size - 1)
    fraction = source - low
    matrix = np.zeros((out, input_size))
    matrix[np.arange(out), low] += 1 - fraction
    matrix[np.arange(out), high] += fraction
    return matrix


def resize_bilinear(x, factor):
    """Bilinear upsampling by an integer factor, as ``F.interpolate(x, scale_factor=factor,
    mode="bilinear", align_corners=False)``: one 1-D interpolation per axis.

    Examples
    --------
    >>> resize_bilinear(np.array([[[0.0, 4.0]]]), 2)
    array([[[0., 1., 3., 4.],
            [0., 1., 3., 4.]]])
    """
    x4, batched = prepare_input(x, "resize_bilinear")
    fy, fx = shapes.positive_pair(factor, "factor", "resize_bilinear")
    rows, cols = bilinear_matrix(x4.shape[2], fy), bilinear_matrix(x4.shape[3], fx)
    y = np.einsum("ih,nchw,jw->ncij", rows, x4, cols)
    return y if batched else y[0]


def pixel_shuffle(x, upscale_factor):
    """Rearrange ``(N, c_out·r², H, W)`` into ``(N, c_out, H·r, W·r)``: ``F.pixel_shuffle``.

    Channel ``f·r² + α·r + β`` becomes the pixels at offset ``(α, β)`` of each
    ``r × r`` block of output channel ``f``.

    Examples
    --------
    >>> pixel_shuffle(np.arange(4).reshape(1, 4, 1, 1), 2)[0, 0]
    array([[0, 1],
           [2, 3]])
    """
    fn = "pixel_shuffle"
    x4, batched = prepare_input(x, fn)
    r = upscale_factor
    if not shapes.is_int(r) or r < 1:
        raise ValueError(f"{fn}: upscale_factor={r!r} must be a positive int.")
    n, channels, h, w = x4.shape
    if channels % (r * r):
        raise ValueError(f"{fn}: x has {channels} channels, which is not a multiple of "
                         f"upscale_factor² = {r * r}.")
    y = x4.reshape(n, channels // (r * r), r, r, h, w).transpose(0, 1, 4, 2, 5, 3)
    y = y.reshape(n, channels // (r * r), h * r, w * r)
    return y if batched else y[0]


def pixel_unshuffle(x, downscale_factor):
    """The inverse of :func:`pixel_shuffle`: ``F.pixel_unshuffle``.

    Examples
    --------
    >>> x = np.arange(32).reshape(1, 8, 2, 2)
    >>> bool((pixel_unshuffle(pixel_shuffle(x, 2), 2) == x).all())
    True
    """
    fn = "pixel_unshuffle"
    x4, batched = prepare_input(x, fn)
    r = downscale_factor
    if not shapes.is_int(r) or r < 1:
        raise ValueError(f"{fn}: downscale_factor={r!r} must be a positive int.")
    n, channels, h, w = x4.shape
    if h % r or w % r:
        raise ValueError(f"{fn}: the input's size {h}×{w} is not divisible by "
                         f"downscale_factor={r}.")
    y = x4.reshape(n, channels, h // r, r, w // r, r).transpose(0, 1, 3, 5, 2, 4)
    y = y.reshape(n, channels * r * r, h // r, w // r)
    return y if batched else y[0]


def subpixel_weight(transpose_weight, upscale_factor):
    """The sub-pixel convolution equal to a strided transposed convolution (Shi et al.).

    A transposed convolution with weight ``(c_in, c_out, r·k, r·k)``, stride ``r`` and
    padding 0 equals ``pixel_shuffle(conv2d(x, w_sub, padding=k - 1), r)``, where
    ``w_sub`` of shape ``(c_out·r², c_in, k, k)`` is returned here.

    Examples
    --------
    >>> from tconv.conv import conv2d
    >>> rng = np.random.default_rng(0)
    >>> x, w = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 1, 4, 4))
    >>> sub = pixel_shuffle(conv2d(x, subpixel_weight(w, 2), padding=1), 2)
    >>> bool(np.allclose(sub, conv_transpose2d(x, w, stride=2)))
    True
    """
    fn = "subpixel_weight"
    weight = as_array(transpose_weight, "transpose_weight", fn, (4,))
    r = upscale_factor
    c_in, c_out, kh, kw = weight.shape
    if not shapes.is_int(r) or r < 1 or kh % r or kw % r:
        raise ValueError(f"{fn}: upscale_factor={r!r} must be a positive int that divides the "
                         f"kernel size {kh}×{kw}.")
    k_h, k_w = kh // r, kw // r
    # w_t[c, f, δ·r + α, ε·r + β] -> w_sub[f·r² + α·r + β, c, k-1-δ, k-1-ε]
    blocks = weight.reshape(c_in, c_out, k_h, r, k_w, r)
    sub = blocks.transpose(1, 3, 5, 0, 2, 4).reshape(c_out * r * r, c_in, k_h, k_w)
    return sub[:, :, ::-1, ::-1].copy()


def transpose_weight_from_subpixel(subpixel, upscale_factor):
    """The inverse of :func:`subpixel_weight`: a sub-pixel convolution's weight
    ``(c_out·r², c_in, k, k)`` as a transposed-convolution weight ``(c_in, c_out, r·k, r·k)``.

    Examples
    --------
    >>> w = np.arange(32.0).reshape(2, 1, 4, 4)
    >>> bool((transpose_weight_from_subpixel(subpixel_weight(w, 2), 2) == w).all())
    True
    """
    fn = "transpose_weight_from_subpixel"
    sub = as_array(subpixel, "subpixel", fn, (4,))
    r = upscale_factor
    channels, c_in, k_h, k_w = sub.shape
    if not shapes.is_int(r) or r < 1 or channels % (r * r):
        raise ValueError(f"{fn}: the weight has {channels} output channels, not a multiple of "
                         f"upscale_factor² for upscale_factor={r!r}.")
    c_out = channels // (r * r)
    blocks = sub[:, :, ::-1, ::-1].reshape(c_out, r, r, c_in, k_h, k_w)
    return blocks.transpose(3, 0, 4, 1, 5, 2).reshape(c_in, c_out, k_h * r, k_w * r).copy()


def polyphase_sums(weight, stride):
    """The sums of the ``s × s`` sub-kernels ``weight[..., α::s, β::s]`` (polyphase components).

    A transposed convolution with this kernel and stride turns an all-ones input into an
    output whose interior pixel of phase ``(α, β)`` (row ≡ α, column ≡ β modulo ``s``, counted
    before the padding is cropped) equals ``sums[..., α, β]``; the interior is flat exactly
    when these sums are equal. A phase that no tap reaches (``s`` larger than the kernel)
    sums to 0.

    Parameters
    ----------
    weight : array_like, at least 2-D
        A kernel ``(k_H, k_W)`` or a weight whose last two axes are the kernel, such as a
        ``ConvTranspose2d`` weight ``(c_in, c_out, k_H, k_W)``.
    stride : int or pair of int

    Returns
    -------
    ndarray of shape ``(..., s_H, s_W)``

    Examples
    --------
    >>> polyphase_sums(np.arange(16).reshape(4, 4), 2)
    array([[20, 24],
           [36, 40]])
    >>> polyphase_sums(np.ones((3, 3)), 2)
    array([[4., 2.],
           [2., 1.]])
    """
    fn = "polyphase_sums"
    w = as_array(weight, "weight", fn, tuple(range(2, 7)))
    s_h, s_w = shapes.positive_pair(stride, "stride", fn)
    sums = np.zeros((*w.shape[:-2], s_h, s_w), dtype=w.dtype)
    for alpha in range(s_h):
        for beta in range(s_w):
            sums[..., alpha, beta] = w[..., alpha::s_h, beta::s_w].sum(axis=(-2, -1))
    return sums


def icnr_weight(weight, upscale_factor):
    """ICNR initialisation of a sub-pixel convolution (Aitken et al., 2017).

    From a convolution weight ``(c_out, c_in, k_H, k_W)``, the weight
    ``(c_out·r², c_in, k_H, k_W)`` whose ``r²`` filters for each output channel are all
    that channel's filter. Followed by ``pixel_shuffle(·, r)``, the layer computes the
    convolution on the small grid, then nearest-neighbour upsampling: no checkerboard.

    Examples
    --------
    >>> from tconv.conv import conv2d
    >>> rng = np.random.default_rng(0)
    >>> x, w = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((1, 2, 3, 3))
    >>> icnr_weight(w, 2).shape
    (4, 2, 3, 3)
    >>> y = pixel_shuffle(conv2d(x, icnr_weight(w, 2), padding=1), 2)
    >>> bool(np.allclose(y, resize_nearest(conv2d(x, w, padding=1), 2)))
    True
    """
    fn = "icnr_weight"
    w = as_array(weight, "weight", fn, (4,))
    r = upscale_factor
    if not shapes.is_int(r) or r < 1:
        raise ValueError(f"{fn}: upscale_factor={r!r} must be a positive int.")
    # filter f·r² + α·r + β of the sub-pixel layer is filter f, for every phase (α, β)
    return np.repeat(w, r * r, axis=0)
