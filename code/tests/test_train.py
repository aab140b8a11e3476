import functools

import numpy as np
import pytest
import torch

from tconv import models, train


def tiny_data(n=16, seed=0):
    """Random 'digits' of two kinds: bright top half (label 0) or bright bottom half (1)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    images = rng.integers(0, 60, (n, 28, 28), dtype=np.uint8)
    for image, label in zip(images, labels):
        image[14 * label:14 * label + 14] += 150
    return images, labels


SETTINGS = {"epochs": 2, "batch_size": 8, "lr": 1e-3, "seed": 0}


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """No test writes to the course's real cache, even by mistake."""
    monkeypatch.setenv("TCONV_CACHE", str(tmp_path / "cache"))


def test_to_tensor_scales_and_adds_the_channel():
    images = np.array([[[0, 255, 51]]], dtype=np.uint8)
    t = train.to_tensor(images)
    assert t.shape == (1, 1, 1, 3) and t.dtype == torch.float32
    assert torch.allclose(t[0, 0, 0], torch.tensor([0.0, 1.0, 0.2]))
    with pytest.raises(TypeError, match="dtype uint8"):
        train.to_tensor(images.astype(float))
    with pytest.raises(ValueError, match=r"shape \(N, H, W\); got shape \(3,\)"):
        train.to_tensor(np.zeros(3, np.uint8))
    with pytest.raises(TypeError, match="NumPy array"):
        train.to_tensor([[0]])


def test_training_is_deterministic_and_reports_one_line_per_epoch():
    data = tiny_data()
    lines = []
    runs = []
    for _ in range(2):
        model = models.lenet_wide(seed=0)  # with dropout: the seed must fix it too
        history = train.train(model, data, data, **SETTINGS, report=lines.append)
        runs.append(model)
    assert len(lines) == 4 and lines[0].startswith("epoch  1/2: train loss")
    assert all(torch.equal(a, b) for a, b in zip(runs[0].parameters(), runs[1].parameters()))
    assert history["epoch"] == [1, 2] and set(history) == {"epoch", "loss", "test_accuracy",
                                                          "seconds"}
    assert all(0 <= a <= 1 for a in history["test_accuracy"])
    assert not runs[0].training  # left in eval mode
    assert not torch.are_deterministic_algorithms_enabled()  # the caller's setting restored


def test_training_learns_an_easy_task():
    data = tiny_data(32)
    model = models.lenet5(seed=0)
    before = train.accuracy(model, *data)
    history = train.train(model, data, data, epochs=4, batch_size=8, lr=5e-3, seed=0,
                          schedule="cosine", report=None)
    assert history["loss"][-1] < history["loss"][0]
    assert train.accuracy(model, *data) == 1.0 and before < 1.0


def test_bad_training_arguments_are_named():
    data = tiny_data(4)
    model = models.lenet5(seed=0)
    for kwargs, error, message in [
        (dict(epochs=0), ValueError, "epochs=0 must be a positive int"),
        (dict(batch_size=2.0), ValueError, "batch_size=2.0 must be a positive int"),
        (dict(lr=-1), ValueError, "lr=-1 must be a positive number"),
        (dict(seed="0"), TypeError, "seed='0' must be an int"),
        (dict(schedule="step"), ValueError, "schedule='step' is not a learning-rate schedule"),
        (dict(report=3), TypeError, "report=3 must be callable"),
    ]:
        with pytest.raises(error, match=message):
            train.train(model, data, data, **{**SETTINGS, "report": None, **kwargs})
    with pytest.raises(ValueError, match="4 images but labels of shape"):
        train.train(model, (data[0], data[1][:3]), data, **SETTINGS)
    with pytest.raises(TypeError, match="train_data must be a pair"):
        train.train(model, data[0], data, **SETTINGS)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        train.train("lenet", data, data, **SETTINGS)


def test_predict_accuracy_and_confusion_matrix():
    model = models.lenet5(seed=0)
    images, labels = tiny_data(6)
    predictions = train.predict(model, images, batch_size=4)
    assert predictions.shape == (6,) and model.training  # a fresh model is in training mode
    assert train.accuracy(model, images, labels) == np.mean(predictions == labels)
    counts = train.confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], classes=3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    assert counts.sum() == 5 and np.trace(counts) == 3
    with pytest.raises(ValueError, match=r"labels must be ints in range\(3\)"):
        train.confusion_matrix([0, 3], [0, 1], classes=3)
    with pytest.raises(ValueError, match="same length"):
        train.confusion_matrix([0, 1], [0], classes=3)
    with pytest.raises(ValueError, match="6 images but labels"):
        train.accuracy(model, images, labels[:2])


