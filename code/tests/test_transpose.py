import numpy as np
import pytest
import torch
from hypothesis import given

from tconv import (conv2d, conv_matrix, conv_transpose2d, conv_transpose2d_output_size,
                   conv_transpose_matrix, output_padding_for_size)
from tconv.transpose import METHODS
from strategies import transpose_arrays_for, transpose_configs

OPTIONS = ("stride", "padding", "output_padding", "groups", "dilation")


def torch_conv_transpose2d(x, weight, bias=None, **options):
    tensor = lambda a: None if a is None else torch.from_numpy(np.asarray(a, dtype=np.float64))
    return torch.nn.functional.conv_transpose2d(tensor(x), tensor(weight), tensor(bias),
                                                **options).numpy()


@pytest.mark.parametrize("method", METHODS)
@given(config=transpose_configs())
def test_every_method_matches_torch(method, config):
    x, weight, bias = transpose_arrays_for(config)
    options = {key: config[key] for key in OPTIONS}
    expected = torch_conv_transpose2d(x, weight, bias, **options)
    np.testing.assert_allclose(conv_transpose2d(x, weight, bias, method=method, **options),
                               expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(conv_transpose2d(x[0], weight, bias, method=method, **options),
                               expected[0], rtol=1e-10, atol=1e-10)


@given(transpose_configs())
def test_the_three_methods_agree(config):
    x, weight, bias = transpose_arrays_for(config)
    options = {key: config[key] for key in OPTIONS}
    results = [conv_transpose2d(x, weight, bias, method=m, **options) for m in METHODS]
    for other in results[1:]:
        np.testing.assert_allclose(other, results[0], rtol=1e-10, atol=1e-10)


@given(transpose_configs())
def test_output_size_matches_torch(config):
    x, weight, _ = transpose_arrays_for(config)
    options = {key: config[key] for key in OPTIONS if key != "groups"}
    size = conv_transpose2d_output_size(config["input_size"], config["kernel_size"], **options)
    assert size == torch_conv_transpose2d(x, weight, groups=config["groups"], **options).shape[2:]


@given(transpose_configs())
def test_adjoint_identity(config):
    # <C x, y> = <x, Cᵀ y> in float64 to 1e-12, with conv2d as C and conv_transpose2d as Cᵀ.
    x_t, weight, _ = transpose_arrays_for(config)
    options = {key: config[key] for key in OPTIONS}
    y = conv_transpose2d(x_t, weight, **options)               # lives where conv2d's input does
    rng = np.random.default_rng(config["seed"] + 1)
    z = rng.standard_normal(y.shape)
    conv_options = {key: options[key] for key in ("stride", "padding", "dilation", "groups")}
    cz = conv2d(z, weight, **conv_options)[..., :x_t.shape[2], :x_t.shape[3]]
    lhs, rhs = np.vdot(cz, x_t), np.vdot(z, y)
    assert abs(lhs - rhs) <= 1e-12 * max(1.0, np.abs(cz).sum() * np.abs(x_t).max())


@given(transpose_configs())
def test_transpose_matrix_is_conv_matrix_transposed(config):
    x, weight, _ = transpose_arrays_for(config)
    options = {key: config[key] for key in OPTIONS}
    T = conv_transpose_matrix(weight, config["input_size"], **options)
    y = conv_transpose2d(x, weight, **options)
    np.testing.assert_allclose(T @ x[0].reshape(-1), y[0].reshape(-1), atol=1e-10)
    if all(op == 0 for op in config["output_padding"]):
        conv_options = {key: options[key] for key in ("stride", "padding", "dilation", "groups")}
        C = conv_matrix(weight, y.shape[2:], **conv_options)
        if C.shape == T.T.shape:
            assert (C.T != T).nnz == 0


def test_published_vectors_d2l():
    # Zhang et al., Dive into Deep Learning, section 14.10 (transposed convolution)
    X = np.array([[[0.0, 1.0], [2.0, 3.0]]])
    K = np.array([[[[0.0, 1.0], [2.0, 3.0]]]])
    for method in METHODS:
        np.testing.assert_array_equal(conv_transpose2d(X, K, method=method)[0],
                                      [[0, 0, 1], [0, 4, 6], [4, 12, 9]])
        np.testing.assert_array_equal(conv_transpose2d(X, K, padding=1, method=method)[0], [[4]])
        np.testing.assert_array_equal(conv_transpose2d(X, K, stride=2, method=method)[0],
                                      [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]])


