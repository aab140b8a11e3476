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
    assert width <= 400  # drawn at its size on a 390-px phone, not scaled down
    font = int(re.search(r'font-size="(\d+)"', svg).group(1))
    assert font >= 14
    texts = re.findall(r'<text x="(\d+)"[^>]*>([^<]*)</text>', svg)
    legend = [text for _, text in texts if ":" in text and "·" in text]
    assert len(legend) == 2 and "green: computed" in legend[0]  # the whole legend, two lines
    for x, text in texts:  # no text runs past the right edge (0.55 em a character)
        assert int(x) + 0.55 * font * len(text) <= width, text
    svg, _ = plot.sliding_animation_svg(cells, 3, "a title", legend=False)
    assert "green: computed" not in svg


def test_learning_curves_confusion_and_grid_for_part4():
    import pytest

    history = {"epoch": [1, 2, 3], "loss": [1.0, 0.5, 0.3], "test_accuracy": [0.8, 0.9, 0.95]}
    fig = plot.show_learning_curves([history, history], ["a", "b"], "Curves",
                                    targets=[0.9, None])
    assert all(ax.get_xlabel() == "epoch" and ax.get_title() for ax in fig.axes)
    assert fig._suptitle.get_text() == "Curves"
    with pytest.raises(ValueError, match="one label per history"):
        plot.show_learning_curves([history], ["a", "b"], "Curves")
    counts = np.array([[9, 1, 0], [2, 7, 1], [0, 0, 10]])
    fig = plot.show_confusion(counts, "Confusion")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == [str(v) for v in counts.ravel()]  # every count written, row by row
    assert np.isnan(np.ma.getdata(fig.axes[0].images[0].get_array())[0, 0])  # the diagonal is not colored
    with pytest.raises(ValueError, match="square"):
        plot.show_confusion(np.ones((2, 3), int), "x")
    fig = plot.show_image_grid(np.zeros((13, 5, 5)), [str(i) for i in range(13)], "Grid",
                               "pictures", ncols=5)
    assert sum(ax.get_visible() for ax in fig.axes) == 13 and len(fig.axes) == 15
    with pytest.raises(ValueError, match="13 images but 2 titles"):
        plot.show_image_grid(np.zeros((13, 5, 5)), ["a", "b"], "Grid", "pictures")


def test_show_image_rows_centres_signed_rows_on_zero():
    import pytest

    photos = np.full((3, 4, 4), 0.5)
    signed = np.stack([np.linspace(-1, 3, 16).reshape(4, 4), -np.ones((4, 4))])
    fig = plot.show_image_rows([photos, signed], ["patches", "reconstructions"], "Rows",
                               "pictures", cmaps=[plot.PHOTO, plot.SIGNED],
                               titles=[["a", "b", "c"], ["d", "e"]])
    assert fig._suptitle.get_text() == "Rows"
    assert sum(ax.get_visible() for ax in fig.axes) == 5 and len(fig.axes) == 6
    assert fig.axes[0].get_ylabel() == "patches" and fig.axes[3].get_ylabel() == "reconstructions"
    assert fig.axes[0].images[0].get_clim() == (0.0, 1.0)
    assert fig.axes[3].images[0].get_clim() == (-3.0, 3.0)  # white is zero
    assert fig.axes[4].images[0].get_clim() == (-1.0, 1.0)  # each picture its own scale
    assert [fig.axes[i].get_title() for i in (0, 4)] == ["a", "e"]
    matplotlib.pyplot.close(fig)
    with pytest.raises(ValueError, match="2 rows but 1 row_labels"):
        plot.show_image_rows([photos, signed], ["x"], "Rows", "pictures")
    with pytest.raises(ValueError, match=r"shape \(n, H, W\)"):
        plot.show_image_rows([np.zeros((4, 4))], ["x"], "Rows", "pictures")


def test_show_segmentation_colours_classes_and_names_regions():
    import pytest

    canvases = np.zeros((2, 10, 20))
    masks = np.zeros((2, 10, 20), int)
    masks[0, 2:6, 2:6] = 4  # digit 3: 16 pixels, named in its region
    masks[1, 2:4, 12:14] = 9  # digit 8: only 4 pixels, too small to name
    predicted = masks.copy()
    predicted[0, 2:4, 2:6] = 6
    fig = plot.show_segmentation(canvases, masks, "Masks", predictions=predicted)
    assert len(fig.axes) == 8 and fig._suptitle.get_text() == "Masks"
    true_ax, predicted_ax, wrong_ax = fig.axes[1], fig.axes[2], fig.axes[3]
    assert [t.get_text() for t in true_ax.texts] == ["3"]
    assert sorted(t.get_text() for t in predicted_ax.texts) == ["3", "5"]
    assert wrong_ax.get_title() == "wrong pixels (8)"
    assert len(fig.axes[5].texts) == 0  # 4 pixels of digit 8: too few to name
    image = true_ax.images[0]
    assert image.get_clim() == (-0.5, 10.5)
    assert matplotlib.colors.to_hex(image.cmap(0)) == plot.SEGMENT_COLORS[0].lower()
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()][:3] == ["background", "0", "1"]
    matplotlib.pyplot.close(fig)
    fig = plot.show_segmentation(canvases, masks, "Masks only")
    assert len(fig.axes) == 4
    matplotlib.pyplot.close(fig)
    with pytest.raises(ValueError, match="classes 0 .. 10"):
        plot.show_segmentation(canvases, masks + 11, "x")
    with pytest.raises(ValueError, match="same shape"):
        plot.show_segmentation(canvases[:1], masks, "x")