def test_cache_trains_once_then_loads(tmp_path, monkeypatch):
    data = (tiny_data(8), tiny_data(4, seed=1))
    build = functools.partial(models.lenet5, seed=0)
    lines = []
    first, history = train.trained("tiny", build, SETTINGS, data, tmp_path, report=lines.append)
    assert len(lines) == 2 and len(list(tmp_path.glob("tiny-*.pt"))) == 1

    def no_training(*args, **kwargs):
        raise AssertionError("trained() trained although the cache was valid")
    monkeypatch.setattr(train, "train", no_training)
    again, stored = train.trained("tiny", build, SETTINGS, data, tmp_path)
    assert stored == history and not again.training
    assert all(torch.equal(a, b) for a, b in zip(first.parameters(), again.parameters()))
    monkeypatch.undo()

    # other settings, another file; a damaged file is made again
    train.trained("tiny", build, {**SETTINGS, "lr": 2e-3}, data, tmp_path, report=None)
    assert len(list(tmp_path.glob("tiny-*.pt"))) == 2
    path = train._cache_file(train._settings("tiny", build, SETTINGS, data, "test")[0], tmp_path)
    path.write_bytes(b"not a checkpoint")
    remade, _ = train.trained("tiny", build, SETTINGS, data, tmp_path, report=None)
    assert all(torch.equal(a, b) for a, b in zip(first.parameters(), remade.parameters()))
    assert torch.load(path, weights_only=True)["history"]["epoch"] == [1, 2]


def test_store_trained_is_found_by_trained(tmp_path, monkeypatch):
    data = (tiny_data(8), tiny_data(4, seed=1))
    build = functools.partial(models.lenet5, seed=3)
    model = build()
    history = train.train(model, *data, **SETTINGS, report=None)
    path = train.store_trained("mine", build, SETTINGS, model, history, data, tmp_path)
    monkeypatch.setattr(train, "train", None)  # trained() must not train
    loaded, _ = train.trained("mine", build, SETTINGS, data, tmp_path)
    assert path.exists()
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), loaded.parameters()))


def test_cache_refuses_what_it_cannot_name():
    data = (tiny_data(4), tiny_data(4))
    with pytest.raises(ValueError, match="different initial weights"):
        train.trained("x", models.lenet5, SETTINGS, data)  # no seed
    with pytest.raises(ValueError, match="name='a b' must be"):
        train.trained("a b", functools.partial(models.lenet5, seed=0), SETTINGS, data)
    with pytest.raises(ValueError, match="train_kwargs"):
        train.trained("x", functools.partial(models.lenet5, seed=0), {"epochs": 1}, data)
    with pytest.raises(TypeError, match="build="):
        train.trained("x", "lenet5", SETTINGS, data)
    with pytest.raises(TypeError, match=r"build\(\) must return a torch.nn.Module"):
        train.trained("x", lambda: 3, SETTINGS, data)


def test_default_cache_folder_is_git_ignored(monkeypatch, tmp_path):
    import pathlib

    monkeypatch.delenv("TCONV_CACHE", raising=False)
    monkeypatch.delenv("TCONV_DATA", raising=False)
    folder = train.cache_dir()
    root = pathlib.Path(train.__file__).resolve().parents[2]
    assert folder == root / "data" / "cache"
    assert "data/cache/" in (root / ".gitignore").read_text().split()
    monkeypatch.setenv("TCONV_CACHE", str(tmp_path))
    assert train.cache_dir() == tmp_path


def test_the_chapter_settings_are_complete():
    for settings in (train.LENET5, train.LENET_WIDE):
        assert set(settings) == {"epochs", "batch_size", "lr", "seed", "schedule"}
        assert settings["schedule"] in train.SCHEDULES


def test_chapter12_models_come_from_the_cache(monkeypatch):
    build = functools.partial(models.lenet5, seed=0)
    untrained = build()
    history = {"epoch": [1], "loss": [2.3], "test_accuracy": [0.1], "seconds": [0.0]}
    train.store_trained("lenet5", build, train.LENET5, untrained, history)  # private cache
    monkeypatch.setattr(train, "train", None)  # loading must not train
    model, stored = train.chapter12_model("lenet5")
    assert stored == history
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), untrained.parameters()))
    with pytest.raises(ValueError, match="not a network of chapter 12"):
        train.chapter12_model("lenet")


def test_progress_bar_is_off_outside_jupyter_and_with_report_none():
    bar = train._ProgressBar(steps=3, epochs=1, enabled=True)  # pytest is not a kernel
    assert bar.handle is None
    bar.advance(1)
    bar.close()


def test_progress_bar_in_a_kernel_leaves_one_empty_output():
    """In Jupyter the bar updates while training and ends empty: the stored notebook, and
    what strict nbval compares, do not depend on how long training took."""
    import nbformat
    from nbclient import NotebookClient

    code = ("import numpy as np\n"
            "from tconv import models, train\n"
            "images = np.zeros((8, 28, 28), np.uint8)\n"
            "labels = np.arange(8) % 10\n"
            "history = train.train(models.lenet5(seed=0), (images, labels), (images, labels),\n"
            "                      epochs=2, batch_size=4, lr=1e-3, seed=0)")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    bars = [out for out in outputs if out.output_type == "display_data"]
    assert len(bars) == 1 and bars[0].data == {"text/html": ""}
    text = "".join(out.text for out in outputs if out.output_type == "stream")
    assert text.count("epoch ") == 2 and "epoch  2/2" in text
