"""Tests of chapter 15's U-Net, tconv.models.small_unet and unet_sizes."""

import numpy as np
import pytest
import torch

import tconv
from tconv import models


@pytest.mark.parametrize("size, levels", [((28, 56), 3), ((30, 84), 3), ((40, 40), 2),
                                          ((17, 23), 4), ((8, 9), 3)])
def test_every_level_lines_up_with_its_skip(size, levels):
    sizes, paddings = models.unet_sizes(size, levels)
    model = models.small_unet(classes=5, width=2, input_size=size, levels=levels, seed=0)
    recorded = {}

    def record(name):
        def hook(module, inputs, output):
            recorded[name] = output.shape  # returns None: the output is left alone
        return hook

    hooks = [model.bottom.register_forward_hook(record("bottom"))]
    hooks += [up.register_forward_hook(record(f"up{l}")) for l, up in enumerate(model.up)]
    out = model.eval()(torch.zeros(2, 1, *size))
    for hook in hooks:
        hook.remove()
    assert out.shape == (2, 5, *size)
    for l in range(levels):
        assert tuple(recorded[f"up{l}"][2:]) == sizes[l]  # up[l] gives level l's size
        assert model.up[l].output_padding == paddings[l]
        assert tconv.conv_transpose2d_output_size(sizes[l + 1], 2, stride=2,
                                                  output_padding=paddings[l]) == sizes[l]
    assert tuple(recorded["bottom"][2:]) == sizes[levels]


def test_sizes_of_the_chapter_canvas():
    assert models.unet_sizes((28, 56)) == ([(28, 56), (14, 28), (7, 14), (3, 7)],
                                           [(0, 0), (0, 0), (1, 0)])


def test_channels_and_parameters():
    model = models.small_unet(seed=0)
    assert [b[0].out_channels for b in model.encode] == [8, 16, 32]
    assert model.bottom[0].out_channels == 64
    assert [(u.in_channels, u.out_channels) for u in model.up] == [(16, 8), (32, 16), (64, 32)]
    assert [b[0].in_channels for b in model.decode] == [16, 32, 64]  # skip + upsampled
    assert model.head.out_channels == 11
    assert sum(p.numel() for p in model.parameters()) == 119939


def test_skips_matter():
    """Changing the input at one pixel changes the output there through the level-0 skip."""
    model = models.small_unet(seed=0).eval()
    x = torch.zeros(1, 1, 28, 56)
    base = model(x)
    x[0, 0, 10, 20] = 1.0
    assert not torch.allclose(model(x)[0, :, 10, 20], base[0, :, 10, 20])


def test_seed_fixes_weights_and_leaves_global_state_alone():
    torch.manual_seed(1)
    expected = torch.rand(1)
    torch.manual_seed(1)
    a = models.small_unet(seed=4)
    assert torch.equal(torch.rand(1), expected)
    b = models.small_unet(seed=4)
    c = models.small_unet(seed=5)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="width=0 must be a positive int"):
        models.small_unet(width=0)
    with pytest.raises(ValueError, match="classes=1.5"):
        models.small_unet(classes=1.5)
    with pytest.raises(ValueError, match="too small for 3 levels"):
        models.unet_sizes((7, 56))
    with pytest.raises(TypeError, match="pair of ints"):
        models.unet_sizes(28)
    with pytest.raises(ValueError, match="levels=0"):
        models.unet_sizes((28, 56), levels=0)
    with pytest.raises(TypeError, match="seed"):
        models.small_unet(seed="0")
    model = models.small_unet(seed=0)
    with pytest.raises(ValueError, match=r"built for canvases of shape \(N, 1, 28, 56\)"):
        model(torch.zeros(1, 1, 28, 28))
    with pytest.raises(ValueError, match="input_size=\\(28, 56\\)"):
        model(torch.zeros(1, 3, 28, 56))
