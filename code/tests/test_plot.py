import matplotlib
import numpy as np
import scipy.sparse

from tconv import plot

matplotlib.use("Agg")


def test_figures_have_titles_and_labels():
    fig = plot.show_arrays([np.eye(3), -np.eye(2)], ["x", "w"], title="Arrays", cmap=plot.SIGNED)
    assert fig._suptitle.get_text() == "Arrays"
    assert all(ax.get_xlabel() and ax.get_ylabel() and ax.get_title() for ax in fig.axes)
    fig = plot.show_matrix(scipy.sparse.eye_array(4), "C", annotate=True)
    assert fig.axes[0].get_title() == "C"
    fig = plot.show_images([np.zeros((3, 3)), np.ones((3, 3))], ["a", "b"], cmaps=["gray", plot.SIGNED])
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]


def test_background_is_opaque_white_for_dark_mode():
    fig = plot.show_array(np.ones((2, 2)), "x")
    assert fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0)


def test_colormaps_are_colorblind_safe():
    assert {plot.MAGNITUDE, plot.SIGNED, plot.PHOTO} <= {"cividis", "viridis", "PuOr", "gray"}
