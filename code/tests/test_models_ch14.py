"""Chapter 14's autoencoders (tconv.models.autoencoder)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import tconv
from tconv import models


@pytest.mark.parametrize("decoder", models.DECODERS)
def test_every_decoder_gives_back_a_28x28_digit(decoder):
    model = models.autoencoder(decoder, seed=0)
    x = torch.rand(3, 1, 28, 28)
    code, _ = model.encode(x)
    assert code.shape == (3, 8, 7, 7)
    y = model(x)
    assert y.shape == (3, 1, 28, 28)
    assert 0 < y.min() and y.max() < 1  # the sigmoid


def test_tied_decoder_is_the_transpose_of_the_encoder():
    model = models.autoencoder("tied", seed=0)
    assert model.up2.weight is model.conv2.weight and model.up1.weight is model.conv1.weight
    own = [name for name, _ in model.named_parameters() if name.startswith("up")]
    assert own == ["up2.bias", "up1.bias"]  # the decoder owns only its biases
    # the same weight object: a change to the encoder is a change to the decoder
    with torch.no_grad():
        model.conv2.weight.mul_(2)
    h = torch.rand(1, 8, 7, 7)
    expected = F.conv_transpose2d(h, model.conv2.weight, model.up2.bias, stride=2, padding=1,
                                  output_padding=1)
    assert torch.equal(model.up2(h), expected)
    # and the layer is C^T of conv2 at 14×14, as a matrix (bias zero at the start)
    C = tconv.conv_matrix(model.conv2.weight.detach().double().numpy(), 14, stride=2, padding=1)
    by_matrix = C.T @ h.double().reshape(-1).numpy()
    assert np.allclose(model.up2(h).detach().reshape(-1).numpy(), by_matrix, atol=1e-5)


def test_tied_gradients_reach_the_shared_weight_from_both_sides():
    model = models.autoencoder("tied", seed=0)
    x = torch.rand(2, 1, 28, 28)
    F.mse_loss(model(x), x).backward()
    both = model.conv1.weight.grad.clone()
    model.zero_grad()
    code, _ = model.encode(x)
    F.mse_loss(model.decode(code.detach()), x).backward()  # the decoder's share only
    assert model.conv1.weight.grad.abs().sum() > 0
    assert not torch.allclose(both, model.conv1.weight.grad)


def test_one_seed_gives_every_decoder_the_same_encoder():
    weights = [models.autoencoder(d, seed=3).conv2.weight for d in models.DECODERS]
    assert all(torch.equal(weights[0], w) for w in weights[1:])
    torch.manual_seed(5)
    before = torch.rand(1)
    torch.manual_seed(5)
    models.autoencoder(seed=1)
    assert torch.equal(torch.rand(1), before)  # the caller's random state is left alone


def test_unpool_decoder_puts_values_back_where_the_maxima_were():
    model = models.autoencoder("unpool", seed=0)
    assert model.conv1.stride == (1, 1)
    x = torch.rand(2, 1, 28, 28)
    code, switches = model.encode(x)
    assert code.shape == (2, 8, 7, 7) and len(switches) == 2
    positions, shape = switches[1]
    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(False)  # PyTorch's own unpooling, for comparison
    try:
        expected = F.max_unpool2d(code, positions, 2, output_size=shape[-2:])
    finally:
        torch.use_deterministic_algorithms(before)
    assert torch.equal(models.unpool_backward(code, positions, shape), expected)
    with pytest.raises(ValueError, match="switches"):
        model.decode(code)


def test_sizes_follow_the_shape_functions():
    assert tconv.conv2d_output_size(28, 3, stride=2, padding=1) == 14
    assert tconv.conv2d_output_size(27, 3, stride=2, padding=1) == 14
    model = models.autoencoder("free", seed=0)
    assert model.up1.output_padding == (1, 1) and model.up2.output_padding == (1, 1)
    assert model(torch.zeros(1, 1, 27, 27)).shape[-1] == 28  # built for 28: 27 comes back 28


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"autoencoder: decoder='deconv' is not a decoder"):
        models.autoencoder("deconv")
    with pytest.raises(TypeError, match="channels=8 must be a pair"):
        models.autoencoder(channels=8)
    with pytest.raises(ValueError, match="two positive ints"):
        models.autoencoder(channels=(8, 0))
    with pytest.raises(TypeError, match="seed"):
        models.autoencoder(seed="0")
