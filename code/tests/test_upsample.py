import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from tconv import conv2d, conv_transpose2d, upsample


@st.composite
def images(draw, channels=st.integers(1, 3)):
    shape = (draw(st.integers(1, 2)), draw(channels), draw(st.integers(1, 6)),
             draw(st.integers(1, 6)))
    return np.random.default_rng(draw(st.integers(0, 2**16))).standard_normal(shape)


@given(images(), st.integers(1, 3))
def test_resize_matches_interpolate(x, factor):
    t = torch.from_numpy(x)
    np.testing.assert_array_equal(upsample.resize_nearest(x, factor),
                                  F.interpolate(t, scale_factor=factor, mode="nearest").numpy())
    np.testing.assert_allclose(upsample.resize_bilinear(x, factor),
                               F.interpolate(t, scale_factor=factor, mode="bilinear",
                                             align_corners=False).numpy(), atol=1e-12)


@given(images(channels=st.sampled_from([4, 8, 9])), st.sampled_from([1, 2, 3]))
def test_pixel_shuffle_matches_torch(x, r):
    if x.shape[1] % (r * r):
        return
    y = upsample.pixel_shuffle(x, r)
    np.testing.assert_array_equal(y, F.pixel_shuffle(torch.from_numpy(x), r).numpy())
    np.testing.assert_array_equal(upsample.pixel_unshuffle(y, r), x)
    np.testing.assert_array_equal(upsample.pixel_unshuffle(y, r),
                                  F.pixel_unshuffle(torch.from_numpy(y), r).numpy())


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 3), st.integers(0, 2))
def test_overlap_count_is_transposed_convolution_of_ones(n, k, s, p):
    if (n - 1) * s + k - 2 * p < 1:
        return
    expected = F.conv_transpose2d(torch.ones(1, 1, n, n), torch.ones(1, 1, k, k), stride=s,
                                  padding=p)[0, 0].numpy()
    np.testing.assert_array_equal(upsample.overlap_count(n, k, s, p), expected)
    one_d = F.conv_transpose1d(torch.ones(1, 1, n), torch.ones(1, 1, k), stride=s, padding=p)
    np.testing.assert_array_equal(upsample.overlap_count_1d(n, k, s, p), one_d[0, 0].numpy())


def test_overlap_is_even_exactly_when_stride_divides_kernel():
    for k in range(1, 7):
        for s in range(1, 4):
            interior = upsample.overlap_count_1d(8, k, s)[k:-k]
            assert (len(set(interior)) == 1) == (k % s == 0), (k, s)


@given(images(), st.integers(1, 3), st.integers(1, 2), st.integers(1, 3))
def test_subpixel_convolution_equals_strided_transposed_convolution(x, r, k, c_out):
    rng = np.random.default_rng(x.shape[2] * 7 + r)
    weight = rng.standard_normal((x.shape[1], c_out, r * k, r * k))
    by_transpose = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(weight),
                                      stride=r).numpy()
    sub = upsample.subpixel_weight(weight, r)
    by_subpixel = F.pixel_shuffle(F.conv2d(torch.from_numpy(x), torch.from_numpy(sub),
                                           padding=k - 1), r).numpy()
    np.testing.assert_allclose(by_subpixel, by_transpose, atol=1e-10)
    np.testing.assert_array_equal(upsample.transpose_weight_from_subpixel(sub, r), weight)
    np.testing.assert_allclose(upsample.pixel_shuffle(conv2d(x, sub, padding=k - 1), r),
                               by_transpose, atol=1e-10)


@given(images(), st.integers(2, 4))
def test_bilinear_transposed_convolution_equals_interpolate_away_from_the_border(x, f):
    weight, options = upsample.bilinear_weight(x.shape[1], f)
    y = conv_transpose2d(x, weight, **options)
    expected = F.interpolate(torch.from_numpy(x), scale_factor=f, mode="bilinear",
                             align_corners=False).numpy()
    assert y.shape == expected.shape
    np.testing.assert_allclose(y[..., f:-f, f:-f], expected[..., f:-f, f:-f], atol=1e-12)


