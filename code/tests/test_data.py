import shutil

import numpy as np
import pytest

from tconv import data


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


def test_unknown_name():
    with pytest.raises(ValueError, match="name='lena' is not a data file"):
        data.load_image("lena")
