"""Chapter 13: the deconvnet of tconv.models, checked against autograd, Cᵀ and PyTorch's pooling."""

from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tconv
from tconv import models, pooling


def encoder(*layers):
    """A named Sequential, as models.lenet5().features."""
    return nn.Sequential(OrderedDict(layers))


def small_encoder(seed=0, padding=1):
    torch.manual_seed(seed)
    return encoder(("conv1", nn.Conv2d(1, 3, 3, padding=padding)), ("relu1", nn.ReLU()),
                   ("pool1", nn.MaxPool2d(2)),
                   ("conv2", nn.Conv2d(3, 4, 3, padding=1)), ("relu2", nn.ReLU()),
                   ("pool2", nn.MaxPool2d(2)))


def test_one_convolution_without_relu_is_c_transpose_of_the_masked_activation():
    torch.manual_seed(1)
    conv = nn.Conv2d(2, 3, 3, stride=2, padding=1).double()
    x = torch.rand(1, 2, 9, 9, dtype=torch.float64)
    y = conv(x).detach()                          # 3×5×5
    got = models.deconvnet_reconstruction(encoder(("conv", conv)), x, "conv", channel=1,
                                          position=(2, 3))
    masked = torch.zeros_like(y)
    masked[0, 1, 2, 3] = y[0, 1, 2, 3]
    C = tconv.conv_matrix(conv.weight.detach().numpy(), 9, stride=2, padding=1)
    by_matrix = C.T @ masked.reshape(-1).numpy()
    assert np.allclose(got.reshape(-1).numpy(), by_matrix, atol=1e-12)
    # the same Cᵀ from conv_transpose_matrix (the transposed layer's own matrix)
    T = tconv.conv_transpose_matrix(conv.weight.detach().numpy(), 5, stride=2, padding=1,
                                    output_padding=0)
    assert np.allclose(T @ masked.reshape(-1).numpy(), by_matrix, atol=1e-12)
    # and autograd's vector-Jacobian product of the convolution
    x.requires_grad_(True)
    (grad,) = torch.autograd.grad(conv(x), x, masked)
    assert torch.allclose(got, grad, atol=1e-12)


def test_the_switches_are_torchs_max_pool2d_indices_and_tconvs():
    model = small_encoder()
    x = torch.rand(2, 1, 12, 12)
    output, steps = models.forward_with_switches(model, x, "pool2")
    assert [name for name, _, _ in steps] == ["conv1", "relu1", "pool1", "conv2", "relu2",
                                              "pool2"]
    z1 = steps[1][2]
    switches, shape = steps[2][2]
    values, indices = F.max_pool2d(F.relu(model.conv1(x)), 2, return_indices=True)
    assert torch.equal(z1, model.conv1(x).detach())
    assert torch.equal(switches, indices) and shape == z1.shape
    ours_values, ours_indices = pooling.max_pool2d(F.relu(z1).numpy(), 2, return_indices=True)
    assert np.array_equal(switches.numpy(), ours_indices)
    assert torch.equal(output, model(x).detach())


def test_unpooling_is_max_unpool2d_and_the_gradient_of_max_pooling():
    torch.manual_seed(2)
    z = torch.randn(2, 3, 8, 8, requires_grad=True)
    pooled, switches = F.max_pool2d(z, 2, return_indices=True)
    h = torch.randn_like(pooled)
    got = models.unpool_backward(h, switches, z.shape)
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(False)  # PyTorch flags max_unpool2d as nondeterministic
    try:
        expected = F.max_unpool2d(h, switches, 2, output_size=z.shape[-2:])
    finally:
        torch.use_deterministic_algorithms(deterministic)
    assert torch.equal(got, expected)
    (grad,) = torch.autograd.grad(pooled, z, h)
    assert torch.equal(got, grad)


def test_overlapping_windows_add_up_like_the_gradient():
    z = torch.zeros(1, 1, 5, 5, requires_grad=True)
    with torch.no_grad():
        z[0, 0, 2, 2] = 9.0   # wins all four 3×3 windows of stride 2
    pooled, switches = F.max_pool2d(z, 3, stride=2, return_indices=True)
    h = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    got = models.unpool_backward(h, switches, z.shape)
    (grad,) = torch.autograd.grad(pooled, z, h)
    assert torch.equal(got, grad) and got[0, 0, 2, 2] == 10.0


@pytest.mark.parametrize("stride, padding, dilation, size", [
    (1, 2, 1, 10), (2, 1, 1, 10), (2, 0, 1, 9), (3, 1, 2, 11), (1, "same", 1, 7),
    (1, "valid", 1, 7)])
def test_conv_backward_is_the_vector_jacobian_product(stride, padding, dilation, size):
    torch.manual_seed(3)
    conv = nn.Conv2d(2, 4, 3, stride=stride, padding=padding, dilation=dilation).double()
    x = torch.rand(2, 2, size, size, dtype=torch.float64, requires_grad=True)
    y = conv(x)
    h = torch.randn_like(y)
    (grad,) = torch.autograd.grad(y, x, h)
    assert torch.allclose(models.conv_backward(h, conv, x.shape), grad, atol=1e-12)


