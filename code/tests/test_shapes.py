import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from tconv import conv2d_output_size, same_padding
from tconv.shapes import pair
from strategies import as_pair, conv_configs


@given(conv_configs())
def test_output_size_matches_torch(config):
    x = torch.zeros(1, 1, *config["input_size"])
    w = torch.zeros(1, 1, *config["kernel_size"])
    y = torch.nn.functional.conv2d(x, w, stride=config["stride"], padding=config["padding"],
                                   dilation=config["dilation"])
    size = conv2d_output_size(config["input_size"], config["kernel_size"], config["stride"],
                              config["padding"], config["dilation"])
    assert size == tuple(y.shape[2:])


def test_output_size_literature_values():
    # Dumoulin & Visin (2016), relationships 1-6, and the course's source notes.
    assert conv2d_output_size(4, 3) == 2  # no padding, unit strides
    assert conv2d_output_size(5, 4, padding=2) == 6  # arbitrary padding
    assert conv2d_output_size(5, 3, padding=1) == 5  # half (same) padding
    assert conv2d_output_size(5, 3, padding=2) == 7  # full padding
    assert conv2d_output_size(5, 3, stride=2) == 2  # no padding, strides
    assert conv2d_output_size(5, 3, stride=2, padding=1) == 3  # padding and strides
    assert conv2d_output_size(6, 3, stride=2, padding=1) == 3  # odd case
    assert conv2d_output_size(7, 3, dilation=2) == 3  # dilation
    assert conv2d_output_size(7, 3) == 5 and conv2d_output_size(7, 3, stride=2) == 3
    assert conv2d_output_size(32, 5) == 28 and conv2d_output_size(32, 5, padding=2) == 32


@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 4), st.integers(1, 3))
def test_same_padding_gives_ceil_and_puts_extra_after(i, k, s, d):
    before, after = same_padding(i, k, s, d)
    assert after - before in (0, 1)
    out = (i + before + after - d * (k - 1) - 1) // s + 1
    assert out == math.ceil(i / s)
    assert conv2d_output_size(i, k, s, "same", d) == out


# PyTorch warns that it copies the input for even kernels; a speed note, not a fault.
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 4))
def test_same_padding_matches_torch_for_stride_one(i, k, d):
    # PyTorch's padding="same" exists for stride 1 only and splits like TensorFlow.
    x = torch.arange(float(i)).reshape(1, 1, 1, i)
    w = torch.arange(1.0, k + 1).reshape(1, 1, 1, k)
    ours = torch.nn.functional.pad(x, same_padding(i, k, 1, d))
    expected = torch.nn.functional.conv2d(x, w, padding="same", dilation=(1, d))
    assert torch.equal(torch.nn.functional.conv2d(ours, w, dilation=(1, d)), expected)


def test_same_padding_pairs_and_odd_extra_at_bottom_right():
    assert same_padding((6, 5), 3, stride=2) == ((0, 1), (1, 1))
    assert same_padding(4, 2, stride=2) == (0, 0)
    assert same_padding(5, 2, stride=2) == (0, 1)


@pytest.mark.parametrize("call, error, words", [
    (lambda: conv2d_output_size(5, 3, stride=0), ValueError, "stride=0 must be positive"),
    (lambda: conv2d_output_size(5, 3, padding=-1), ValueError, "padding=-1 must be zero or positive"),
    (lambda: conv2d_output_size(5, 3, padding="full"), ValueError, "padding='full' is not a padding mode"),
    (lambda: conv2d_output_size(2, 5), ValueError, "larger than the padded input"),
    (lambda: conv2d_output_size(5, 3, stride=1.5), TypeError, "stride=1.5 must be an int or a pair"),
    (lambda: conv2d_output_size(5, 3, stride=(1, 2, 3)), TypeError, "stride=(1, 2, 3)"),
    (lambda: conv2d_output_size(5, True), TypeError, "kernel_size=True"),
    (lambda: same_padding(0, 3), ValueError, "input_size=0 must be positive"),
])
def test_errors_name_parameter_and_value(call, error, words):
    with pytest.raises(error, match=None) as info:
        call()
    assert words in str(info.value)


def test_pair():
    assert pair(3, "s", "f") == (3, 3) and as_pair((1, 2)) == (1, 2)


# >>> chapter5
# (chapter section, empty so far)
# <<< chapter5
