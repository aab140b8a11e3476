import pytest
import torch

import tconv
from tconv import models


@pytest.mark.parametrize("build, sizes, parameters", [
    (models.lenet5, [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5)], 61706),
    (models.lenet_wide, [(32, 28, 28), (32, 14, 14), (64, 14, 14), (64, 7, 7)], 1663370),
])
def test_encoder_shapes_and_parameter_counts(build, sizes, parameters):
    model = build(seed=0)
    x = torch.zeros(2, 1, 28, 28)
    shapes = []
    for layer in model.features:
        x = layer(x)
        if isinstance(layer, (torch.nn.Conv2d, torch.nn.MaxPool2d)):
            shapes.append(tuple(x.shape[1:]))
    assert shapes == sizes
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert sum(p.numel() for p in model.parameters()) == parameters


def test_sizes_follow_the_shape_functions_of_part1():
    size = 28
    for layer in models.lenet_wide().features:
        if isinstance(layer, torch.nn.Conv2d):
            assert (layer.padding[0], layer.padding[0]) == tconv.same_padding(size, 5)  # SAME
            size = tconv.conv2d_output_size(size, layer.kernel_size, padding=layer.padding)[0]
        elif isinstance(layer, torch.nn.MaxPool2d):
            size = tconv.conv2d_output_size(size, layer.kernel_size, stride=layer.stride)
    assert size == 7


def test_seed_fixes_the_weights_and_leaves_the_global_state_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    first = models.lenet5(seed=7)
    assert torch.equal(torch.rand(1), before)  # the builder did not draw from the global RNG
    second = models.lenet5(seed=7)
    other = models.lenet5(seed=8)
    pairs = list(zip(first.parameters(), second.parameters()))
    assert all(torch.equal(a, b) for a, b in pairs)
    assert not torch.equal(first.features.conv1.weight, other.features.conv1.weight)


def test_named_layers_for_later_chapters():
    model = models.lenet_wide(seed=0, dropout=0.25)
    assert model.features.conv2.weight.shape == (64, 32, 5, 5)
    assert model.classifier.dropout.p == 0.25
    assert models.BUILDERS["lenet5"] is models.lenet5


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match=r"lenet5: seed=1.5 must be an int"):
        models.lenet5(seed=1.5)
    with pytest.raises(ValueError, match=r"lenet_wide: dropout=1 must be in \[0, 1\)"):
        models.lenet_wide(dropout=1)
    with pytest.raises(TypeError, match="dropout='half'"):
        models.lenet_wide(dropout="half")


def test_import_tconv_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, tconv; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