def test_source_vector_tensorflow_same_stride_2():
    # The course's source document 000: tf.nn.conv2d_transpose, 4-channel 3×3 input,
    # 2 output channels, 3×3 kernels given as [out, in, h, w] and rotated by 180° before
    # TensorFlow, stride 2, SAME, output 6×6. TensorFlow's SAME here pads 0 before and
    # 1 after, so it is the full transposed convolution with its last row and column cut.
    x = np.array([[[1, 0, 1], [0, 2, 1], [1, 1, 0]], [[2, 0, 2], [0, 1, 0], [1, 0, 0]],
                  [[1, 1, 1], [2, 2, 0], [1, 1, 1]], [[1, 1, 2], [1, 0, 1], [0, 2, 2]]], float)
    w = np.array([[[[1, 0, 1], [-1, 1, 0], [0, -1, 0]], [[-1, 0, 1], [0, 0, 1], [1, 1, 1]],
                   [[0, 1, 1], [2, 0, 1], [1, 2, 1]], [[1, 1, 1], [0, 2, 1], [1, 0, 1]]],
                  [[[1, 0, 2], [-2, 1, 1], [1, -1, 0]], [[-1, 0, 1], [-1, 2, 1], [1, 1, 1]],
                   [[0, 0, 0], [2, 2, 1], [1, -1, 1]], [[2, 1, 1], [0, -1, 1], [1, 1, 1]]]],
                 float)
    weight = w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]
    expected_channel_1 = [[4, 1, 7, 0, 7, 2], [5, 6, 0, 1, 8, 5], [8, 0, 8, -2, 14, 2],
                          [3, 3, 9, 8, 1, 0], [3, 0, 13, 0, 11, 2], [3, 5, 3, 1, 3, 0]]
    for method in METHODS:
        y = conv_transpose2d(x, weight, stride=2, method=method)[:, :6, :6]
        np.testing.assert_array_equal(y[1], expected_channel_1)
        np.testing.assert_array_equal(y[0, 2], [8, 6, 8, 5, 11, 2])


def test_output_size_parameter_picks_output_padding():
    x, w = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    assert conv_transpose2d(x, w, stride=2, padding=1, output_size=10).shape == (1, 1, 10, 10)
    assert conv_transpose2d(x, w, stride=2, padding=1, output_size=(9, 10)).shape == (1, 1, 9, 10)
    assert output_padding_for_size(5, 10, 3, stride=2, padding=1) == 1


@pytest.mark.parametrize("call, words", [
    (lambda: conv_transpose2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=2,
                              output_padding=2),
     "output_padding=2 must be smaller than stride=(2, 2) or dilation=(1, 1) in each dimension; "
     "with stride 2 the reachable output heights for a 5-row input are 11 and 12"),
    (lambda: conv_transpose2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=2, padding=1,
                              output_size=11),
     "output_size=11 cannot be reached: with stride 2, kernel 3, padding 1 and dilation 1 the "
     "reachable output heights for an input height of 5 are 9 and 10"),
    (lambda: conv_transpose2d(np.ones((1, 3, 5, 5)), np.ones((2, 1, 3, 3))),
     "x has 3 channels but weight of shape (2, 1, 3, 3) expects 2 (weight.shape[0]"),
    (lambda: conv_transpose2d(np.ones((1, 3, 5, 5)), np.ones((3, 1, 3, 3)), groups=2),
     "groups=2 must divide in_channels (weight.shape[0])=3"),
    (lambda: conv_transpose2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), method="fft"),
     "method='fft' is not a method; expected one of ('scatter', 'matrix', 'zero_insertion')"),
    (lambda: conv_transpose2d(np.ones((1, 1, 1, 1)), np.ones((1, 1, 1, 1)), padding=1),
     "padding=1 crops more than the full output's height 1"),
    (lambda: conv_transpose2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), bias=np.ones(2)),
     "bias has 2 entries but there are 1 output channels"),
    (lambda: conv_transpose2d(np.ones((5, 5)), np.ones((1, 1, 3, 3))),
     "x must have 3 or 4 dimensions"),
    (lambda: conv_transpose2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=0),
     "stride=0 must be positive"),
])
def test_errors_name_the_parameter_and_the_valid_range(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert words in str(info.value)


def test_output_padding_allowed_below_dilation():
    # PyTorch allows output_padding < dilation even when it is not below the stride.
    x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    y = conv_transpose2d(x, w, stride=1, dilation=3, output_padding=2)
    np.testing.assert_allclose(y, torch_conv_transpose2d(x, w, stride=1, dilation=3,
                                                         output_padding=2))
