"""Chapter 14's reconstruction metrics and training loop (tconv.train)."""

import math

import numpy as np
import pytest
import torch

from tconv import models, train


def test_psnr_against_a_hand_computed_value():
    target = np.zeros((1, 28, 28))
    reconstructed = target.copy()
    reconstructed[0, :2, :2] = 0.7  # 4 pixels off by 0.7: MSE = 4 * 0.49 / 784 = 0.0025
    assert math.isclose(train.psnr(reconstructed, target), 10 * math.log10(1 / 0.0025))
    assert math.isclose(train.psnr(reconstructed, target), 26.020599913279625)
    assert train.psnr(torch.zeros(2, 1, 3, 3), torch.zeros(2, 1, 3, 3)) == math.inf
    halved = train.psnr(reconstructed / 2, target)
    assert math.isclose(halved - train.psnr(reconstructed, target), 20 * math.log10(2))


def test_psnr_refuses_other_shapes_and_uint8():
    with pytest.raises(ValueError, match=r"shape \(1, 1, 28, 28\) but target has shape "
                                         r"\(1, 1, 27, 27\)"):
        train.psnr(torch.zeros(1, 1, 28, 28), torch.zeros(1, 1, 27, 27))
    with pytest.raises(TypeError, match="to_tensor"):
        train.psnr(np.zeros((1, 4, 4), np.uint8), np.zeros((1, 4, 4), np.uint8))
    with pytest.raises(ValueError, match="peak=0"):
        train.psnr(np.zeros(3), np.zeros(3), peak=0)


def test_checkerboard_sees_period_two_and_nothing_else():
    board = 0.5 + 0.1 * (-1.0) ** np.indices((10, 10)).sum(axis=0)
    assert math.isclose(train.checkerboard(board), 0.2)
    assert math.isclose(train.checkerboard(board, border=3), 0.2)  # phases counted from row 0
    means = train.phase_means(board, border=3)
    assert means[0, 0] > means[0, 1]  # (0, 0) is a +0.1 phase whatever the border
    assert train.checkerboard(np.full((6, 6), 0.4)) == 0.0
    stripes = np.tile([0.0, 1.0, 2.0], (9, 3))  # columns of period 3
    assert train.checkerboard(stripes, stride=3) == 2.0
    with pytest.raises(ValueError, match="border=5 leaves"):
        train.checkerboard(np.zeros((10, 10)), border=5)


def test_add_noise_is_seeded_and_clipped():
    images = np.full((4, 6, 6), 128, np.uint8)
    a, b = train.add_noise(images, 0.3, seed=1), train.add_noise(images, 0.3, seed=1)
    assert torch.equal(a, b) and a.shape == (4, 1, 6, 6)
    assert 0 <= a.min() and a.max() <= 1
    assert not torch.equal(a, train.add_noise(images, 0.3, seed=2))
    assert torch.equal(train.add_noise(images, 0.0, seed=0), train.to_tensor(images))
    with pytest.raises(ValueError, match="std=-1"):
        train.add_noise(images, -1, seed=0)


def test_a_few_steps_lower_the_loss_deterministically():
    rng = np.random.default_rng(0)
    images = np.zeros((16, 28, 28), np.uint8)
    images[:, 8:20, 12:16] = rng.integers(150, 256, (16, 12, 4), dtype=np.uint8)
    settings = dict(epochs=3, batch_size=8, lr=1e-2, seed=0, report=None)
    runs = []
    for _ in range(2):
        model = models.autoencoder("free", seed=0)
        runs.append((model, train.train_autoencoder(model, images, images, **settings)))
    (first, history), (second, _) = runs
    assert history["loss"][-1] < history["loss"][0]
    assert history["test_psnr"][-1] > history["test_psnr"][0]
    assert all(torch.equal(p, q) for p, q in zip(first.parameters(), second.parameters()))


def test_noise_and_probes():
    images = np.zeros((8, 28, 28), np.uint8)
    images[:, 10:18, 10:18] = 255
    lines = []
    history = train.train_autoencoder(models.autoencoder("resize", seed=0), images, images,
                                      epochs=2, batch_size=4, lr=1e-3, seed=0, noise=0.2,
                                      probe=lambda m: m.training, probe_steps=[3],
                                      report=lines.append)
    assert [step for step, _ in history["probes"]] == [0, 3, 4]
    assert not any(training for _, training in history["probes"])  # probed in eval mode
    assert len(lines) == 2 and lines[0].startswith("epoch  1/2: train loss ")
    assert "dB" in lines[0]


def test_bad_training_arguments_are_named():
    images = np.zeros((4, 28, 28), np.uint8)
    model = models.autoencoder(seed=0)
    with pytest.raises(ValueError, match="probe_steps"):
        train.train_autoencoder(model, images, images, 1, 2, 1e-3, 0, probe=len,
                                probe_steps=[0])
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        train.train_autoencoder("model", images, images, 1, 2, 1e-3, 0)
    with pytest.raises(ValueError, match="lr=0"):
        train.train_autoencoder(model, images, images, 1, 2, 0, 0)
