import shutil

import numpy as np
import pytest

from tconv import data

ROOT_DATA = data.data_dir()


@pytest.mark.parametrize("name", sorted(data.FILES))
def test_files_are_intact(name):
    assert data.sha256(data.verified_path(name)) == data.FILES[name]["sha256"]


def test_load_image_shapes_and_range():
    camera = data.load_image("camera")
    assert camera.shape == (512, 512) and 0 <= camera.min() and camera.max() <= 1
    assert data.load_image("chelsea", gray=False).shape == (300, 451, 3)
    small = data.load_image("chelsea", size=100)
    assert small.shape == (60, 90) and small.dtype == np.float64


def test_damaged_file_is_refused(tmp_path, monkeypatch):
    shutil.copy(data.data_dir() / "camera.png", tmp_path / "camera.png")
    with open(tmp_path / "camera.png", "ab") as file:
        file.write(b"\0")
    monkeypatch.setenv("TCONV_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="was changed or damaged"):
        data.load_image("camera")
    with pytest.raises(FileNotFoundError, match="chelsea.png is missing"):
        data.load_image("chelsea")


def test_mnist_split():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert x_train.dtype == x_test.dtype == y_train.dtype == y_test.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [400] * 10
    assert np.bincount(y_test).tolist() == [100] * 10
    assert x_train.max() == 255 and x_train.min() == 0
    # no digit is in both sets, and together they are the whole file
    with np.load(data.data_dir() / "mnist_5k.npz") as archive:
        everything = {image.tobytes() for image in archive["images"]}
    train, test = {i.tobytes() for i in x_train}, {i.tobytes() for i in x_test}
    assert not train & test and train | test == everything
    # the same arrays on every call
    again = data.load_mnist()
    assert np.array_equal(again[0][0], x_train) and np.array_equal(again[1][1], y_test)


def test_altered_or_missing_mnist_names_file_checksum_and_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("TCONV_DATA", str(tmp_path))
    expected = data.FILES["mnist_5k"]["sha256"]
    with pytest.raises(FileNotFoundError) as missing:
        data.load_mnist()
    message = str(missing.value)
    assert "mnist_5k.npz is missing" in message and expected in message
    assert "git checkout -- data/mnist_5k.npz" in message
    shutil.copy(ROOT_DATA / "mnist_5k.npz", tmp_path / "mnist_5k.npz")
    altered = bytearray((tmp_path / "mnist_5k.npz").read_bytes())
    altered[-100] ^= 1
    (tmp_path / "mnist_5k.npz").write_bytes(bytes(altered))
    with pytest.raises(ValueError) as changed:
        data.load_mnist()
    message = str(changed.value)
    assert "load_mnist:" in message and "changed or damaged" in message and expected in message
    assert "git checkout -- data/mnist_5k.npz" in message


def test_unknown_name():
    with pytest.raises(ValueError, match="name='lena' is not a data file"):
        data.load_image("lena")
