import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from tconv import conv2d_output_size, conv_transpose2d_output_size, same_padding
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


@given(conv_configs())
def test_remainder_is_the_output_padding_that_gets_back_to_the_input(config):
    # Dumoulin & Visin, relationship 14: o' = s(i' - 1) + a + k - 2p, with a = (i + 2p - k) mod s.
    from tconv.shapes import conv_remainder

    k, s, p, d = (as_pair(config[key])[0] for key in ("kernel_size", "stride", "padding",
                                                       "dilation"))
    i = config["input_size"][0]
    o = conv2d_output_size(i, k, s, p, d)
    a = conv_remainder(i, k, s, p, d)
    assert a == (i + 2 * p - d * (k - 1) - 1) % s
    if a < max(s, d):
        from tconv import conv_transpose2d_output_size
        assert conv_transpose2d_output_size(o, k, s, p, a, d) == i


@given(st.integers(1, 8), st.integers(1, 5), st.integers(1, 3), st.integers(0, 3),
       st.integers(0, 2), st.integers(1, 3))
def test_equivalent_convolution_has_the_transposes_output_size(i, k, s, p, op, d):
    from tconv.shapes import equivalent_convolution

    if op >= max(s, d) or (i - 1) * s + d * (k - 1) + 1 + op - 2 * p < 1:
        return
    e = equivalent_convolution(i, k, s, p, op, d)
    size = e["spread"] + e["pad_before"] + e["pad_after"]
    assert size - d * (k - 1) == e["output_size"]  # a stride-1 convolution of that array
    y = torch.nn.functional.conv_transpose2d(torch.zeros(1, 1, i, i), torch.zeros(1, 1, k, k),
                                             stride=s, padding=p, output_padding=op, dilation=d)
    assert y.shape[-1] == e["output_size"]


def test_pair():
    assert pair(3, "s", "f") == (3, 3) and as_pair((1, 2)) == (1, 2)


def test_output_padding_error_when_nothing_is_reachable():
    with pytest.raises(ValueError, match="no output height is reachable for a 1-row input"):
        conv_transpose2d_output_size(1, 3, 2, 2, 3)
