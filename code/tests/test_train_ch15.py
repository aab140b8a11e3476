"""Tests of chapter 15's segmentation metrics and training loop in tconv.train."""

import numpy as np
import pytest
import torch

from tconv import models, train


# A hand-computed example, 3×4 pixels, classes 0, 1, 2 (and 3, which never occurs):
#   truth        prediction
#   0 0 1 1      0 1 1 1
#   0 2 2 1      0 2 2 0
#   0 0 0 0      0 0 2 0
# class 0: truth 7 pixels, predicted 6, both 5 -> IoU 5 / (7 + 6 - 5) = 5/8
# class 1: truth 3, predicted 3, both 2        -> IoU 2 / 4 = 1/2
# class 2: truth 2, predicted 3, both 2        -> IoU 2 / 3
TRUTH = np.array([[0, 0, 1, 1], [0, 2, 2, 1], [0, 0, 0, 0]])
PREDICTED = np.array([[0, 1, 1, 1], [0, 2, 2, 0], [0, 0, 2, 0]])


def test_metrics_on_a_hand_computed_example():
    ious = train.iou_per_class(TRUTH, PREDICTED, classes=4)
    assert np.allclose(ious[:3], [5 / 8, 1 / 2, 2 / 3]) and np.isnan(ious[3])
    assert train.mean_iou(TRUTH, PREDICTED, classes=4) == pytest.approx((5 / 8 + 1 / 2 + 2 / 3) / 3)
    assert train.pixel_accuracy(TRUTH, PREDICTED) == pytest.approx(9 / 12)
    counts = train.pixel_confusion(TRUTH, PREDICTED, classes=4)
    assert counts.sum() == 12 and np.trace(counts) == 9
    assert counts[0, 1] == 1 and counts[1, 0] == 1 and counts[0, 2] == 1


def test_metrics_over_several_masks_pool_the_pixels():
    """IoU over a set of masks counts all pixels together, not the mean of per-mask IoUs."""
    truth = np.stack([TRUTH, np.zeros_like(TRUTH)])
    predicted = np.stack([PREDICTED, np.zeros_like(TRUTH)])
    ious = train.iou_per_class(truth, predicted, classes=3)
    assert np.allclose(ious, [17 / 20, 1 / 2, 2 / 3])  # background: 17 of 20 in the union


def test_perfect_and_lazy_predictions():
    assert train.mean_iou(TRUTH, TRUTH, classes=3) == 1.0
    lazy = np.zeros_like(TRUTH)
    assert train.mean_iou(TRUTH, lazy, classes=3) == pytest.approx((7 / 12) / 3)
    assert train.pixel_accuracy(TRUTH, lazy) == pytest.approx(7 / 12)


@pytest.mark.parametrize("args, error, message", [
    ((TRUTH, PREDICTED[:2]), ValueError, "same shape"),
    ((TRUTH, PREDICTED + 0.0), TypeError, "int class labels"),
    ((TRUTH, PREDICTED + 5), ValueError, r"range\(4\)"),
    ((TRUTH[:0], PREDICTED[:0]), ValueError, "empty"),
])
def test_metric_errors(args, error, message):
    with pytest.raises(error, match=message):
        train.mean_iou(*args, classes=4)


def stripes(n=8, seed=0):
    """Canvases with a bright bar in the top or bottom half, labelled 1 or 2 per pixel."""
    rng = np.random.default_rng(seed)
    canvases = rng.integers(0, 40, (n, 28, 56), dtype=np.uint8)
    masks = np.zeros((n, 28, 56), np.uint8)
    for k in range(n):
        top = 4 if k % 2 == 0 else 18
        canvases[k, top:top + 5, 10:40] = 230
        masks[k, top:top + 5, 10:40] = 1 + k % 2
    return canvases, masks


def test_training_a_few_steps_is_deterministic_and_reports():
    data = stripes()
    runs, lines = [], []
    for _ in range(2):
        model = models.small_unet(classes=3, width=2, seed=0)
        history = train.train_segmentation(model, data, data, epochs=2, batch_size=4, lr=1e-2,
                                           seed=0, classes=3, report=lines.append)
        runs.append(model)
    assert all(torch.equal(a, b) for a, b in zip(runs[0].state_dict().values(),
                                                 runs[1].state_dict().values()))
    assert len(lines) == 4 and lines[0].startswith("epoch  1/2: train loss")
    assert history["epoch"] == [1, 2] and all(0 <= v <= 1 for v in history["test_mean_iou"])
    assert not runs[0].training and not torch.are_deterministic_algorithms_enabled()


def test_training_learns_stripes():
    data = stripes(8)
    model = models.small_unet(classes=3, width=4, seed=0)
    history = train.train_segmentation(model, data, data, epochs=5, batch_size=2, lr=3e-2,
                                       seed=0, classes=3, report=None)
    assert history["loss"][-1] < history["loss"][0] / 2
    assert history["test_pixel_accuracy"][-1] > 0.9


def test_predict_masks_keeps_the_mode():
    model = models.small_unet(width=2, seed=0).train()
    masks = train.predict_masks(model, np.zeros((3, 28, 56), np.uint8), batch_size=2)
    assert masks.shape == (3, 28, 56) and masks.dtype == np.int64 and model.training
    with pytest.raises(ValueError, match="batch_size"):
        train.predict_masks(model, np.zeros((1, 28, 56), np.uint8), batch_size=0)


@pytest.mark.parametrize("change, error, message", [
    ({"train_data": "canvases"}, TypeError, "pair"),
    ({"test_data": (np.zeros((2, 28, 56), np.uint8), np.zeros((2, 28, 28), np.uint8))},
     ValueError, "one mask per canvas"),
    ({"train_data": (np.zeros((2, 28, 56), np.uint8), np.full((2, 28, 56), 3, np.uint8))},
     ValueError, r"range\(3\)"),
    ({"lr": 0}, ValueError, "lr=0"),
    ({"schedule": "step"}, ValueError, "schedule='step'"),
    ({"model": "unet"}, TypeError, "torch.nn.Module"),
])
def test_training_errors(change, error, message):
    data = stripes(2)
    arguments = {"model": models.small_unet(classes=3, width=2, seed=0), "train_data": data,
                 "test_data": data, "epochs": 1, "batch_size": 2, "lr": 1e-2, "seed": 0,
                 "classes": 3, "report": None, **change}
    with pytest.raises(error, match=message):
        train.train_segmentation(**arguments)
