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


def test_sliding_animation_marks_padding_and_inserted_zeros_and_fits_its_legend():
    import re

    cells = plot.transpose_cells(2, 3, stride=2)  # 2×2 spread to 3×3, padded by 2: 7×7
    svg, frames = plot.sliding_animation_svg(cells, 3, "a title")
    assert frames == 25
    assert svg.count('fill="url(#dots)"') == (cells == plot.INSERTED).sum() == 5
    assert svg.count('fill="url(#hatch)"') == (cells == plot.PAD).sum() == 40
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    legend = re.search(r'<text x="(\d+)"[^>]*fill="#555">([^<]*)</text>', svg)
    assert int(legend.group(1)) + 6.5 * len(legend.group(2)) <= width
