import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from tconv import conv_transpose2d, pooling
from strategies import int_or_pair, as_pair


@st.composite
def pool_configs(draw):
    kernel = draw(int_or_pair(1, 3))
    stride = draw(st.one_of(st.none(), int_or_pair(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in as_pair(kernel))
    dilation = draw(int_or_pair(1, 2))
    size = []
    for k, p, d in zip(as_pair(kernel), padding, as_pair(dilation)):
        size.append(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 8)))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size)
    x = np.random.default_rng(draw(st.integers(0, 2**16))).permutation(
        np.arange(np.prod(shape), dtype=float)).reshape(shape)  # distinct values: no ties
    return x, dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)


@given(pool_configs())
def test_max_pool_and_indices_match_torch(config):
    x, options = config
    values, indices = pooling.max_pool2d(x, return_indices=True, **options)
    expected, expected_indices = F.max_pool2d(torch.from_numpy(x), return_indices=True,
                                              **options)
    np.testing.assert_array_equal(values, expected.numpy())
    if np.isinf(values).any():  # a dilated window that sees only padding: no real position
        return
    np.testing.assert_array_equal(indices, expected_indices.numpy())
    np.testing.assert_array_equal(pooling.max_pool2d(x[0], **options), expected[0].numpy())


@given(pool_configs())
def test_max_unpool_matches_torch(config):
    x, options = config
    options = dict(options, dilation=1)
    values, indices = pooling.max_pool2d(x, return_indices=True, **options)
    unpool = {k: options[k] for k in ("kernel_size", "stride", "padding")}
    expected = F.max_unpool2d(torch.from_numpy(values), torch.from_numpy(indices), **unpool,
                              output_size=x.shape[2:])
    np.testing.assert_array_equal(pooling.max_unpool2d(values, indices, output_size=x.shape[2:],
                                                       **unpool), expected.numpy())


@given(pool_configs())
def test_max_unpool_is_the_gradient_of_max_pool_when_windows_do_not_overlap(config):
    x, options = config
    k = as_pair(options["kernel_size"])
    options = dict(options, stride=k, padding=(0, 0), dilation=1)
    if x.shape[2] < k[0] or x.shape[3] < k[1]:
        return
    values, indices = pooling.max_pool2d(x, return_indices=True, **options)
    g = np.random.default_rng(1).standard_normal(values.shape)
    t = torch.from_numpy(x).requires_grad_()
    (F.max_pool2d(t, **options) * torch.from_numpy(g)).sum().backward()
    back = pooling.max_unpool2d(g, indices, k, output_size=x.shape[2:])
    np.testing.assert_allclose(back, t.grad.numpy())


@given(pool_configs())
def test_avg_pool_matches_torch(config):
    x, options = config
    options = {k: options[k] for k in ("kernel_size", "stride", "padding")}
    np.testing.assert_allclose(pooling.avg_pool2d(x, **options),
                               F.avg_pool2d(torch.from_numpy(x), **options).numpy(), atol=1e-10)


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3))
def test_avg_unpool_is_nearest_and_k_squared_times_the_adjoint(h, w, k):
    y = np.random.default_rng(h * 10 + w).standard_normal((1, 2, h, w))
    up = pooling.avg_unpool2d(y, k)
    np.testing.assert_array_equal(up, F.interpolate(torch.from_numpy(y), scale_factor=k,
                                                    mode="nearest").numpy())
    # the adjoint of average pooling spreads each value evenly, 1 / k² to each pixel
    adjoint = conv_transpose2d(y, np.full((2, 1, k, k), 1 / k**2), stride=k, groups=2)
    np.testing.assert_allclose(up, k * k * adjoint)


@pytest.mark.parametrize("call, error, words", [
    (lambda: pooling.max_pool2d(np.ones((1, 4, 4)), 2, padding=2), ValueError,
     "padding=2 must be at most half the kernel size"),
    (lambda: pooling.max_unpool2d(np.ones((1, 2, 2)), np.zeros((1, 2, 3), int), 2), ValueError,
     "indices has shape (1, 2, 3) but x has (1, 2, 2)"),
    (lambda: pooling.max_unpool2d(np.ones((1, 2, 2)), np.zeros((1, 2, 2)), 2), TypeError,
     "indices must be integers"),
    (lambda: pooling.max_unpool2d(np.ones((1, 2, 2)), np.full((1, 2, 2), 99), 2), ValueError,
     "outside an output plane of 4×4 = 16 positions"),
    (lambda: pooling.max_unpool2d(np.ones((1, 2, 2)), np.zeros((1, 2, 2), int), 2,
                                  output_size=(6, 6)), ValueError,
     "the output height must be between 3 and 5"),
    (lambda: pooling.max_pool2d(np.ones((1, 1, 4, 4)), 0), ValueError, "kernel_size=0"),
])
def test_errors(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
