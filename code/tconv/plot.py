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
import matplotlib.ticker
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


def panel_grid(count, ncols, size, title):
    """A figure of ``count`` square panels, ``ncols`` per row (all in one row if ``None``), the
    unused places of the last row hidden; returns the figure and its 2-D array of axes.

    >>> fig, axes = panel_grid(3, 2, 2.0, "Three panels")
    >>> axes.shape, sum(ax.get_visible() for ax in axes.flat)
    ((2, 2), 3)
    >>> plt.close(fig)
    """
    ncols = ncols or count
    nrows = -(-count // ncols)
    fig, axes = figure(ncols=ncols, nrows=nrows, width=size, height=size, title=title)
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    return fig, axes


def show_arrays(arrays, titles, title=None, cmap=MAGNITUDE, masks=None, size=2.6, fmt="{:g}",
                ncols=None):
    """Small arrays side by side, each with its values written in its cells.

    ``ncols`` panels per row (all in one row by default); more arrays wrap to the next rows,
    so that a figure stays legible on a narrow screen. A ``None`` in ``arrays`` leaves its
    place empty.

    >>> fig = show_arrays([np.eye(2), np.ones((2, 2))], ["x", "w"], title="Two arrays")
    >>> len(fig.axes)
    2
    >>> fig = show_arrays([np.eye(2), None, np.eye(3)], ["x", None, "y"], ncols=2)
    >>> [ax.get_title() for ax in fig.axes if ax.get_visible()]
    ['x', 'y']
    """
    masks = masks or [None] * len(arrays)
    fig, axes = panel_grid(len(arrays), ncols, size, title)
    for ax, array, name, mask in zip(axes.flat, arrays, titles, masks):
        if array is None:
            ax.set_visible(False)
            continue
        draw_array(ax, array, name, cmap=cmap, mask=mask, fmt=fmt)
    return fig


def show_array(array, title, cmap=MAGNITUDE, mask=None, size=3.0, fmt="{:g}"):
    """One small array with its values written in its cells.

    >>> show_array(np.arange(4).reshape(2, 2), "x").axes[0].get_title()
    'x'
    """
    return show_arrays([array], [title], cmap=cmap, masks=[mask], size=size, fmt=fmt)


def show_images(images, titles, title=None, cmaps=None, size=3.0, colorbar=False, ncols=None):
    """Pictures side by side, without ticks; ``cmaps`` gives one colormap per picture.

    Signed pictures (``cmap=SIGNED``) get limits symmetric around zero. ``ncols`` pictures
    per row (all in one row by default); more wrap to the next rows.

    >>> fig = show_images([np.zeros((4, 4))], ["black"], title="One picture")
    >>> fig.axes[0].get_title()
    'black'
    >>> fig = show_images([np.zeros((4, 4))] * 3, ["a", "b", "c"], ncols=2)
    >>> sum(ax.get_visible() for ax in fig.axes), len(fig.axes)
    (3, 4)
    """
    cmaps = cmaps or [PHOTO] * len(images)
    fig, axes = panel_grid(len(images), ncols, size, title)
    for ax, image, name, cmap in zip(axes.flat, images, titles, cmaps):
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
                annotate=False, width=8.0, height=None, fontsize=8):
    """A matrix such as C as an image; zeros are white, signed values in ``PuOr``.

    Accepts dense arrays and ``scipy.sparse`` matrices. ``annotate`` writes the nonzero
    values in their cells, in ``fontsize`` points.

    >>> fig = show_matrix(np.eye(3), "I")
    >>> fig.axes[0].get_xlabel()
    'column: input pixel'
    >>> fig.canvas.draw(); [t.get_text() for t in fig.axes[1].get_yticklabels()]
    ['−1', '0', '1']
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
                ax.text(j, i, f"{value:g}", ha="center", va="center", fontsize=fontsize,
                        color=text_color(value, SIGNED, vmin, vmax))
    bar = fig.colorbar(shown, ax=ax, shrink=0.8, label="weight")
    if np.array_equal(dense, np.round(dense)):  # integer weights get integer ticks
        bar.locator = matplotlib.ticker.MaxNLocator(integer=True)
    return fig


#: kinds of cells in the arrays a kernel slides over
PAD, PIXEL, INSERTED = 0, 1, 2


def conv_cells(input_size, padding=0):
    """Cell kinds of a convolution's padded input: ``PIXEL`` inside, ``PAD`` around.

    >>> conv_cells(2, 1)
    array([[0, 0, 0, 0],
           [0, 1, 1, 0],
           [0, 1, 1, 0],
           [0, 0, 0, 0]])
    """
    return np.pad(np.full((input_size, input_size), PIXEL), padding, constant_values=PAD)


def transpose_cells(input_size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    """Cell kinds of the array a transposed convolution's equivalent convolution slides over:
    the input spread with ``INSERTED`` zeros, then ``PAD`` zeros (see
    :func:`tconv.shapes.equivalent_convolution`; negative padding crops).

    >>> transpose_cells(2, 3, stride=2, padding=1).shape
    (5, 5)
    """
    from .shapes import equivalent_convolution
    from .transpose import pad_or_crop

    e = equivalent_convolution(input_size, kernel_size, stride, padding, output_padding, dilation)
    spread = np.full((e["spread"], e["spread"]), INSERTED)
    spread[::stride, ::stride] = PIXEL
    edges = (e["pad_before"], e["pad_after"])
    return pad_or_crop(spread[None], edges, edges)[0]  # new cells are 0, that is PAD


def draw_sliding_frame(ax_in, ax_out, cells, kernel_size, position, stride=1, dilation=1):
    """One step of a kernel sliding over ``cells``: its taps on the left, the output on the
    right, with the output pixels computed so far shaded and the current one outlined.
    """
    rows, cols = cells.shape
    span = dilation * (kernel_size - 1) + 1
    out_h, out_w = (rows - span) // stride + 1, (cols - span) // stride + 1
    m, n = divmod(position, out_w)
    for ax in (ax_in, ax_out):
        ax.clear()
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.invert_yaxis()
    styles = {PAD: ("0.92", "////"), PIXEL: (OKABE_ITO[5], None), INSERTED: ("white", "..")}
    for (i, j), kind in np.ndenumerate(cells):
        face, hatch = styles[int(kind)]
        ax_in.add_patch(matplotlib.patches.Rectangle((j, i), 1, 1, facecolor=face, hatch=hatch,
                                                     edgecolor="0.5", linewidth=0.8))
    for a in range(kernel_size):
        for b in range(kernel_size):
            ax_in.add_patch(matplotlib.patches.Rectangle(
                (n * stride + b * dilation, m * stride + a * dilation), 1, 1,
                facecolor=OKABE_ITO[1], alpha=0.55, edgecolor=OKABE_ITO[1], linewidth=2))
    for i in range(out_h):
        for j in range(out_w):
            done = i * out_w + j < position
            face = OKABE_ITO[2] if done else "white"
            ax_out.add_patch(matplotlib.patches.Rectangle((j, i), 1, 1, facecolor=face,
                                                          alpha=0.6 if done else 1.0,
                                                          edgecolor="0.5", linewidth=0.8))
    ax_out.add_patch(matplotlib.patches.Rectangle((n, m), 1, 1, facecolor=OKABE_ITO[1],
                                                  alpha=0.55, edgecolor=OKABE_ITO[1],
                                                  linewidth=2))
    for ax, (height, width) in ((ax_in, (rows, cols)), (ax_out, (out_h, out_w))):
        ax.set_xlim(-0.2, max(cols, out_w) + 0.2)
        ax.set_ylim(max(rows, out_h) + 0.2, -0.2)
    ax_in.set_xlabel(f"input side {rows} (hatched: zeros)")
    ax_out.set_xlabel(f"output {out_h}×{out_w}")
    return out_h * out_w


def sliding_animation_svg(cells, kernel_size, title, stride=1, dilation=1, seconds=0.7,
                          cell=18, legend=True, font=14):
    """An animated SVG of a kernel sliding over ``cells`` (kinds ``PAD``, ``PIXEL``,
    ``INSERTED``), and the output filling up, one output pixel per step.

    The animation is declarative SVG (SMIL), so it plays in a browser, in JupyterLab and
    on the static site without any script, and it is the same text on every run.
    Show it with ``IPython.display.SVG(svg)``. Returns ``(svg, frames)``.

    The picture is as narrow as its content, with ``font``-pixel text and the colour legend
    (``legend=False`` leaves it out) on two lines, so that it stays legible when a phone
    scales it down.

    >>> svg, frames = sliding_animation_svg(conv_cells(3), 2, "a 2×2 kernel on 3×3")
    >>> frames, svg.startswith("<svg")
    (4, True)
    """
    rows, cols = cells.shape
    span = dilation * (kernel_size - 1) + 1
    out_h, out_w = (rows - span) // stride + 1, (cols - span) // stride + 1
    frames = out_h * out_w
    gap, top, line = 3 * cell // 2, font + 2 * cell // 3 + 8, font + 4
    # text widths, generous for a sans-serif font (about 0.47 em a character, 0.5 em in bold,
    # measured in Chromium): 0.55 em, 0.58 em in bold
    label = f"input {rows}×{cols}"
    left_width = max(cols * cell, round(0.55 * font * len(label)) + cell)
    legend = ["orange: kernel · green: computed",
              "hatched: padding · dotted: inserted"] if legend else []
    width = max(left_width + out_w * cell + 3 * gap,
                gap + round(0.58 * font * len(title)) + cell,
                *(gap + round(0.55 * font * len(text)) + cell for text in legend))  # all text fits
    height = top + max(rows, out_h) * cell + line * (1 + len(legend)) + 8
    total = frames * seconds
    steps = ";".join(f"{(p % out_w) * stride * cell},{(p // out_w) * stride * cell}"
                     for p in range(frames))
    out_steps = ";".join(f"{(p % out_w) * cell},{(p // out_w) * cell}" for p in range(frames))
    keys = ";".join(f"{p / frames:.4f}" for p in range(frames))
    move = (f'<animateTransform attributeName="transform" type="translate" calcMode="discrete" '
            f'dur="{total:g}s" repeatCount="indefinite" keyTimes="{keys}" values="{{}}"/>')
    fills = {PAD: "#ebebeb", PIXEL: OKABE_ITO[5], INSERTED: "#ffffff"}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="{font}">',
        '<defs><pattern id="hatch" width="5" height="5" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="5" stroke="#999" '
        'stroke-width="1.2"/></pattern><pattern id="dots" width="6" height="6" '
        'patternUnits="userSpaceOnUse"><circle cx="3" cy="3" r="1.1" fill="#777"/>'
        '</pattern></defs>',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{gap}" y="{font + 4}" font-weight="bold">{title}</text>',
    ]
    x0, y0 = gap, top
    for (i, j), kind in np.ndenumerate(cells):
        x, y = x0 + j * cell, y0 + i * cell
        parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" '
                     f'fill="{fills[int(kind)]}" stroke="#888"/>')
        if kind != PIXEL:
            pattern = "hatch" if kind == PAD else "dots"
            parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" '
                         f'fill="url(#{pattern})"/>')
    taps = "".join(
        f'<rect x="{x0 + b * dilation * cell}" y="{y0 + a * dilation * cell}" width="{cell}" '
        f'height="{cell}" fill="{OKABE_ITO[1]}" fill-opacity="0.55" stroke="{OKABE_ITO[1]}" '
        f'stroke-width="2"/>' for a in range(kernel_size) for b in range(kernel_size))
    parts.append(f"<g>{taps}{move.format(steps)}</g>")
    x1 = x0 + left_width + gap
    for p in range(frames):
        i, j = divmod(p, out_w)
        done = f"0;{(p + 1) / frames:.4f}" if p + 1 < frames else "0"
        shade = (f'<animate attributeName="fill-opacity" calcMode="discrete" dur="{total:g}s" '
                 f'repeatCount="indefinite" keyTimes="{done}" values="{"0;0.6" if p + 1 < frames else "0"}"/>')
        parts.append(f'<rect x="{x1 + j * cell}" y="{y0 + i * cell}" width="{cell}" '
                     f'height="{cell}" fill="{OKABE_ITO[2]}" fill-opacity="0" stroke="#888">'
                     f'{shade}</rect>')
    parts.append(f'<g><rect x="{x1}" y="{y0}" width="{cell}" height="{cell}" '
                 f'fill="{OKABE_ITO[1]}" fill-opacity="0.55" stroke="{OKABE_ITO[1]}" '
                 f'stroke-width="2"/>{move.format(out_steps)}</g>')
    below = y0 + max(rows, out_h) * cell + line
    parts.append(f'<text x="{x0}" y="{below}">{label}</text>')
    parts.append(f'<text x="{x1}" y="{below}">output {out_h}×{out_w}</text>')
    for n, text in enumerate(legend, 1):
        parts.append(f'<text x="{x0}" y="{below + n * line}" fill="#444">{text}</text>')
    parts.append("</svg>")
    return "\n".join(parts), frames


def stack_svgs(svgs):
    """Several SVG pictures one above the other, as one SVG.

    >>> stack_svgs(['<svg width="10" height="5"></svg>'] * 2)[:44]
    '<svg xmlns="http://www.w3.org/2000/svg" widt'
    """
    import re

    sizes = [tuple(int(v) for v in re.search(r'width="(\d+)" height="(\d+)"', s).groups())
             for s in svgs]
    width, height = max(w for w, _ in sizes), sum(h for _, h in sizes)
    parts, y = [], 0
    for svg, (_, h) in zip(svgs, sizes):
        parts.append(svg.replace("<svg ", f'<svg y="{y}" ', 1))
        y += h
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">' + "\n".join(parts) + "</svg>")


def show_sliding_cases(cases, title, size=2.2):
    """First frames of several sliding kernels side by side; ``cases`` holds
    ``(name, cells, kernel_size, stride, dilation)``.

    >>> fig = show_sliding_cases([("no padding", conv_cells(4), 3, 1, 1)], "One case")
    >>> len(fig.axes)
    2
    """
    fig, axes = figure(ncols=2, nrows=len(cases), width=size, height=size, title=title)
    for row, (name, cells, kernel_size, stride, dilation) in enumerate(cases):
        draw_sliding_frame(axes[row, 0], axes[row, 1], cells, kernel_size, 0, stride, dilation)
        axes[row, 0].set_title(name, fontsize=10)
    return fig


def show_bars(series, titles, title, xlabel, ylabel, size=(2.6, 2.0), ncols=2):
    """One bar chart per 1-D series of counts, ``ncols`` per row, on the same y scale.

    Both axes count (pixels, stamps), so their ticks are integers.

    >>> fig = show_bars([[1, 2, 1]], ["k = 3, s = 2"], "Overlap", "output pixel", "count")
    >>> fig.axes[0].get_xlabel(), [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ('output pixel', ['0', '1', '2'])
    """
    ncols = min(ncols, len(series))
    nrows = -(-len(series) // ncols)
    fig, axes = figure(ncols=ncols, nrows=nrows, width=size[0], height=size[1], title=title)
    for ax in axes.flat[len(series):]:
        ax.set_visible(False)
    top = max(max(s) for s in series)
    for ax, values, name in zip(axes.flat, series, titles):
        ax.bar(range(len(values)), values, color=OKABE_ITO[0], edgecolor="white")
        ax.set_title(name)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, top + 0.5)
        ax.set_yticks(range(0, int(top) + 1))
        ax.set_xticks(range(0, len(values), -(-len(values) // 8)))  # at most 8 ticks
    return fig


def plot_lines(x, ys, labels, title, xlabel, ylabel, logx=False, logy=False,
               legend_outside=False):
    """Several curves against one x axis, with markers, a legend and a grid.

    Missing values (NaN) leave a gap. ``legend_outside`` puts the legend under the
    axes, in two columns, where it cannot hide a curve. The figure is 5.6 inches wide,
    so that its 10-point text stays legible when a phone shrinks it to its screen.

    >>> fig = plot_lines([1, 2], [[1, 2], [2, 4]], ["a", "b"], "t", "x", "y")
    >>> fig.axes[0].get_ylabel()
    'y'
    >>> fig = plot_lines([1, 2], [[1, 2]], ["a"], "t", "x", "y", legend_outside=True)
    >>> len(fig.legends), float(fig.get_figwidth())
    (1, 5.6)
    >>> plt.close("all")
    """
    fig, axes = figure(width=5.6, height=4.4 if legend_outside else 3.6)
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
        fig.legend(loc="outside lower center", ncols=2, fontsize=9)
    else:
        ax.legend(fontsize=9)
    return fig


def show_learning_curves(histories, labels, title, targets=None):
    """Training loss and test accuracy per epoch, one curve per training run.

    ``histories`` are dicts as :func:`tconv.train.train` returns them (keys
    ``"epoch"``, ``"loss"``, ``"test_accuracy"``); ``targets`` (one accuracy in
    [0, 1] or None per run) are drawn as dashed lines in the run's color.

    >>> h = {"epoch": [1, 2], "loss": [0.5, 0.2], "test_accuracy": [0.9, 0.95]}
    >>> fig = show_learning_curves([h], ["a net"], "Learning", targets=[0.93])
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['mean training loss', 'test accuracy (%)']

    The two panels are stacked, loss above accuracy, so that the figure stays legible
    on a phone.
    """
    if len(histories) != len(labels):
        raise ValueError(f"show_learning_curves: {len(histories)} histories but {len(labels)} "
                         f"labels; give one label per history.")
    targets = targets if targets is not None else [None] * len(histories)
    fig, axes = figure(nrows=2, width=5.6, height=3.0, title=title)
    loss_ax, accuracy_ax = axes[:, 0]
    markers = ["o", "s", "^", "D", "v"]
    for i, (history, label, target) in enumerate(zip(histories, labels, targets)):
        color, marker = OKABE_ITO[i % len(OKABE_ITO)], markers[i % len(markers)]
        loss_ax.plot(history["epoch"], history["loss"], marker=marker, color=color, label=label)
        accuracy = 100 * np.asarray(history["test_accuracy"])
        accuracy_ax.plot(history["epoch"], accuracy, marker=marker, color=color, label=label)
        if target is not None:
            accuracy_ax.axhline(100 * target, color=color, linestyle="--", linewidth=1,
                                label=f"target {label}")
    for ax, name, ylabel in ((loss_ax, "Training loss", "mean training loss"),
                             (accuracy_ax, "Accuracy on the test digits", "test accuracy (%)")):
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=9)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    loss_ax.set_yscale("log")
    return fig


def show_confusion(counts, title, class_names=None, size=5.0):
    """A confusion matrix: row = true class, column = predicted class, counts written in.

    The colors show the *mistakes* (off-diagonal cells, ``cividis``); the diagonal,
    the correct predictions, is drawn in light gray so that it does not swamp them.

    >>> fig = show_confusion(np.array([[5, 1], [0, 6]]), "Two classes")
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
    ('predicted class', 'true class')
    """
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"show_confusion: counts must be a square matrix; got shape "
                         f"{counts.shape}.")
    classes = counts.shape[0]
    class_names = class_names if class_names is not None else [str(c) for c in range(classes)]
    mistakes = counts.astype(float)
    np.fill_diagonal(mistakes, np.nan)
    cmap = matplotlib.colormaps[MAGNITUDE].with_extremes(bad="0.88")
    vmax = max(np.nanmax(mistakes), 1.0)
    fig, axes = figure(width=size + 1.0, height=size, title=title)
    ax = axes[0, 0]
    shown = ax.imshow(mistakes, cmap=cmap, vmin=0, vmax=vmax)
    for (t, q), value in np.ndenumerate(counts):
        color = "black" if t == q else text_color(value, MAGNITUDE, 0, vmax)
        weight = "bold" if t == q else "normal"
        ax.text(q, t, f"{value:d}", ha="center", va="center", fontsize=9, color=color,
                fontweight=weight)
    ax.set_xticks(range(classes), class_names)
    ax.set_yticks(range(classes), class_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    fig.colorbar(shown, ax=ax, shrink=0.8, label="images misclassified (off the diagonal)",
                 ticks=matplotlib.ticker.MaxNLocator(integer=True))
    return fig


def show_image_grid(images, titles, title, xlabel, ncols=10, size=1.1, cmap=PHOTO):
    """Many small pictures in rows of ``ncols``, each with a short title, no ticks.

    ``xlabel``, written under the grid, says what the pictures and their titles are.
    Pictures are drawn with their own range of values (``cmap="gray"``: black is the
    smallest, white the largest); unused cells of the last row are left blank.

    >>> fig = show_image_grid(np.zeros((3, 4, 4)), ["a", "b", "c"], "Three", "x", ncols=2)
    >>> [ax.get_title() for ax in fig.axes if ax.get_visible()]
    ['a', 'b', 'c']
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"show_image_grid: images must have shape (N, H, W); got "
                         f"{images.shape}.")
    if len(titles) != len(images):
        raise ValueError(f"show_image_grid: {len(images)} images but {len(titles)} titles.")
    if len(images) == 0:
        raise ValueError("show_image_grid: no images to show.")
    ncols = min(ncols, len(images))
    nrows = -(-len(images) // ncols)
    fig, axes = figure(ncols=ncols, nrows=nrows, width=size, height=size * 1.15, title=title)
    for ax in axes.flat[len(images):]:
        ax.set_visible(False)
    for ax, image, name in zip(axes.flat, images, titles):
        ax.imshow(image, cmap=cmap)
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.supxlabel(xlabel, fontsize=10)
    return fig


def show_image_rows(rows, row_labels, title, xlabel, cmaps=None, titles=None, size=1.0):
    """Rows of small pictures, each row with its own label and colormap, no ticks.

    ``rows`` is a list of arrays of shape (n, H, W), one per row (rows may be shorter
    than the longest; the rest of the row is left blank). ``row_labels`` name the
    rows, at their left. A row drawn with ``cmap="gray"`` shows values 0 (black) to
    1 (white); with ``SIGNED`` (``PuOr``) each picture gets limits symmetric around
    zero, so that zero is white, positive values purple and negative values orange;
    any other colormap spans each picture's own range.

    >>> fig = show_image_rows([np.zeros((3, 4, 4)), np.ones((2, 4, 4)) - 2], ["pixels", "signed"],
    ...                       "Two rows", "pictures", cmaps=[PHOTO, SIGNED])
    >>> sum(ax.get_visible() for ax in fig.axes), fig.axes[3].get_ylabel()
    (5, 'signed')
    >>> plt.close(fig)
    """
    fn = "show_image_rows"
    rows = [np.asarray(row) for row in rows]
    if not rows or any(row.ndim != 3 or len(row) == 0 for row in rows):
        raise ValueError(f"{fn}: rows must be a non-empty list of arrays of shape (n, H, W) "
                         f"with n >= 1; got shapes {[row.shape for row in rows]}.")
    cmaps = cmaps if cmaps is not None else [PHOTO] * len(rows)
    titles = titles if titles is not None else [[""] * len(row) for row in rows]
    for name, values in (("row_labels", row_labels), ("cmaps", cmaps), ("titles", titles)):
        if len(values) != len(rows):
            raise ValueError(f"{fn}: {len(rows)} rows but {len(values)} {name}; give one per row.")
    ncols = max(len(row) for row in rows)
    fig, axes = figure(ncols=ncols, nrows=len(rows), width=size, height=size * 1.1, title=title)
    for ax_row, row, label, cmap, names in zip(axes, rows, row_labels, cmaps, titles):
        for ax in ax_row[len(row):]:
            ax.set_visible(False)
        for ax, image, name in zip(ax_row, row, names):
            vmin, vmax = color_limits(image, cmap)
            ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax)
            ax.set_title(name, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        ax_row[0].set_ylabel(label, fontsize=9)
    fig.supxlabel(xlabel, fontsize=10)
    return fig


#: colors of segmentation classes: light gray for the background (class 0), then one color
#: per digit 0-9: Okabe and Ito's eight (with yellow) and two of Paul Tol's (wine, olive).
#: No ten colors are told apart by every reader, so :func:`show_segmentation` also writes
#: each region's class in it.
SEGMENT_COLORS = ["#E4E4E4", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                  "#F0E442", "#882255", "#999933", "#000000"]


def show_segmentation(canvases, masks, title, predictions=None, class_names=None, size=2.3):
    """Canvases beside their label masks: one row per canvas, columns canvas, true mask
    and, if ``predictions`` are given, the predicted mask and the wrong pixels.

    Masks hold classes ``0 .. len(class_names) - 1`` (at most 11), drawn with
    :data:`SEGMENT_COLORS`; each class with at least 8 pixels in a mask has its name
    written at the median row and column of those pixels, and a legend names the
    colors. ``class_names`` defaults to ``"background"``, ``"0"``, ..., ``"9"``.

    >>> masks = np.zeros((2, 6, 12), int); masks[:, 1:5, 1:5] = 3
    >>> fig = show_segmentation(np.zeros((2, 6, 12)), masks, "Two canvases", predictions=masks)
    >>> [ax.get_title() for ax in fig.axes[:4]]
    ['canvas', 'true mask', 'predicted mask', 'wrong pixels (0)']
    >>> plt.close(fig)
    """
    fn = "show_segmentation"
    class_names = (["background"] + [str(d) for d in range(10)] if class_names is None
                   else list(class_names))
    if not 1 <= len(class_names) <= len(SEGMENT_COLORS):
        raise ValueError(f"{fn}: {len(class_names)} class_names; at most {len(SEGMENT_COLORS)} "
                         f"classes can be drawn.")
    canvases, masks = np.asarray(canvases), np.asarray(masks)
    arrays = [canvases, masks] + ([] if predictions is None else [np.asarray(predictions)])
    if canvases.ndim != 3 or len(canvases) == 0 or any(a.shape != canvases.shape for a in arrays):
        raise ValueError(f"{fn}: canvases, masks (and predictions) must have the same shape "
                         f"(n, H, W) with n >= 1; got {[a.shape for a in arrays]}.")
    for name, labels in zip(("masks", "predictions"), arrays[1:]):
        if labels.min() < 0 or labels.max() >= len(class_names):
            raise ValueError(f"{fn}: {name} must hold classes 0 .. {len(class_names) - 1}; got "
                             f"values from {labels.min()} to {labels.max()}.")
    cmap = matplotlib.colors.ListedColormap(SEGMENT_COLORS[:len(class_names)])
    ncols = 2 if predictions is None else 4
    height, width = canvases.shape[1:]
    fig, axes = figure(ncols=ncols, nrows=len(canvases), width=size,
                       height=size * height / width + 0.45, title=title)
    for n, ax_row in enumerate(axes):
        ax_row[0].imshow(canvases[n], cmap=PHOTO)
        ax_row[0].set_title("canvas", fontsize=9)
        panels = [(masks[n], "true mask")]
        if predictions is not None:
            panels.append((arrays[2][n], "predicted mask"))
        for ax, (labels, name) in zip(ax_row[1:], panels):
            ax.imshow(labels, cmap=cmap, vmin=-0.5, vmax=len(class_names) - 0.5,
                      interpolation="nearest")
            ax.set_title(name, fontsize=9)
            for c in range(1, len(class_names)):
                rows, cols = np.nonzero(labels == c)
                if len(rows) >= 8:
                    ax.text(np.median(cols), np.median(rows), class_names[c], fontsize=9,
                            ha="center", va="center",
                            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                                  "edgecolor": "none", "alpha": 0.8})
        if predictions is not None:
            wrong = arrays[2][n] != masks[n]
            ax_row[3].imshow(wrong, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
            ax_row[3].set_title(f"wrong pixels ({int(wrong.sum())})", fontsize=9)
        for ax in ax_row:
            ax.set_xticks([])
            ax.set_yticks([])
        ax_row[0].set_ylabel(f"canvas {n + 1}", fontsize=9)
    handles = [matplotlib.patches.Patch(facecolor=color, edgecolor="0.5", label=name)
               for color, name in zip(SEGMENT_COLORS, class_names)]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6),
               fontsize=9, title="classes (last column: wrong pixels in black)"
               if predictions is not None else "classes", title_fontsize=9, handlelength=1.2,
               columnspacing=0.8)
    return fig


