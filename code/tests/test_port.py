"""The converters agree with both frameworks: TensorFlow's call and the PyTorch call they build
give the same numbers (float32 tolerance), on hypothesis-generated configurations."""

import numpy as np
import pytest
import tensorflow as tf  # conftest.py quiets its import messages first
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from tconv import conv_transpose2d, port

TOLERANCE = dict(rtol=1e-4, atol=1e-4)


@st.composite
def tf_configs(draw):
    """A TensorFlow convolution: sizes, kernel, strides 1-3, SAME/VALID/explicit, dilation."""
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = draw(st.integers(1, 3))
    dilation = 1 if stride > 1 else draw(st.integers(1, 2))  # TF: strides > 1 need dilation 1
    padding = draw(st.sampled_from(["SAME", "VALID", "EXPLICIT"]))
    size = []
    for k in kernel:
        size.append(draw(st.integers(dilation * (k - 1) + 1, dilation * (k - 1) + 7)))
    explicit = [[0, 0], [draw(st.integers(0, 2)), draw(st.integers(0, 2))],
                [draw(st.integers(0, 2)), draw(st.integers(0, 2))], [0, 0]]
    return dict(
        batch=draw(st.integers(1, 2)), in_channels=draw(st.integers(1, 3)),
        out_channels=draw(st.integers(1, 3)), kernel=kernel, size=tuple(size), stride=stride,
        dilation=dilation, padding=explicit if padding == "EXPLICIT" else padding,
        seed=draw(st.integers(0, 2**16)),
    )


def nhwc_to_nchw(a):
    return np.transpose(np.asarray(a), (0, 3, 1, 2))


@settings(max_examples=60)
@given(tf_configs())
def test_conv2d_tf_to_torch(config):
    rng = np.random.default_rng(config["seed"])
    x = rng.standard_normal((config["batch"], *config["size"], config["in_channels"]),
                            dtype=np.float32)
    filters = rng.standard_normal((*config["kernel"], config["in_channels"],
                                   config["out_channels"]), dtype=np.float32)
    expected = tf.nn.conv2d(x, filters, strides=config["stride"], padding=config["padding"],
                            dilations=config["dilation"]).numpy()
    call = port.conv2d_tf_to_torch(filters, config["size"], config["stride"], config["padding"],
                                   config["dilation"])
    x_torch = torch.from_numpy(nhwc_to_nchw(x).copy())
    if call["pad"]:
        x_torch = F.pad(x_torch, call["pad"])
    y = F.conv2d(x_torch, torch.from_numpy(call["weight"].copy()), stride=call["stride"],
                 padding=call["padding"], dilation=call["dilation"]).numpy()
    np.testing.assert_allclose(y, nhwc_to_nchw(expected), **TOLERANCE)


@settings(max_examples=60)
@given(tf_configs())
def test_conv2d_torch_to_tf(config):
    rng = np.random.default_rng(config["seed"])
    padding = config["seed"] % 3
    x = rng.standard_normal((config["batch"], config["in_channels"], *config["size"]),
                            dtype=np.float32)
    weight = rng.standard_normal((config["out_channels"], config["in_channels"],
                                  *config["kernel"]), dtype=np.float32)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(weight), stride=config["stride"],
                        padding=padding, dilation=config["dilation"]).numpy()
    call = port.conv2d_torch_to_tf(weight, config["stride"], padding, config["dilation"])
    y = tf.nn.conv2d(np.transpose(x, (0, 2, 3, 1)), call["filters"], strides=call["strides"],
                     padding=call["padding"], dilations=call["dilations"]).numpy()
    np.testing.assert_allclose(nhwc_to_nchw(y), expected, **TOLERANCE)


