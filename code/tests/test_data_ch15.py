"""Tests of chapter 15's canvas generator, tconv.data.digit_canvases."""

import numpy as np
import pytest

from tconv.data import digit_canvases, load_mnist


def tiny_digits():
    """Three 4×4 'digits' with labels 3, 5, 7: a bright square, a dim square, a bar."""
    images = np.zeros((3, 4, 4), np.uint8)
    images[0, 1:3, 1:3] = 200
    images[1, 0:4, 0:4] = 150
    images[2, :, 3] = 255
    return images, np.array([3, 5, 7])


def test_canvases_are_the_brighter_of_two_placed_digits():
    images, labels = tiny_digits()
    canvases, masks, where = digit_canvases(images, labels, 50, size=(6, 9), jitter=2,
                                            threshold=127, seed=3, layout=True)
    assert canvases.shape == masks.shape == (50, 6, 9)
    assert canvases.dtype == masks.dtype == np.uint8
    for n in range(50):
        placed = np.zeros((2, 6, 9), np.uint8)
        for side in range(2):
            top, left = where["row"][n, side], where["column"][n, side]
            placed[side, top:top + 4, left:left + 4] = images[where["index"][n, side]]
        assert (canvases[n] == placed.max(axis=0)).all()
    assert (where["digit"] == labels[where["index"]]).all()
    assert where["row"].min() >= 0 and where["row"].max() <= 2
    assert where["column"][:, 0].min() >= 0 and where["column"][:, 0].max() <= 2
    assert where["column"][:, 1].min() >= 3 and where["column"][:, 1].max() <= 5
    assert set(np.unique(where["column"])) == set(range(6))  # every allowed column occurs


def test_mask_rule_threshold_and_overlap():
    images, labels = tiny_digits()
    canvases, masks, where = digit_canvases(images, labels, 200, size=(4, 6), jitter=2,
                                            threshold=127, seed=0, layout=True)
    assert ((masks > 0) == (canvases > 127)).all()  # a digit's pixels: brighter than 127
    overlaps = 0
    for n in range(200):
        left, right = np.zeros((2, 4, 6), np.uint8)
        left[:, where["column"][n, 0]:where["column"][n, 0] + 4] = images[where["index"][n, 0]]
        right[:, where["column"][n, 1]:where["column"][n, 1] + 4] = images[where["index"][n, 1]]
        both = (left > 127) & (right > 127)
        overlaps += both.sum()
        winner = np.where(right >= left, 1 + where["digit"][n, 1], 1 + where["digit"][n, 0])
        assert (masks[n][both] == winner[both]).all()  # the brighter wins, ties go right
    assert overlaps > 0  # the rule was exercised


def test_tie_goes_to_the_right_digit():
    images = np.full((2, 3, 3), 200, np.uint8)
    canvases, masks = digit_canvases(images, np.array([1, 2]), 40, size=(3, 5), jitter=1,
                                     seed=0)
    # both digits overlap in the middle columns with equal brightness
    _, _, where = digit_canvases(images, np.array([1, 2]), 40, size=(3, 5), jitter=1, seed=0,
                                 layout=True)
    for n in range(40):
        overlap = slice(where["column"][n, 1], where["column"][n, 0] + 3)
        assert (masks[n][:, overlap] == 1 + where["digit"][n, 1]).all()


def test_same_seed_same_canvases_other_seed_other_canvases():
    (x, y), _ = load_mnist()
    first = digit_canvases(x, y, 20, seed=5)
    again = digit_canvases(x, y, 20, seed=5)
    other = digit_canvases(x, y, 20, seed=6)
    assert all((a == b).all() for a, b in zip(first, again))
    assert not (first[0] == other[0]).all()
    assert first[1].max() <= 10


def test_default_canvases_of_mnist():
    (x, y), _ = load_mnist()
    canvases, masks = digit_canvases(x, y, 200, seed=0)
    assert canvases.shape == (200, 28, 56)
    assert set(np.unique(masks)) == set(range(11))
    assert 0.8 < np.mean(masks == 0) < 0.95  # mostly background


@pytest.mark.parametrize("kwargs, error, message", [
    ({"images": np.zeros((2, 4, 4))}, TypeError, "uint8"),
    ({"labels": np.array([1])}, ValueError, r"shape \(3,\)"),
    ({"labels": np.array([1.0, 2.0, 3.0])}, ValueError, "ints"),
    ({"labels": np.array([1, 2, 300])}, ValueError, "0 .. 254"),
    ({"count": 2.5}, TypeError, "count=2.5 must be an int"),
    ({"count": -1}, ValueError, ">= 0"),
    ({"threshold": 255}, ValueError, "threshold=255"),
    ({"size": (3, 9)}, ValueError, "too small"),
    ({"size": (6, 5)}, ValueError, "W >= 6"),
    ({"size": 6}, TypeError, "pair of ints"),
])
def test_bad_arguments_get_clear_errors(kwargs, error, message):
    images, labels = tiny_digits()
    arguments = {"images": images, "labels": labels, "count": 2, "size": (6, 9), "jitter": 2,
                 **kwargs}
    with pytest.raises(error, match=message):
        digit_canvases(**arguments)