def social_preview(path):
    """Draw the site's social-preview image (1200×630 px) and save it as a PNG at ``path``.

    The picture is the course's running example: a 4×4 input of ones through a 3×3 kernel of
    ones with stride 2, whose output counts how many kernel stamps overlap at each pixel.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "preview.png"
    >>> social_preview(out)
    >>> plt.imread(out).shape
    (630, 1200, 4)
    """
    from tconv.transpose import conv_transpose2d

    counts = conv_transpose2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=2)[0, 0]
    fig = plt.figure(figsize=(12, 6.3), dpi=100, facecolor="white")
    fig.text(0.05, 0.62, "Transposed convolution,\nfrom C to Cᵀ", fontsize=36, va="center",
             fontweight="bold", color="#1a1a1a")
    fig.text(0.05, 0.28, "An open course with executable chapters:\nconvolution as a matrix C, "
             "its transpose Cᵀ,\nthe PyTorch and TensorFlow layers, MNIST on a CPU.",
             fontsize=17, va="center", color="#333333")
    ax = fig.add_axes((0.68, 0.14, 0.28, 0.28 * 12 / 6.3))
    ax.imshow(counts, cmap=MAGNITUDE, vmin=0, vmax=counts.max())
    for (row, col), value in np.ndenumerate(counts):
        ax.text(col, row, f"{value:g}", ha="center", va="center", fontsize=12,
                color=text_color(value, MAGNITUDE, 0, counts.max()))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("stamps overlapping\nat each output pixel", fontsize=13)
    fig.savefig(path, dpi=100, facecolor="white")
    plt.close(fig)