def test_the_gradient_rule_is_autograds_input_gradient():
    model = small_encoder(seed=4)
    x = torch.rand(3, 1, 12, 12, requires_grad=True)
    values, positions = models.strongest_units(model, x.detach(), "pool2")
    got = models.deconvnet_reconstruction(model, x.detach(), "pool2", channel=2,
                                          rule="gradient")
    for j in range(3):
        m, n = positions[j, 2].tolist()
        (grad,) = torch.autograd.grad(model(x)[j, 2, m, n], x)
        assert torch.allclose(got[j], values[j, 2] * grad[j], atol=1e-6)


def test_the_rules_differ_only_at_the_relus():
    model = small_encoder(seed=5)
    x = torch.rand(2, 1, 12, 12)
    runs = {rule: models.deconvnet_reconstruction(model, x, "pool2", channel=1, rule=rule)
            for rule in models.RELU_RULES}
    assert not torch.allclose(runs["deconvnet"], runs["gradient"])
    # all forward ReLU inputs positive: the gradient masks nothing, guided = deconvnet
    positive = small_encoder(seed=5)
    for conv in (positive.conv1, positive.conv2):
        nn.init.uniform_(conv.weight, 0.1, 1.0)
        nn.init.constant_(conv.bias, 0.5)
    same = {rule: models.deconvnet_reconstruction(positive, x, "pool2", channel=0, rule=rule)
            for rule in models.RELU_RULES}
    assert torch.equal(same["guided"], same["deconvnet"])
    assert torch.equal(same["gradient"], same["deconvnet"])  # positive weights: no h < 0 either
    # a layer with no ReLU above it: all rules agree
    one = {rule: models.deconvnet_reconstruction(model, x, "conv1", channel=0, rule=rule)
           for rule in models.RELU_RULES}
    assert torch.equal(one["deconvnet"], one["gradient"]) and torch.equal(one["guided"],
                                                                            one["gradient"])


def test_relu_backward_on_each_sign():
    h = torch.tensor([1.0, -1.0, 1.0, -1.0, 3.0])
    z = torch.tensor([2.0, 2.0, -2.0, -2.0, 0.0])   # a ReLU input of exactly 0 is off
    assert models.relu_backward(h, z, "gradient").tolist() == [1.0, -1.0, 0.0, 0.0, 0.0]
    assert models.relu_backward(h, z, "deconvnet").tolist() == [1.0, 0.0, 1.0, 0.0, 3.0]
    assert models.relu_backward(h, z, "guided").tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_the_reconstruction_starts_from_the_strongest_unit_and_stays_in_its_field():
    model = models.lenet_wide(seed=0)
    torch.manual_seed(6)
    x = torch.rand(2, 1, 28, 28)
    values, positions = models.strongest_units(model, x, "pool2", batch_size=1)
    output, _ = models.forward_with_switches(model, x, "pool2")
    assert torch.equal(values, output.flatten(2).max(dim=2).values)
    for j in range(2):
        m, n = positions[j, 5].tolist()
        assert output[j, 5, m, n] == values[j, 5]
    r = models.deconvnet_reconstruction(model, x, "pool2", channel=5)
    again = models.deconvnet_reconstruction(model, x, "pool2", channel=5,
                                            position=tuple(positions[0, 5].tolist()))
    assert torch.equal(r[0], again[0])
    m, n = positions[0, 5].tolist()
    top, left = 4 * m - 6, 4 * n - 6  # the 16×16 field of a unit of pool2
    inside = torch.zeros(28, 28, dtype=torch.bool)
    inside[max(top, 0):top + 16, max(left, 0):left + 16] = True
    assert r[0, 0][~inside].abs().max() == 0 and r[0, 0][inside].abs().max() > 0


def test_the_model_is_left_alone():
    model = models.lenet5(seed=0)
    before = [p.detach().clone() for p in model.parameters()]
    models.deconvnet_reconstruction(model, torch.rand(1, 1, 28, 28), "pool2", channel=0)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert all(p.grad is None for p in model.parameters())


def test_bad_arguments_are_named():
    model = models.lenet5(seed=0)
    x = torch.rand(1, 1, 28, 28)
    with pytest.raises(ValueError, match=r"layer='fc1' is not a layer of the encoder"):
        models.deconvnet_reconstruction(model, x, "fc1", channel=0)
    with pytest.raises(ValueError, match=r"channel=16 must be an int in range\(16\)"):
        models.deconvnet_reconstruction(model, x, "pool2", channel=16)
    with pytest.raises(ValueError, match=r"position=\(5, 0\) must be a pair"):
        models.deconvnet_reconstruction(model, x, "pool2", channel=0, position=(5, 0))
    with pytest.raises(ValueError, match=r"rule='saliency' is not a rule"):
        models.deconvnet_reconstruction(model, x, "pool2", channel=0, rule="saliency")
    with pytest.raises(TypeError, match=r"x must be a float tensor of shape \(N, channels, H, W\)"):
        models.deconvnet_reconstruction(model, x[0], "pool2", channel=0)
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module"):
        models.forward_with_switches("lenet5", x, "pool2")
    with pytest.raises(TypeError, match=r"layer 'drop' is a Dropout"):
        models.forward_with_switches(encoder(("drop", nn.Dropout()), ("conv", nn.Conv2d(1, 1, 3))),
                                     x, "conv")
    with pytest.raises(ValueError, match=r"batch_size=0 must be a positive int"):
        models.strongest_units(model, x, "pool2", batch_size=0)
    with pytest.raises(ValueError, match=r"padding_mode='reflect'"):
        conv = nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect")
        models.conv_backward(torch.zeros(1, 1, 4, 4), conv, (1, 1, 4, 4))