@settings(max_examples=60)
@given(tf_configs())
def test_conv2d_transpose_tf_to_torch(config):
    config = dict(config, dilation=1)  # TensorFlow's CPU conv2d_transpose has no dilation
    rng = np.random.default_rng(config["seed"])
    # The transposed convolution's input is the forward convolution's output.
    out_size = config["size"]
    pads = port.tf_padding(config["padding"], out_size, config["kernel"], (config["stride"],) * 2,
                           (config["dilation"],) * 2, "test")
    in_size = tuple((o + a + b - config["dilation"] * (k - 1) - 1) // config["stride"] + 1
                    for o, (a, b), k in zip(out_size, pads, config["kernel"]))
    x = rng.standard_normal((config["batch"], *in_size, config["in_channels"]), dtype=np.float32)
    filters = rng.standard_normal((*config["kernel"], config["out_channels"],
                                   config["in_channels"]), dtype=np.float32)
    output_shape = [config["batch"], *out_size, config["out_channels"]]
    expected = tf.nn.conv2d_transpose(x, filters, output_shape, strides=config["stride"],
                                      padding=config["padding"],
                                      dilations=config["dilation"]).numpy()
    call = port.conv2d_transpose_tf_to_torch(filters, in_size, output_shape, config["stride"],
                                             config["padding"], config["dilation"])
    y = F.conv_transpose2d(torch.from_numpy(nhwc_to_nchw(x).copy()),
                           torch.from_numpy(call["weight"].copy()), stride=call["stride"],
                           padding=call["padding"], output_padding=call["output_padding"],
                           dilation=call["dilation"]).numpy()
    np.testing.assert_allclose(port.crop_output(y, call["crop"]), nhwc_to_nchw(expected),
                               **TOLERANCE)


@settings(max_examples=60)
@given(tf_configs())
def test_conv2d_transpose_torch_to_tf(config):
    config = dict(config, dilation=1)  # TensorFlow's CPU conv2d_transpose has no dilation
    rng = np.random.default_rng(config["seed"])
    stride, dilation = config["stride"], config["dilation"]
    padding = config["seed"] % 2
    output_padding = (config["seed"] // 2) % max(stride, dilation)
    in_size = tuple(max(1, s - 2) for s in config["size"])
    full = [(i - 1) * stride + dilation * (k - 1) + 1 for i, k in zip(in_size, config["kernel"])]
    if min(full) - 2 * padding + output_padding < 1:
        padding = 0
    x = rng.standard_normal((config["batch"], config["in_channels"], *in_size), dtype=np.float32)
    weight = rng.standard_normal((config["in_channels"], config["out_channels"],
                                  *config["kernel"]), dtype=np.float32)
    expected = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(weight), stride=stride,
                                  padding=padding, output_padding=output_padding,
                                  dilation=dilation).numpy()
    call = port.conv2d_transpose_torch_to_tf(weight, in_size, stride, padding, output_padding,
                                             dilation)
    output_shape = [config["batch"], *call["output_shape"], config["out_channels"]]
    y = tf.nn.conv2d_transpose(np.transpose(x, (0, 2, 3, 1)), call["filters"], output_shape,
                               strides=call["strides"], padding=call["padding"],
                               dilations=call["dilations"]).numpy()
    np.testing.assert_allclose(nhwc_to_nchw(y), expected, **TOLERANCE)


def test_first_source_document_exactly():
    # Source document 000: 4-channel 3×3 input, kernels [out, in, h, w] rotated by 180° for
    # TensorFlow, stride 2, SAME, output 2×6×6; TensorFlow, the converter and tconv agree.
    x = np.array([[[1, 0, 1], [0, 2, 1], [1, 1, 0]], [[2, 0, 2], [0, 1, 0], [1, 0, 0]],
                  [[1, 1, 1], [2, 2, 0], [1, 1, 1]], [[1, 1, 2], [1, 0, 1], [0, 2, 2]]],
                 np.float32)
    w = np.array([[[[1, 0, 1], [-1, 1, 0], [0, -1, 0]], [[-1, 0, 1], [0, 0, 1], [1, 1, 1]],
                   [[0, 1, 1], [2, 0, 1], [1, 2, 1]], [[1, 1, 1], [0, 2, 1], [1, 0, 1]]],
                  [[[1, 0, 2], [-2, 1, 1], [1, -1, 0]], [[-1, 0, 1], [-1, 2, 1], [1, 1, 1]],
                   [[0, 0, 0], [2, 2, 1], [1, -1, 1]], [[2, 1, 1], [0, -1, 1], [1, 1, 1]]]],
                 np.float32)
    filters = np.rot90(w, 2, axes=(2, 3)).transpose(2, 3, 0, 1)  # [h, w, out, in]
    y_tf = tf.nn.conv2d_transpose(x.transpose(1, 2, 0)[None], filters, [1, 6, 6, 2],
                                  strides=[1, 2, 2, 1], padding="SAME").numpy()[0]
    call = port.conv2d_transpose_tf_to_torch(filters, (3, 3), [1, 6, 6, 2], [1, 2, 2, 1], "SAME")
    y_tconv = port.crop_output(conv_transpose2d(x[None], call["weight"], stride=call["stride"],
                                                padding=call["padding"],
                                                output_padding=call["output_padding"]),
                               call["crop"])[0]
    np.testing.assert_array_equal(y_tf.transpose(2, 0, 1), y_tconv)
    np.testing.assert_array_equal(y_tconv[1], [[4, 1, 7, 0, 7, 2], [5, 6, 0, 1, 8, 5],
                                               [8, 0, 8, -2, 14, 2], [3, 3, 9, 8, 1, 0],
                                               [3, 0, 13, 0, 11, 2], [3, 5, 3, 1, 3, 0]])


