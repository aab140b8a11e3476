import numpy as np
import pytest
import torch
from hypothesis import given

from tconv import conv2d, same_padding
from strategies import arrays_for, conv_configs


def torch_conv2d(x, weight, bias=None, **options):
    as_tensor = lambda a: None if a is None else torch.from_numpy(np.asarray(a, dtype=np.float64))
    return torch.nn.functional.conv2d(as_tensor(x), as_tensor(weight), as_tensor(bias),
                                      **options).numpy()


@given(conv_configs())
def test_conv2d_matches_torch(config):
    x, weight, bias = arrays_for(config)
    options = {key: config[key] for key in ("stride", "padding", "dilation", "groups")}
    np.testing.assert_allclose(conv2d(x, weight, bias, **options),
                               torch_conv2d(x, weight, bias, **options), rtol=1e-10, atol=1e-10)


@given(conv_configs())
def test_conv2d_unbatched_matches_torch(config):
    x, weight, bias = arrays_for(config)
    options = {key: config[key] for key in ("stride", "padding", "dilation", "groups")}
    np.testing.assert_allclose(conv2d(x[0], weight, bias, **options),
                               torch_conv2d(x[0], weight, bias, **options), atol=1e-10)


def test_conv2d_same_padding_is_tensorflows_with_extra_zero_bottom_right():
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    weight = np.ones((1, 1, 2, 2))
    y = conv2d(x, weight, stride=2, padding="same")
    # rows/columns 0-1, 2-3 and 4 + one zero below/right
    padded = np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 1)))
    np.testing.assert_array_equal(y, torch_conv2d(padded, weight, stride=2))
    assert y.shape == (1, 1, 3, 3)
    np.testing.assert_array_equal(conv2d(x, weight, padding="valid"), torch_conv2d(x, weight))


# PyTorch warns that it copies the input for even kernels; a speed note, not a fault.
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv2d_same_matches_torch_same_for_stride_one():
    rng = np.random.default_rng(1)
    x, weight = rng.standard_normal((2, 3, 6, 7)), rng.standard_normal((4, 3, 4, 3))
    np.testing.assert_allclose(conv2d(x, weight, padding="same", dilation=(1, 2)),
                               torch_conv2d(x, weight, padding="same", dilation=(1, 2)))


def test_conv2d_published_vector():
    # d2l.ai, section 7.2: X = 0..8 as 3x3, K = [[0, 1], [2, 3]] -> [[19, 25], [37, 43]]
    x = np.arange(9.0).reshape(1, 3, 3)
    k = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(1, 1, 2, 2)
    np.testing.assert_array_equal(conv2d(x, k)[0], [[19, 25], [37, 43]])


def test_conv2d_accepts_integers_and_torch_tensors():
    x = np.arange(16).reshape(1, 4, 4)
    assert conv2d(x, np.ones((1, 1, 2, 2), dtype=int)).dtype.kind == "i"
    y = conv2d(torch.ones(1, 3, 3), torch.ones(1, 1, 3, 3))
    assert y.shape == (1, 1, 1) and y[0, 0, 0] == 9


@pytest.mark.parametrize("x_shape, w_shape, options, error, words", [
    ((1, 3, 5, 5), (2, 2, 3, 3), {}, ValueError, "x has 3 channels but weight of shape (2, 2, 3, 3)"),
    ((1, 4, 5, 5), (3, 2, 3, 3), {"groups": 2}, ValueError, "groups=2 must divide out_channels"),
    ((1, 4, 5, 5), (4, 2, 3, 3), {"groups": 0}, ValueError, "groups=0 must be a positive int"),
    ((1, 1, 2, 2), (1, 1, 3, 3), {}, ValueError, "larger than the padded input"),
    ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": 0}, ValueError, "stride=0 must be positive"),
    ((1, 1, 5, 5), (1, 1, 3, 3), {"padding": -1}, ValueError, "padding=-1"),
    ((1, 1, 5, 5), (1, 1, 3, 3), {"padding": "half"}, ValueError, "padding='half' is not a padding mode"),
    ((5, 5), (1, 1, 3, 3), {}, ValueError, "x must have 3 or 4 dimensions; got shape (5, 5)"),
    ((1, 1, 5, 5), (3, 3), {}, ValueError, "weight must have 4 dimensions; got shape (3, 3)"),
    ((1, 1, 5, 5), (1, 1, 3, 3), {"bias": np.ones(2)}, ValueError, "bias has 2 entries"),
    ((1, 1, 5, 5), (1, 1, 3, 3), {"dilation": (1, 0)}, ValueError, "dilation=(1, 0)"),
])
def test_conv2d_errors_name_the_problem(x_shape, w_shape, options, error, words):
    with pytest.raises(error) as info:
        conv2d(np.ones(x_shape), np.ones(w_shape), **options)
    assert words in str(info.value)


def test_conv2d_rejects_non_numbers():
    with pytest.raises(TypeError, match="x must hold numbers"):
        conv2d(np.array([[["a"]]]), np.ones((1, 1, 1, 1)))


@given(conv_configs())
def test_conv2d_same_padding_any_stride(config):
    # TensorFlow's SAME: output ceil(i / s); equal to padding by same_padding's split first.
    x, weight, bias = arrays_for(config)
    options = {key: config[key] for key in ("stride", "dilation", "groups")}
    y = conv2d(x, weight, bias, padding="same", **options)
    (top, bottom), (left, right) = same_padding(config["input_size"], config["kernel_size"],
                                                config["stride"], config["dilation"])
    padded = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    np.testing.assert_allclose(y, torch_conv2d(padded, weight, bias, **options), atol=1e-10)
    strides = config["stride"] if isinstance(config["stride"], tuple) else (config["stride"],) * 2
    assert y.shape[2:] == tuple(-(-i // s) for i, s in zip(config["input_size"], strides))