def test_bilinear_kernel_sums_to_factor_squared():
    for f in range(1, 6):
        assert np.isclose(upsample.bilinear_kernel(f).sum(), f * f)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 5), st.integers(1, 3),
       st.integers(0, 2**16))
def test_polyphase_sums_are_the_interior_of_a_flat_input(c_in, c_out, k, s, seed):
    # all-ones input: interior pixel of phase (α, β) of output channel f sums phase (α, β)
    # of every kernel w[c, f]; PyTorch computes the transposed convolution
    weight = np.random.default_rng(seed).standard_normal((c_in, c_out, k, k))
    ones = torch.ones(1, c_in, 4 + 2 * k, 4 + 2 * k, dtype=torch.float64)
    y = F.conv_transpose2d(ones, torch.from_numpy(weight), stride=s)[0].numpy()
    sums = upsample.polyphase_sums(weight, s).sum(axis=0)  # (c_out, s, s)
    assert sums.shape == (c_out, s, s)
    start = s * (k // s + 1)  # a multiple of s past the border, so phases line up
    for alpha in range(s):
        for beta in range(s):
            rows = slice(start + alpha, -start, s)
            cols = slice(start + beta, -start, s)
            np.testing.assert_allclose(y[:, rows, cols],
                                       np.broadcast_to(sums[:, alpha, beta, None, None],
                                                       y[:, rows, cols].shape), atol=1e-10)


def test_polyphase_sums_flat_kernels():
    assert np.ptp(upsample.polyphase_sums(upsample.bilinear_kernel(2), 2)) == 0
    np.testing.assert_allclose(upsample.polyphase_sums(upsample.bilinear_kernel(3), 3),
                               np.ones((3, 3)))  # k = 5, s = 3: uneven overlap, flat output
    assert upsample.polyphase_sums(np.ones((3, 4)), (2, 3)).tolist() == [[4, 2, 2], [2, 1, 1]]
    assert upsample.polyphase_sums(np.ones((2, 2)), 3)[2, 2] == 0  # no tap reaches it


@given(images(), st.integers(1, 3), st.integers(1, 2), st.sampled_from([1, 3]))
def test_icnr_is_convolution_then_nearest_upsampling(x, r, c_out, k):
    weight = np.random.default_rng(x.shape[3]).standard_normal((c_out, x.shape[1], k, k))
    icnr = torch.from_numpy(upsample.icnr_weight(weight, r))
    t, w = torch.from_numpy(x), torch.from_numpy(weight)
    by_subpixel = F.pixel_shuffle(F.conv2d(t, icnr, padding=k // 2), r)
    expected = F.interpolate(F.conv2d(t, w, padding=k // 2), scale_factor=r, mode="nearest")
    torch.testing.assert_close(by_subpixel, expected)
    # the same as nearest-neighbour resizing, then a convolution with taps r pixels apart
    resized = F.conv2d(F.interpolate(t, scale_factor=r, mode="nearest"), w,
                       padding=r * (k // 2), dilation=r)
    torch.testing.assert_close(by_subpixel, resized)


@pytest.mark.parametrize("call, words", [
    (lambda: upsample.pixel_shuffle(np.ones((1, 3, 2, 2)), 2), "3 channels, which is not a multiple"),
    (lambda: upsample.pixel_unshuffle(np.ones((1, 1, 3, 4)), 2), "3×4 is not divisible"),
    (lambda: upsample.bilinear_kernel(0), "factor=0 must be a positive int"),
    (lambda: upsample.subpixel_weight(np.ones((1, 1, 3, 3)), 2), "divides the kernel size 3×3"),
    (lambda: upsample.resize_nearest(np.ones((2, 2)), 2), "x must have 3 or 4 dimensions"),
    (lambda: upsample.polyphase_sums(np.ones(3), 2), "weight must have 2 or 3"),
    (lambda: upsample.polyphase_sums(np.ones((3, 3)), 0), "stride=0 must be positive"),
    (lambda: upsample.icnr_weight(np.ones((1, 1, 3, 3)), 0), "upscale_factor=0 must be"),
])
def test_errors(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert words in str(info.value)