def test_validator_explains_the_fourth_documents_mistake():
    # Source document 003: filters labelled [height, width, in_channels, out_channels].
    with pytest.raises(ValueError, match=r"these look like conv2d's layout. Swap the last two"):
        port.check_tf_conv2d_transpose([1, 4, 4, 1], [3, 3, 1, 2], [1, 8, 8, 2], [1, 2, 2, 1])
    with pytest.raises(tf.errors.InvalidArgumentError):  # what TensorFlow says instead
        tf.nn.conv2d_transpose(tf.ones([1, 4, 4, 1]), tf.ones([3, 3, 1, 2]), [1, 8, 8, 2],
                               strides=[1, 2, 2, 1], padding="SAME")


@pytest.mark.parametrize("call, words", [
    (lambda: port.check_tf_conv2d_transpose([1, 4, 4, 1], [3, 3, 2, 1], [1, 9, 9, 2], 2),
     "output_shape height 9 cannot come from an input height of 4: the convolution this "
     "transposes (kernel 3, stride 2, dilation 1) maps 9 to 5, not 4; with padding='SAME' the "
     "possible output heights are 7 and 8"),
    (lambda: port.check_tf_conv2d_transpose([1, 4, 4, 1], [3, 3, 2, 1], [1, 8, 8, 2], 2, "VALID"),
     "with padding='VALID' the possible output heights are 9 and 10"),
    (lambda: port.check_tf_conv2d_transpose([1, 1, 4, 4], [3, 3, 2, 1], [1, 2, 8, 8], 2,
                                            data_format="NCHW"),
     "data_format='NCHW' does not run on a CPU"),
    (lambda: port.check_tf_conv2d_transpose([1, 4, 4, 1], [3, 3, 2, 1], [1, 8, 8, 3], 2),
     "has 3 channels but the filters make 2"),
    (lambda: port.check_tf_conv2d_transpose([1, 4, 4, 1], [3, 3, 2, 1], [1, 8, 8, 2],
                                            [2, 2, 2, 1]),
     "strides=[2, 2, 2, 1] moves along the batch or channel axis"),
    (lambda: port.check_tf_conv2d_transpose([1, 4, 4, 1], [2, 2, 2, 1], [1, 6, 6, 2], 1,
                                            "VALID", dilations=2),
     "dilations=2 does not run on a CPU"),
])
def test_validator_messages(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert words in str(info.value)


def test_validator_agrees_with_tensorflow_on_what_is_valid():
    for height in range(5, 12):
        try:
            port.check_tf_conv2d_transpose([1, 4, 4, 1], [3, 3, 2, 1], [1, height, 8, 2], 2)
            ours = True
        except ValueError:
            ours = False
        try:
            tf.nn.conv2d_transpose(tf.ones([1, 4, 4, 1]), tf.ones([3, 3, 2, 1]),
                                   [1, height, 8, 2], strides=2, padding="SAME")
            theirs = True
        except (tf.errors.InvalidArgumentError, ValueError):
            theirs = False
        assert ours == theirs, height
