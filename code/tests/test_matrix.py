import numpy as np
import pytest
import torch
from hypothesis import given

from tconv import conv2d, conv_matrix, im2col
from strategies import arrays_for, conv_configs


@given(conv_configs())
def test_conv_matrix_times_image_is_conv2d(config):
    x, weight, _ = arrays_for(config)
    options = {key: config[key] for key in ("stride", "padding", "dilation", "groups")}
    C = conv_matrix(weight, config["input_size"], **options)
    expected = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(weight),
                                          **options).numpy()
    for image, y in zip(x, expected):
        np.testing.assert_allclose(C @ image.reshape(-1), y.reshape(-1), atol=1e-10)
    assert C.shape == (expected[0].size, x[0].size)


def test_conv_matrix_4x4_input_3x3_kernel():
    weight = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    C = conv_matrix(weight, 4).toarray()
    assert C.shape == (4, 16)
    # first row: the kernel's rows placed at input columns 0-2, 4-6, 8-10
    np.testing.assert_array_equal(C[0], [1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0])
    # every row is the first shifted by the position of its output pixel
    np.testing.assert_array_equal(C[1], np.roll(C[0], 1))
    np.testing.assert_array_equal(C[2], np.roll(C[0], 4))
    np.testing.assert_array_equal(C[3], np.roll(C[0], 5))


def test_conv_matrix_same_padding_and_sparsity():
    weight = np.ones((1, 1, 3, 3))
    C = conv_matrix(weight, 5, padding="same")
    assert C.shape == (25, 25)
    assert C.nnz == 9 * 9 + 6 * 4 * 3 + 4 * 4  # inner, edge and corner output pixels
    x = np.arange(25.0).reshape(1, 5, 5)
    np.testing.assert_allclose(C @ x.reshape(-1), conv2d(x, weight, padding="same").reshape(-1))


@given(conv_configs())
def test_im2col_matches_torch_unfold(config):
    x, weight, _ = arrays_for(config)
    options = {key: config[key] for key in ("stride", "padding", "dilation")}
    ours = im2col(x, config["kernel_size"], **options)
    theirs = torch.nn.functional.unfold(torch.from_numpy(x), config["kernel_size"], **options)
    np.testing.assert_array_equal(ours, theirs.numpy())


@given(conv_configs())
def test_im2col_product_is_conv2d_without_groups(config):
    x, weight, _ = arrays_for(dict(config, groups=1, in_channels=config["in_channels"]))
    options = {key: config[key] for key in ("stride", "padding", "dilation")}
    columns = im2col(x, config["kernel_size"], **options)
    y = conv2d(x, weight, **options)
    np.testing.assert_allclose(weight.reshape(weight.shape[0], -1) @ columns,
                               y.reshape(*y.shape[:2], -1), atol=1e-10)


@pytest.mark.parametrize("call, error, words", [
    (lambda: conv_matrix(np.ones((1, 1, 3, 3)), 2), ValueError, "larger than the padded input"),
    (lambda: conv_matrix(np.ones((3, 3)), 4), ValueError, "weight must have 4 dimensions"),
    (lambda: conv_matrix(np.ones((3, 1, 3, 3)), 4, groups=2), ValueError, "groups=2 must divide"),
    (lambda: conv_matrix(np.ones((1, 1, 3, 3)), 0), ValueError, "input_size=0 must be positive"),
    (lambda: conv_matrix(np.ones((1, 1, 3, 3)), 4, stride=0), ValueError, "stride=0"),
    (lambda: im2col(np.ones((4, 4)), 3), ValueError, "x must have 3 or 4 dimensions"),
    (lambda: im2col(np.ones((1, 4, 4)), 3, padding="half"), ValueError, "padding='half'"),
])
def test_errors(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
