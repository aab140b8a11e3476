"""The figures of the chapters.

Nothing here changes matplotlib's global settings: each figure sets its own
white background and color cycle.

Every function returns a ``matplotlib.figure.Figure`` with a title and labelled
axes. Figures have an opaque white background, so they read the same on the
site's light and dark themes, and use colorblind-safe colormaps: ``cividis``
for magnitudes, ``PuOr`` (ColorBrewer) for signed values, ``gray`` for photos.

In a notebook, assign the result (``fig = plot.show_array(...)``) so that the
figure is drawn once.
"""

import matplotlib
import matplotlib.patches
import matplotlib.pyplot as plt
import numpy as np

#: line colors of Okabe and Ito, distinguishable with every common color-vision deficiency
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]


#: colormaps by kind of data; all readable with the common color-vision deficiencies
MAGNITUDE, SIGNED, PHOTO = "cividis", "PuOr", "gray"


def figure(ncols=1, nrows=1, width=3.0, height=3.0, title=None):
    """A new figure in the course style with a grid of axes (always a 2-D array).

    >>> fig, axes = figure(ncols=2, title="Two panels")
    >>> axes.shape
    (1, 2)
    """
    fig = plt.figure(figsize=(width * ncols, height * nrows), facecolor="white",
                     layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat:
        ax.set_facecolor("white")
        ax.set_prop_cycle(color=OKABE_ITO)
    if title:
        fig.suptitle(title, fontsize=12)
    return fig, axes


def color_limits(array, cmap):
    """``(vmin, vmax)``: symmetric around 0 for signed colormaps, 0 to 1 for photos
    (values outside are clipped, as a screen would), the data range otherwise.

    >>> color_limits(np.array([-1.0, 3.0]), SIGNED)
    (-3.0, 3.0)
    >>> color_limits(np.array([-0.2, 1.3]), PHOTO)
    (0.0, 1.0)
    """
    if cmap == PHOTO:
        return 0.0, 1.0
    low, high = float(np.min(array)), float(np.max(array))
    if cmap == SIGNED:
        bound = max(abs(low), abs(high)) or 1.0
        return -bound, bound
    if low == high:
        return low - 1.0, high + 1.0
    return low, high


def text_color(value, cmap, vmin, vmax):
    """Black or white, whichever reads better on the cell color of ``value``.

    >>> text_color(0.0, "cividis", 0.0, 1.0), text_color(1.0, "cividis", 0.0, 1.0)
    ('white', 'black')
    """
    red, green, blue, _ = matplotlib.colormaps[cmap]((value - vmin) / (vmax - vmin))
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"


def draw_array(ax, array, title, cmap=MAGNITUDE, annotate=True, mask=None, fmt="{:g}"):
    """Draw a small 2-D array as a grid of colored cells with its values written in.

    ``mask`` (same shape, bool) hatches cells, for example the zero padding.

    >>> fig, axes = figure()
    >>> draw_array(axes[0, 0], np.eye(3), "identity")
    """
    array = np.asarray(array)
    vmin, vmax = color_limits(array, cmap)
    ax.imshow(array, cmap=cmap, vmin=vmin, vmax=vmax)
    rows, cols = array.shape
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.set_xticks(np.arange(-0.5, cols), minor=True)
    ax.set_yticks(np.arange(-0.5, rows), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_title(title)
    if mask is not None:
        for i, j in zip(*np.nonzero(mask)):
            ax.add_patch(matplotlib.patches.Rectangle(
                (j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="0.6", linewidth=0,
            ))
    if annotate:
        for (i, j), value in np.ndenumerate(array):
            ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=9,
                    color=text_color(value, cmap, vmin, vmax))


def show_arrays(arrays, titles, title=None, cmap=MAGNITUDE, masks=None, size=2.6, fmt="{:g}"):
    """Small arrays side by side, each with its values written in its cells.

    >>> fig = show_arrays([np.eye(2), np.ones((2, 2))], ["x", "w"], title="Two arrays")
    >>> len(fig.axes)
    2
    """
    masks = masks or [None] * len(arrays)
    fig, axes = figure(ncols=len(arrays), width=size, height=size, title=title)
    for ax, array, name, mask in zip(axes[0], arrays, titles, masks):
        draw_array(ax, array, name, cmap=cmap, mask=mask, fmt=fmt)
    return fig


def show_array(array, title, cmap=MAGNITUDE, mask=None, size=3.0, fmt="{:g}"):
    """One small array with its values written in its cells.

    >>> show_array(np.arange(4).reshape(2, 2), "x").axes[0].get_title()
    'x'
    """
    return show_arrays([array], [title], cmap=cmap, masks=[mask], size=size, fmt=fmt)


def show_images(images, titles, title=None, cmaps=None, size=3.0, colorbar=False):
    """Pictures side by side, without ticks; ``cmaps`` gives one colormap per picture.

    Signed pictures (``cmap=SIGNED``) get limits symmetric around zero.

    >>> fig = show_images([np.zeros((4, 4))], ["black"], title="One picture")
    >>> fig.axes[0].get_title()
    'black'
    """
    cmaps = cmaps or [PHOTO] * len(images)
    fig, axes = figure(ncols=len(images), width=size, height=size, title=title)
    for ax, image, name, cmap in zip(axes[0], images, titles, cmaps):
        image = np.asarray(image)
        vmin, vmax = color_limits(image, cmap) if image.ndim == 2 else (None, None)
        shown = ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_title(name)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"{image.shape[1]} columns")
        ax.set_ylabel(f"{image.shape[0]} rows")
        if colorbar:
            fig.colorbar(shown, ax=ax, shrink=0.7)
    return fig


def show_matrix(matrix, title, xlabel="column: input pixel", ylabel="row: output pixel",
                annotate=False, width=8.0, height=None):
    """A matrix such as C as an image; zeros are white, signed values in ``PuOr``.

    Accepts dense arrays and ``scipy.sparse`` matrices.

    >>> fig = show_matrix(np.eye(3), "I")
    >>> fig.axes[0].get_xlabel()
    'column: input pixel'
    """
    dense = matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)
    rows, cols = dense.shape
    height = height or max(1.5, width * rows / cols + 1.0)
    fig, axes = figure(width=width, height=height)
    ax = axes[0, 0]
    vmin, vmax = color_limits(dense, SIGNED)
    shown = ax.imshow(dense, cmap=SIGNED, vmin=vmin, vmax=vmax, aspect="equal")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if annotate:
        for (i, j), value in np.ndenumerate(dense):
            if value != 0:
                ax.text(j, i, f"{value:g}", ha="center", va="center", fontsize=8,
                        color=text_color(value, SIGNED, vmin, vmax))
    fig.colorbar(shown, ax=ax, shrink=0.8, label="weight")
    return fig


def plot_lines(x, ys, labels, title, xlabel, ylabel, logx=False, logy=False,
               legend_outside=False):
    """Several curves against one x axis, with markers, a legend and a grid.

    Missing values (NaN) leave a gap. ``legend_outside`` puts the legend to the
    right of the axes, where it cannot hide a curve.

    >>> fig = plot_lines([1, 2], [[1, 2], [2, 4]], ["a", "b"], "t", "x", "y")
    >>> fig.axes[0].get_ylabel()
    'y'
    """
    fig, axes = figure(width=7.5 if legend_outside else 6.0, height=3.8)
    ax = axes[0, 0]
    markers = ["o", "s", "^", "D", "v"]
    for i, (y, label) in enumerate(zip(ys, labels)):
        ax.plot(x, y, marker=markers[i % len(markers)], label=label)
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    if legend_outside:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    else:
        ax.legend()
    return fig


# >>> chapter3
# (chapter section, empty so far)
# <<< chapter3


# >>> chapter4
# (chapter section, empty so far)
# <<< chapter4


# >>> chapter5
# (chapter section, empty so far)
# <<< chapter5


# >>> chapter6
# (chapter section, empty so far)
# <<< chapter6


# >>> chapter7
# (chapter section, empty so far)
# <<< chapter7
