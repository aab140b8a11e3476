"""Automatic checks for the exercises.

Each check prints one line starting with ``Correct`` when the answer is right,
and raises :class:`WrongAnswer` saying *what* is wrong when it is not: which
shape, which entry, which test case. For example::

    WrongAnswer: conv2d_output_size(i=6, k=3, s=2, p=0, d=1): you return 3.0, expected 2.

Checks come in two kinds: ``*_answer`` checks a value you computed, and
``*_function`` calls a function you wrote on many cases and compares it with
``tconv``'s tested version.
"""

import itertools

import numpy as np

from . import shapes
from .conv import conv2d
from .matrix import conv_matrix, im2col


class WrongAnswer(AssertionError):
    """An answer that is not right; the message says what is wrong."""


def correct(message):
    """Print the line that says an answer is right.

    >>> correct("all 3 cases")
    Correct: all 3 cases.
    """
    print(f"Correct: {message}.")


def format_call(name, arguments):
    """``name(a=1, b=2)`` for messages.

    >>> format_call("f", {"i": 5, "k": 3})
    'f(i=5, k=3)'
    """
    inside = ", ".join(f"{key}={value!r}" for key, value in arguments.items())
    return f"{name}({inside})"


def compare_arrays(answer, expected, what="your answer", atol=1e-6):
    """Raise :class:`WrongAnswer` unless ``answer`` has ``expected``'s shape and values.

    The message names the wrong shape, or the first wrong entry and how many
    entries are wrong.

    >>> compare_arrays([[1, 2]], np.array([[1, 2]]))
    >>> compare_arrays([[1, 3]], np.array([[1, 2]]))
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: your answer: entry [0, 1] is 3, expected 2 (1 of 2 entries wrong).
    """
    expected = np.asarray(expected)
    if answer is None:
        raise WrongAnswer(f"{what} is None; expected an array of shape {expected.shape}. "
                          f"Did you forget to return it?")
    if hasattr(answer, "toarray"):
        answer = answer.toarray()
    try:
        answer = np.asarray(answer, dtype=float)
    except (TypeError, ValueError) as error:
        raise WrongAnswer(f"{what} cannot be read as an array of numbers ({error}).") from None
    if answer.shape != expected.shape:
        raise WrongAnswer(f"{what} has shape {answer.shape}, expected {expected.shape}.")
    wrong = ~np.isclose(answer, expected, atol=atol, rtol=1e-6)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        raise WrongAnswer(
            f"{what}: entry {list(index)} is {answer[index]:g}, expected {expected[index]:g} "
            f"({int(wrong.sum())} of {wrong.size} entries wrong)."
        )


def compare_values(answer, expected, what):
    """Raise :class:`WrongAnswer` unless ``answer == expected`` (numbers, tuples, sets).

    >>> compare_values((1, 2), (1, 2), "f(3)")
    >>> compare_values(3, 4, "f(3)")
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: f(3): you return 3, expected 4.
    """
    same = answer == expected
    if isinstance(same, np.ndarray):
        same = same.all()
    if not same:
        raise WrongAnswer(f"{what}: you return {answer!r}, expected {expected!r}.")


def call(fn, arguments, what):
    """Call a student's function; if it fails, say on which case, as a :class:`WrongAnswer`.

    >>> call(len, ([1, 2],), "len of a list")
    2
    """
    try:
        return fn(*arguments)
    except Exception as error:  # the student's code failed: say on which case
        raise WrongAnswer(f"{what} raised {type(error).__name__}: {error}") from error


def function_cases(fn, reference, cases, name):
    """Call ``fn`` and ``reference`` on every case (a dict of keyword arguments) and compare.

    >>> function_cases(lambda a: a + 1, lambda a: a + 1, [{"a": 1}, {"a": 2}], "f")
    Correct: f agrees on all 2 cases.
    """
    for case in cases:
        expected = reference(**case)
        what = format_call(name, case)
        answer = call(fn, tuple(case.values()), what)  # positional: any parameter names
        if isinstance(expected, np.ndarray) or hasattr(expected, "toarray"):
            compare_arrays(answer, expected.toarray() if hasattr(expected, "toarray") else expected,
                           what)
        else:
            compare_values(answer, expected, what)
    correct(f"{name} agrees on all {len(cases)} cases")


# ---------------------------------------------------------------- chapter 1


def conv2d_output_size_function(fn):
    """Check ``fn(i, k, s, p, d)``, the output size of a convolution, on 270 cases.

    >>> conv2d_output_size_function(lambda i, k, s, p, d: (i + 2*p - d*(k - 1) - 1) // s + 1)
    Correct: conv2d_output_size agrees on all 270 cases.
    """
    cases = [
        dict(i=i, k=k, s=s, p=p, d=d)
        for i, k, s, p, d in itertools.product(range(5, 11), (1, 2, 3), (1, 2, 3), (0, 1), (1, 2, 3))
        if d * (k - 1) + 1 <= i + 2 * p
    ][:270]

    def reference(i, k, s, p, d):
        return shapes.conv2d_output_size(i, k, stride=s, padding=p, dilation=d)

    function_cases(fn, reference, cases, "conv2d_output_size")


def same_padding_function(fn):
    """Check ``fn(i, k, s)``, TensorFlow's SAME padding ``(before, after)``, on many cases.

    >>> same_padding_function(lambda i, k, s: __import__("tconv").same_padding(i, k, s))
    Correct: same_padding agrees on all 150 cases.
    """
    cases = [dict(i=i, k=k, s=s) for i in range(1, 11) for k in (1, 2, 3, 4, 5) for s in (1, 2, 3)]

    def reference(i, k, s):
        return shapes.same_padding(i, k, stride=s)

    function_cases(lambda i, k, s: tuple(fn(i, k, s)), reference, cases, "same_padding")


def conv2d_answer(answer, x, weight, **options):
    """Check an output you computed by hand against ``tconv.conv2d(x, weight, **options)``.

    >>> x, w = np.arange(9).reshape(1, 3, 3), np.ones((1, 1, 2, 2))
    >>> conv2d_answer([[[8, 12], [20, 24]]], x, w)
    Correct: the output is right.
    >>> conv2d_answer([[8, 12], [20, 24]], x, w)
    Correct: the output is right.
    """
    expected = conv2d(x, weight, **options)
    if np.ndim(answer) == 2 and expected.size == np.prod(expected.shape[-2:]):
        expected = expected.reshape(expected.shape[-2:])  # one channel: a 2-D answer is fine
    compare_arrays(answer, expected, "your output")
    correct("the output is right")


def input_sizes_answer(answer, output_size, kernel_size, stride, padding=0):
    """Check the set of all input sizes that give ``output_size`` (a convolution's many-to-one).

    >>> input_sizes_answer({7, 8}, output_size=3, kernel_size=3, stride=2)
    Correct: input sizes 7, 8 all give 3.
    """
    expected = {
        i for i in range(1, 10 * (output_size + kernel_size) * stride)
        if kernel_size <= i + 2 * padding
        and shapes.conv2d_output_size(i, kernel_size, stride, padding) == output_size
    }
    answer = set(int(i) for i in answer)
    missing, extra = sorted(expected - answer), sorted(answer - expected)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {missing}")
        if extra:
            parts.append(f"{extra} give other sizes")
        raise WrongAnswer(f"input sizes: {'; '.join(parts)}.")
    correct(f"input sizes {', '.join(str(i) for i in sorted(expected))} all give {output_size}")


def conv2d_function(fn, seed=0):
    """Check ``fn(x, weight, bias, stride, padding)`` on random multi-channel cases.

    ``x`` is (C_in, H, W), ``weight`` (C_out, C_in, kH, kW), ``bias`` (C_out,),
    ``stride`` and ``padding`` ints.

    >>> conv2d_function(lambda x, weight, bias, stride, padding:
    ...     conv2d(x, weight, bias, stride=stride, padding=padding))
    Correct: your convolution agrees on all 12 cases.
    """
    rng = np.random.default_rng(seed)
    for case in range(12):
        c_in, c_out = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        k, stride, padding = int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(0, 2))
        h, w = int(rng.integers(k, 8)), int(rng.integers(k, 8))
        x = rng.integers(-3, 4, (c_in, h, w)).astype(float)
        weight = rng.integers(-2, 3, (c_out, c_in, k, k)).astype(float)
        bias = rng.integers(-2, 3, c_out).astype(float)
        what = (f"case {case + 1}: x {x.shape}, weight {weight.shape}, "
                f"stride={stride}, padding={padding}")
        answer = call(fn, (x, weight, bias, stride, padding), what)
        compare_arrays(answer, conv2d(x, weight, bias, stride=stride, padding=padding), what)
    correct("your convolution agrees on all 12 cases")


# ---------------------------------------------------------------- chapter 2


def conv_matrix_shape_answer(answer, weight_shape, input_size, **options):
    """Check the shape ``(rows, columns)`` of C you worked out.

    >>> conv_matrix_shape_answer((4, 16), (1, 1, 3, 3), (4, 4))
    Correct: C has shape (4, 16).
    """
    expected = conv_matrix(np.ones(weight_shape), input_size, **options).shape
    compare_values(tuple(int(v) for v in answer), tuple(expected), "the shape of C")
    correct(f"C has shape {tuple(expected)}")


def conv_matrix_nnz_function(fn):
    """Check ``fn(n, k, p)``: the nonzeros of C for an n x n input, k x k kernel, padding p.

    One channel, stride 1, every kernel weight nonzero.

    >>> conv_matrix_nnz_function(lambda n, k, p:
    ...     conv_matrix(np.ones((1, 1, k, k)), n, padding=p).nnz)
    Correct: nonzeros agrees on all 46 cases.
    """
    cases = [dict(n=n, k=k, p=p) for n in range(3, 9) for k in (1, 2, 3, 5) for p in (0, 1)
             if k <= n + 2 * p]

    def reference(n, k, p):
        return int(conv_matrix(np.ones((1, 1, k, k)), n, padding=p).nnz)

    function_cases(fn, reference, cases, "nonzeros")


def conv_matrix_1d_function(fn):
    """Check ``fn(kernel, n)``: the (n - k + 1) x n matrix of a 1-D convolution, stride 1.

    >>> conv_matrix_1d_function(lambda kernel, n:
    ...     conv_matrix(np.asarray(kernel, float).reshape(1, 1, 1, -1), (1, n)).toarray())
    Correct: conv_matrix_1d agrees on all 8 cases.
    """
    cases = [dict(kernel=kernel, n=n) for kernel in ([1.0], [1.0, -1.0], [1.0, 2.0, 3.0],
                                                       [0.5, 0.0, -0.5, 2.0])
             for n in (4, 6)]

    def reference(kernel, n):
        weight = np.asarray(kernel, dtype=float).reshape(1, 1, 1, -1)
        return conv_matrix(weight, (1, n)).toarray()

    function_cases(fn, reference, cases, "conv_matrix_1d")


def kernel_from_matrix_function(fn, seed=0):
    """Check ``fn(C, kernel_size, input_size)``: read the k x k kernel back out of C.

    One channel, stride 1, no padding.

    >>> def read_back(C, kernel_size, input_size):
    ...     return C.toarray()[0].reshape(input_size, input_size)[:kernel_size, :kernel_size]
    >>> kernel_from_matrix_function(read_back)
    Correct: kernel_from_matrix agrees on all 6 cases.
    """
    rng = np.random.default_rng(seed)
    count = 0
    for k, n in ((1, 3), (2, 3), (2, 5), (3, 4), (3, 6), (4, 4)):
        kernel = rng.integers(-4, 5, (k, k)).astype(float)
        C = conv_matrix(kernel.reshape(1, 1, k, k), n)
        what = f"kernel_from_matrix(C, kernel_size={k}, input_size={n})"
        answer = call(fn, (C, k, n), what)
        compare_arrays(answer, kernel, what)
        count += 1
    correct(f"kernel_from_matrix agrees on all {count} cases")


def im2col_bytes_function(fn):
    """Check ``fn(n, c, h, w, k, s, p, itemsize)``: bytes of the im2col matrix of a batch.

    >>> im2col_bytes_function(lambda n, c, h, w, k, s, p, itemsize:
    ...     im2col(np.zeros((n, c, h, w)), k, s, p).size * itemsize)
    Correct: im2col_bytes agrees on all 8 cases.
    """
    cases = [dict(n=n, c=c, h=h, w=w, k=k, s=s, p=p, itemsize=4)
             for n, c in ((1, 1), (2, 3)) for h, w in ((5, 5), (6, 7))
             for k, s, p in ((3, 1, 1), (2, 2, 0))]

    def reference(n, c, h, w, k, s, p, itemsize):
        out_h, out_w = shapes.conv2d_output_size((h, w), k, stride=s, padding=p)
        return n * c * k * k * out_h * out_w * itemsize

    function_cases(fn, reference, cases, "im2col_bytes")


# ---------------------------------------------------------------- chapter 3


def transpose_matrix_shape_answer(answer, weight_shape, input_size, **options):
    """Check the shape ``(rows, columns)`` of Cᵀ for a convolution layer.

    ``weight_shape`` and ``options`` describe the *convolution* (PyTorch's Conv2d layout);
    Cᵀ maps its output back to the size of its input.

    Examples
    --------
    >>> transpose_matrix_shape_answer((16, 4), (1, 1, 3, 3), (4, 4))
    Correct: Cᵀ has shape (16, 4).
    """
    expected = conv_matrix(np.ones(weight_shape), input_size, **options).T.shape
    compare_values(tuple(int(v) for v in answer), tuple(expected), "the shape of Cᵀ")
    correct(f"Cᵀ has shape {tuple(expected)}")


def conv_transpose_by_matrix_function(fn):
    """Check ``fn(y, kernel)``: one-channel transposed convolution (stride 1, no padding)
    computed as ``C.T @ y``, returned as an image of the convolution's input size.

    Examples
    --------
    >>> def by_matrix(y, kernel):
    ...     k = kernel.shape[0]
    ...     n = y.shape[0] + k - 1
    ...     C = conv_matrix(kernel.reshape(1, 1, k, k), n)
    ...     return (C.T @ y.reshape(-1)).reshape(n, n)
    >>> conv_transpose_by_matrix_function(by_matrix)
    Correct: conv_transpose_by_matrix agrees on all 6 cases.
    """
    from .transpose import conv_transpose2d

    rng = np.random.default_rng(3)
    count = 0
    for side, k in ((1, 1), (2, 2), (2, 3), (3, 2), (4, 3), (5, 1)):
        y = rng.integers(-3, 4, (side, side)).astype(float)
        kernel = rng.integers(-2, 3, (k, k)).astype(float)
        expected = conv_transpose2d(y[None], kernel[None, None])[0]
        what = f"conv_transpose_by_matrix(y of shape {y.shape}, kernel of shape {kernel.shape})"
        answer = call(fn, (y, kernel), what)
        compare_arrays(answer, expected, what)
        count += 1
    correct(f"conv_transpose_by_matrix agrees on all {count} cases")


def input_gradient_answer(answer, x_shape, weight, g, stride=1, padding=0):
    """Check the gradient of ``L = sum(conv2d(x, weight, stride, padding) * g)`` with respect
    to ``x`` (of shape ``x_shape``), computed without autograd.

    Examples
    --------
    >>> from tconv.transpose import conv_transpose2d
    >>> w, g = np.ones((1, 1, 2, 2)), np.ones((1, 2, 2))
    >>> input_gradient_answer(conv_transpose2d(g, w), (1, 3, 3), w, g)
    Correct: the gradient is right.
    """
    from .transpose import conv_transpose2d

    expected = conv_transpose2d(np.asarray(g, dtype=float), weight, stride=stride,
                                padding=padding, output_size=tuple(x_shape[-2:]))
    compare_arrays(answer, expected, "your gradient")
    correct("the gradient is right")


def gradient_output_padding_answer(answer, input_size, kernel_size, stride, padding=0):
    """Check the ``output_padding`` that gives a convolution's input gradient the input's size.

    Examples
    --------
    >>> gradient_output_padding_answer(1, 6, 3, stride=2, padding=1)
    Correct: output_padding=1 gives back 6 pixels.
    """
    out = shapes.conv2d_output_size(input_size, kernel_size, stride, padding)
    expected = shapes.output_padding_for_size(out, input_size, kernel_size, stride, padding)
    compare_values(int(answer), expected, "output_padding")
    correct(f"output_padding={expected} gives back {input_size} pixels")


# ---------------------------------------------------------------- chapter 4


def conv_transpose_loops_function(fn):
    """Check ``fn(x, w, stride, padding)``: a one-channel transposed convolution of a 2-D
    array ``x`` with a square kernel ``w``, returned as a 2-D array.

    Examples
    --------
    >>> from tconv.transpose import conv_transpose2d
    >>> conv_transpose_loops_function(lambda x, w, stride, padding:
    ...     conv_transpose2d(x[None], w[None, None], stride=stride, padding=padding)[0])
    Correct: conv_transpose_loops agrees on all 8 cases.
    """
    from .transpose import conv_transpose2d

    rng = np.random.default_rng(4)
    cases = [((2, 2), 3, 2, 1), ((3, 3), 3, 1, 0), ((2, 3), 2, 2, 0), ((3, 2), 4, 2, 1),
             ((1, 1), 3, 3, 1), ((4, 4), 3, 2, 0), ((2, 2), 5, 3, 2), ((3, 3), 1, 2, 0)]
    for shape, k, stride, padding in cases:
        x = rng.integers(-3, 4, shape).astype(float)
        w = rng.integers(-2, 3, (k, k)).astype(float)
        expected = conv_transpose2d(x[None], w[None, None], stride=stride, padding=padding)[0]
        what = f"case x {shape}, kernel {k}×{k}, stride={stride}, padding={padding}"
        answer = call(fn, (x, w, stride, padding), what)
        compare_arrays(answer, expected, what)
    correct(f"conv_transpose_loops agrees on all {len(cases)} cases")


def zero_inserted_size_function(fn):
    """Check ``fn(i, k, s, p)``: the side of the array that zero insertion convolves (the
    input with ``s - 1`` zeros between pixels, then ``k - 1 - p`` zeros on each side).

    Examples
    --------
    >>> zero_inserted_size_function(lambda i, k, s, p: (i - 1) * s + 1 + 2 * (k - 1 - p))
    Correct: zero_inserted_size agrees on all 36 cases.
    """
    cases = [dict(i=i, k=k, s=s, p=p) for i in (1, 2, 5) for k in (2, 3, 4) for s in (1, 2)
             for p in (0, 1)]

    def reference(i, k, s, p):
        return (i - 1) * s + 1 + 2 * (k - 1 - p)

    function_cases(fn, reference, cases, "zero_inserted_size")


def conv_weight_of_transpose_function(fn):
    """Check ``fn(weight, groups)``: the convolution weight that zero insertion uses.

    ``weight`` is a transposed convolution's (C_in, C_out / groups, kH, kW); the result is
    (C_out, C_in / groups, kH, kW), channel axes swapped within each group, rotated by 180°.

    Examples
    --------
    >>> from tconv.transpose import conv_weight_of_transpose
    >>> conv_weight_of_transpose_function(conv_weight_of_transpose)
    Correct: conv_weight_of_transpose agrees on all 4 cases.
    """
    from .transpose import conv_weight_of_transpose

    count = 0
    for shape, groups in (((1, 1, 2, 2), 1), ((2, 3, 3, 3), 1), ((4, 1, 2, 3), 2),
                          ((6, 2, 3, 3), 3)):
        weight = np.arange(float(np.prod(shape))).reshape(shape)
        what = f"conv_weight_of_transpose(weight of shape {shape}, groups={groups})"
        answer = call(fn, (weight, groups), what)
        compare_arrays(answer, conv_weight_of_transpose(weight, groups), what)
        count += 1
    correct(f"conv_weight_of_transpose agrees on all {count} cases")


def scatter_multiply_adds_function(fn):
    """Check ``fn(n, c_in, c_out, h, w, k, groups)``: multiply-adds of the scatter method
    (every input pixel times every kernel weight of its group, once).

    Examples
    --------
    >>> scatter_multiply_adds_function(lambda n, c_in, c_out, h, w, k, groups:
    ...     n * c_in * (c_out // groups) * h * w * k * k)
    Correct: scatter_multiply_adds agrees on all 6 cases.
    """
    cases = [dict(n=n, c_in=c_in, c_out=c_out, h=h, w=w, k=k, groups=g)
             for n, c_in, c_out, g in ((1, 1, 1, 1), (8, 64, 32, 1), (2, 6, 4, 2))
             for h, w, k in ((4, 4, 3), (5, 7, 4))]

    def reference(n, c_in, c_out, h, w, k, groups):
        return n * c_in * (c_out // groups) * h * w * k * k

    function_cases(fn, reference, cases, "scatter_multiply_adds")


# ---------------------------------------------------------------- chapter 5


def conv_transpose_output_size_function(fn):
    """Check ``fn(i, k, s, p, output_padding)``: the output size of a transposed convolution.

    Examples
    --------
    >>> conv_transpose_output_size_function(lambda i, k, s, p, output_padding:
    ...     (i - 1) * s - 2 * p + k + output_padding)
    Correct: conv_transpose_output_size agrees on all 90 cases.
    """
    cases = [dict(i=i, k=k, s=s, p=p, output_padding=op)
             for i in (1, 2, 5) for k in (1, 3, 4) for s in (1, 2, 3) for p in (0, 1)
             for op in range(s) if (i - 1) * s + k - 2 * p + op >= 1][:90]

    def reference(i, k, s, p, output_padding):
        return shapes.conv_transpose2d_output_size(i, k, s, p, output_padding)

    function_cases(fn, reference, cases, "conv_transpose_output_size")


def remainder_function(fn):
    """Check ``fn(i, k, s, p)``: the positions a strided convolution never reaches,
    ``a = (i + 2p - k) mod s``.

    Examples
    --------
    >>> remainder_function(lambda i, k, s, p: (i + 2 * p - k) % s)
    Correct: remainder agrees on all 60 cases.
    """
    cases = [dict(i=i, k=k, s=s, p=p) for i in (3, 4, 5, 6, 7) for k in (1, 3)
             for s in (1, 2, 3) for p in (0, 1)]

    def reference(i, k, s, p):
        return shapes.conv_remainder(i, k, s, p)

    function_cases(fn, reference, cases, "remainder")


def output_padding_function(fn):
    """Check ``fn(i, o, k, s, p)``: the ``output_padding`` that makes a transposed
    convolution of an ``i``-pixel input produce ``o`` pixels (``o`` is reachable).

    Examples
    --------
    >>> output_padding_function(lambda i, o, k, s, p: o - ((i - 1) * s - 2 * p + k))
    Correct: output_padding agrees on all 36 cases.
    """
    cases = []
    for i in (2, 3, 5, 8):
        for k, s, p in ((3, 2, 1), (4, 2, 1), (3, 3, 0), (5, 2, 2)):
            for o in shapes.reachable_sizes(i, k, s, p, 1):
                cases.append(dict(i=i, o=o, k=k, s=s, p=p))

    def reference(i, o, k, s, p):
        return shapes.output_padding_for_size(i, o, k, s, p)

    function_cases(fn, reference, cases, "output_padding")


# ---------------------------------------------------------------- chapter 6


def overlap_count_1d_function(fn):
    """Check ``fn(n, k, s)``: how many input pixels reach each output pixel of a 1-D
    transposed convolution (no padding), as an array.

    Examples
    --------
    >>> from tconv.upsample import overlap_count_1d
    >>> overlap_count_1d_function(overlap_count_1d)
    Correct: overlap_count_1d agrees on all 27 cases.
    """
    from .upsample import overlap_count_1d

    cases = [dict(n=n, k=k, s=s) for n in (1, 3, 5) for k in (1, 3, 4) for s in (1, 2, 3)]
    function_cases(fn, lambda n, k, s: overlap_count_1d(n, k, s), cases, "overlap_count_1d")


def even_overlap_function(fn):
    """Check ``fn(k, s)``: True when a transposed convolution with kernel ``k`` and stride
    ``s`` covers the interior of its output evenly (every pixel the same number of times).

    Examples
    --------
    >>> even_overlap_function(lambda k, s: k % s == 0)
    Correct: even_overlap agrees on all 18 cases.
    """
    from .upsample import overlap_count_1d

    cases = [dict(k=k, s=s) for k in range(1, 7) for s in (1, 2, 3)]

    def reference(k, s):
        interior = overlap_count_1d(3 * k + 3, k, s)[k:-k]
        return bool(len(set(interior.tolist())) == 1)

    function_cases(lambda k, s: bool(fn(k, s)), reference, cases, "even_overlap")  # any truthy


def bilinear_kernel_function(fn):
    """Check ``fn(factor)``: the FCN kernel of bilinear upsampling, size ``2f - f % 2``.

    Examples
    --------
    >>> from tconv.upsample import bilinear_kernel
    >>> bilinear_kernel_function(bilinear_kernel)
    Correct: bilinear_kernel agrees on all 4 cases.
    """
    from .upsample import bilinear_kernel

    cases = [dict(factor=f) for f in (1, 2, 3, 4)]
    function_cases(fn, bilinear_kernel, cases, "bilinear_kernel")


def pixel_shuffle_function(fn):
    """Check ``fn(x, r)``: ``(N, C·r², H, W) -> (N, C, H·r, W·r)`` as PyTorch's PixelShuffle.

    Examples
    --------
    >>> from tconv.upsample import pixel_shuffle
    >>> pixel_shuffle_function(pixel_shuffle)
    Correct: pixel_shuffle agrees on all 4 cases.
    """
    from .upsample import pixel_shuffle

    count = 0
    for shape, r in (((1, 4, 1, 1), 2), ((1, 4, 2, 3), 2), ((2, 9, 2, 2), 3), ((1, 8, 3, 2), 2)):
        x = np.arange(float(np.prod(shape))).reshape(shape)
        what = f"pixel_shuffle(x of shape {shape}, r={r})"
        answer = call(fn, (x, r), what)
        compare_arrays(answer, pixel_shuffle(x, r), what)
        count += 1
    correct(f"pixel_shuffle agrees on all {count} cases")


# ---------------------------------------------------------------- chapter 7


def max_pool_function(fn):
    """Check ``fn(x)``: 2×2 max pooling with stride 2 of a 2-D array ``x`` (even sides),
    returning ``(values, indices)`` with PyTorch's flat indices ``row * W + column``.

    Examples
    --------
    >>> from tconv.pooling import max_pool2d
    >>> max_pool_function(lambda x: [a[0] for a in max_pool2d(x[None], 2, return_indices=True)])
    Correct: max pooling agrees on all 4 cases.
    """
    from .pooling import max_pool2d

    rng = np.random.default_rng(5)
    shapes_ = ((2, 2), (4, 4), (2, 6), (6, 4))
    for shape in shapes_:
        x = rng.permutation(np.arange(float(np.prod(shape)))).reshape(shape)
        values, indices = max_pool2d(x[None], 2, return_indices=True)
        what = f"max pooling of a {shape[0]}×{shape[1]} input"
        answer_values, answer_indices = call(fn, (x,), what)
        compare_arrays(answer_values, values[0], what + ": the values")
        compare_arrays(answer_indices, indices[0], what + ": the indices")
    correct(f"max pooling agrees on all {len(shapes_)} cases")


def max_unpool_function(fn):
    """Check ``fn(values, indices, output_shape)``: put each value back at its flat index in
    a zero array of ``output_shape`` (2-D).

    Examples
    --------
    >>> def unpool(values, indices, output_shape):
    ...     y = np.zeros(output_shape)
    ...     y.reshape(-1)[indices.reshape(-1)] = values.reshape(-1)
    ...     return y
    >>> max_unpool_function(unpool)
    Correct: max unpooling agrees on all 3 cases.
    """
    from .pooling import max_pool2d, max_unpool2d

    rng = np.random.default_rng(6)
    cases = ((4, 4), (2, 6), (6, 6))
    for shape in cases:
        x = rng.permutation(np.arange(float(np.prod(shape)))).reshape(shape)
        values, indices = max_pool2d(x[None], 2, return_indices=True)
        expected = max_unpool2d(values, indices, 2, output_size=shape)[0]
        what = f"max unpooling to {shape[0]}×{shape[1]}"
        answer = call(fn, (values[0], indices[0], shape), what)
        compare_arrays(answer, expected, what)
    correct(f"max unpooling agrees on all {len(cases)} cases")


def avg_pool_weight_function(fn):
    """Check ``fn(channels, k)``: the depthwise convolution weight, shape (channels, 1, k, k),
    that makes ``conv2d(x, weight, stride=k, groups=channels)`` an average pooling.

    Examples
    --------
    >>> avg_pool_weight_function(lambda channels, k: np.full((channels, 1, k, k), 1 / k**2))
    Correct: avg_pool_weight agrees on all 4 cases.
    """
    cases = [dict(channels=c, k=k) for c in (1, 3) for k in (2, 3)]

    def reference(channels, k):
        return np.full((channels, 1, k, k), 1.0 / (k * k))

    function_cases(fn, reference, cases, "avg_pool_weight")


def max_pool_gradient_answer(answer, x, g):
    """Check the gradient of ``L = sum(max_pool2d(x, 2) * g)`` with respect to ``x``.

    Examples
    --------
    >>> x, g = np.array([[[1.0, 2.0], [4.0, 3.0]]]), np.array([[[5.0]]])
    >>> max_pool_gradient_answer([[[0, 0], [5, 0]]], x, g)
    Correct: the gradient is right.
    """
    from .pooling import max_pool2d, max_unpool2d

    _, indices = max_pool2d(x, 2, return_indices=True)
    expected = max_unpool2d(np.asarray(g, dtype=float), indices, 2, output_size=x.shape[-2:])
    compare_arrays(answer, expected, "your gradient")
    correct("the gradient is right")


# ---------------------------------------------------------------- chapter 8


def tf_output_sizes_answer(answer, input_size, kernel_size, stride, padding):
    """Check the list of output sizes ``tf.nn.conv2d_transpose`` accepts along one axis.

    Examples
    --------
    >>> tf_output_sizes_answer([7, 8], 4, 3, 2, "SAME")
    Correct: TensorFlow accepts 7 and 8.
    """
    from .port import reachable_tf_output_sizes

    expected = reachable_tf_output_sizes(input_size, kernel_size, stride, padding)
    compare_values(sorted(int(v) for v in answer), expected, "the accepted output sizes")
    correct(f"TensorFlow accepts {shapes.describe(expected)}")


def swapped_filter_function(fn):
    """Check ``fn(filters)``: a filter written in conv2d's layout [h, w, in, out], rearranged
    into conv2d_transpose's [h, w, out, in].

    Examples
    --------
    >>> swapped_filter_function(lambda filters: np.transpose(filters, (0, 1, 3, 2)))
    Correct: the filter layout agrees on all 3 cases.
    """
    count = 0
    for shape in ((3, 3, 1, 2), (2, 4, 3, 5), (1, 1, 4, 4)):
        filters = np.arange(float(np.prod(shape))).reshape(shape)
        what = f"the filter of shape {list(shape)}"
        answer = call(fn, (filters,), what)
        compare_arrays(answer, np.transpose(filters, (0, 1, 3, 2)), what)
        count += 1
    correct(f"the filter layout agrees on all {count} cases")


def keras_output_size_function(fn):
    """Check ``fn(i, k, s, padding, output_padding)``: the output size of Keras's
    ``Conv2DTranspose`` (no dilation; ``output_padding`` may be None).

    Examples
    --------
    >>> def size(i, k, s, padding, output_padding):
    ...     if output_padding is None:
    ...         return i * s + max(k - s, 0) if padding == "valid" else i * s
    ...     pad = k // 2 if padding == "same" else 0
    ...     return (i - 1) * s + k - 2 * pad + output_padding
    >>> keras_output_size_function(size)
    Correct: keras_output_size agrees on all 40 cases.
    """
    cases = [dict(i=i, k=k, s=s, padding=padding, output_padding=op)
             for i in (3, 4) for k in (2, 3) for s in (1, 2) for padding in ("valid", "same")
             for op in (None, 0, 1) if op is None or op < s]

    def reference(i, k, s, padding, output_padding):
        if output_padding is None:
            return i * s + max(k - s, 0) if padding == "valid" else i * s
        pad = k // 2 if padding == "same" else 0
        return (i - 1) * s + k - 2 * pad + output_padding

    function_cases(fn, reference, cases, "keras_output_size")


def tf_input_gradient_answer(answer, x, filters, g, strides, padding):
    """Check the gradient of ``sum(tf.nn.conv2d(x, filters, strides, padding) * g)`` with
    respect to ``x`` (NHWC arrays), computed independently with PyTorch's autograd.

    Examples
    --------
    >>> x, f = np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1))
    >>> g = np.ones((1, 2, 2, 1))
    >>> tf_input_gradient_answer([[[[1], [2], [1]], [[2], [4], [2]], [[1], [2], [1]]]],
    ...                          x, f, g, 1, "VALID")
    Correct: the gradient is right.
    """
    import torch
    import torch.nn.functional as F

    from .port import conv2d_tf_to_torch

    x = np.asarray(x, dtype=float)
    call = conv2d_tf_to_torch(filters, x.shape[1:3], strides, padding)
    t = torch.tensor(x.transpose(0, 3, 1, 2)).requires_grad_()
    padded = F.pad(t, call["pad"]) if call["pad"] else t
    y = F.conv2d(padded, torch.tensor(call["weight"].copy(), dtype=torch.float64),
                 stride=call["stride"], padding=call["padding"], dilation=call["dilation"])
    (y * torch.tensor(np.asarray(g, dtype=float).transpose(0, 3, 1, 2))).sum().backward()
    compare_arrays(answer, t.grad.numpy().transpose(0, 2, 3, 1), "your gradient", atol=1e-4)
    correct("the gradient is right")


# ---------------------------------------------------------------- chapter 9


def transpose_weight_shape_function(fn):
    """Check ``fn(in_channels, out_channels, k, groups)``: the weight shape of
    ``nn.ConvTranspose2d(in_channels, out_channels, k, groups=groups)``.

    Examples
    --------
    >>> transpose_weight_shape_function(lambda c_in, c_out, k, groups:
    ...     (c_in, c_out // groups, k, k))
    Correct: transpose_weight_shape agrees on all 6 cases.
    """
    cases = [dict(c_in=c_in, c_out=c_out, k=k, groups=g)
             for c_in, c_out, g in ((3, 8, 1), (8, 3, 1), (4, 6, 2)) for k in (2, 3)]

    def reference(c_in, c_out, k, groups):
        return (c_in, c_out // groups, k, k)

    function_cases(lambda *a: tuple(fn(*a)), reference, cases, "transpose_weight_shape")


def doubling_layer_answer(kernel_size, stride, padding, output_padding):
    """Check settings of a ConvTranspose2d that doubles every input size exactly.

    Examples
    --------
    >>> doubling_layer_answer(4, 2, 1, 0)
    Correct: every size from 1 to 32 doubles.
    """
    for i in range(1, 33):
        try:
            o = shapes.conv_transpose2d_output_size(i, kernel_size, stride, padding,
                                                    output_padding)
        except ValueError as error:
            raise WrongAnswer(f"these settings are invalid: {error}") from None
        if o != 2 * i:
            raise WrongAnswer(f"an input of {i} gives {o}, not {2 * i}.")
    correct("every size from 1 to 32 doubles")


def round_trip_answer(kernel_size, stride, padding):
    """Check settings shared by a Conv2d and a ConvTranspose2d (no output_padding) such that
    every even size is halved by the first and restored by the second.

    Examples
    --------
    >>> round_trip_answer(4, 2, 1)
    Correct: every even size from 2 to 64 is halved and restored.
    """
    for i in range(2, 65, 2):
        try:
            down = shapes.conv2d_output_size(i, kernel_size, stride, padding)
            up = shapes.conv_transpose2d_output_size(down, kernel_size, stride, padding)
        except ValueError as error:
            raise WrongAnswer(f"with an input of {i}: {error}") from None
        if down != i // 2 or up != i:
            raise WrongAnswer(f"an input of {i} goes to {down} and back to {up}, "
                              f"not {i // 2} and {i}.")
    correct("every even size from 2 to 64 is halved and restored")


def gradient_layer_function(fn):
    """Check ``fn(conv)``: an ``nn.ConvTranspose2d`` whose forward pass computes the input
    gradient of the ``nn.Conv2d`` ``conv`` (no bias), for inputs of the sizes the check uses.

    Examples
    --------
    >>> import torch
    >>> def gradient_layer(conv):
    ...     layer = torch.nn.ConvTranspose2d(conv.out_channels, conv.in_channels,
    ...         conv.kernel_size, stride=conv.stride, padding=conv.padding, bias=False)
    ...     layer.weight.data = conv.weight.data.clone()
    ...     return layer
    >>> gradient_layer_function(gradient_layer)
    Correct: the layer computes the input gradient in all 3 cases.
    """
    import torch

    torch.manual_seed(0)
    cases = ((3, 5, 3, 1, 1, 6), (2, 4, 4, 2, 1, 8), (1, 2, 3, 2, 0, 7))
    for c_in, c_out, k, s, p, size in cases:
        conv = torch.nn.Conv2d(c_in, c_out, k, stride=s, padding=p, bias=False).double()
        x = torch.randn(1, c_in, size, size, dtype=torch.float64, requires_grad=True)
        y = conv(x)
        g = torch.randn(y.shape, dtype=torch.float64)
        (y * g).sum().backward()
        what = f"Conv2d({c_in}, {c_out}, {k}, stride={s}, padding={p}) on {size}×{size}"
        try:
            layer = fn(conv).double()
            answer = layer(g, output_size=x.shape[2:])
        except Exception as error:
            raise WrongAnswer(f"{what}: {type(error).__name__}: {error}") from error
        compare_arrays(answer.detach().numpy(), x.grad.numpy(), what)
    correct(f"the layer computes the input gradient in all {len(cases)} cases")


# ---------------------------------------------------------------- chapter 10


def conv_filter_to_torch_function(fn):
    """Check ``fn(filters)``: a TensorFlow ``conv2d`` filter [kH, kW, C_in, C_out] as a PyTorch
    ``Conv2d`` weight (C_out, C_in, kH, kW) — a permutation, no flip.

    Examples
    --------
    >>> conv_filter_to_torch_function(lambda filters: np.transpose(filters, (3, 2, 0, 1)))
    Correct: the conv2d filter agrees on all 3 cases.
    """
    count = 0
    for shape in ((3, 3, 1, 2), (2, 4, 3, 5), (1, 2, 4, 4)):
        filters = np.arange(float(np.prod(shape))).reshape(shape)
        what = f"the conv2d filter of shape {list(shape)}"
        answer = call(fn, (filters,), what)
        compare_arrays(answer, np.transpose(filters, (3, 2, 0, 1)), what)
        count += 1
    correct(f"the conv2d filter agrees on all {count} cases")


def transpose_filter_to_torch_function(fn):
    """Check ``fn(filters)``: a TensorFlow ``conv2d_transpose`` filter [kH, kW, C_out, C_in]
    as a PyTorch ``ConvTranspose2d`` weight (C_in, C_out, kH, kW).

    Examples
    --------
    >>> transpose_filter_to_torch_function(lambda filters: np.transpose(filters, (3, 2, 0, 1)))
    Correct: the conv2d_transpose filter agrees on all 3 cases.
    """
    count = 0
    for shape in ((3, 3, 2, 1), (2, 4, 5, 3), (1, 2, 4, 4)):
        filters = np.arange(float(np.prod(shape))).reshape(shape)
        what = f"the conv2d_transpose filter of shape {list(shape)}"
        answer = call(fn, (filters,), what)
        compare_arrays(answer, np.transpose(filters, (3, 2, 0, 1)), what)
        count += 1
    correct(f"the conv2d_transpose filter agrees on all {count} cases")


def same_transpose_crop_function(fn):
    """Check ``fn(i, o, k, s)``: the rows ``(top, bottom)`` to cut from PyTorch's full
    transposed convolution (``padding=0``) to get TensorFlow's ``SAME`` result of size ``o``.

    Examples
    --------
    >>> def crop(i, o, k, s):
    ...     before = max((i - 1) * s + k - o, 0) // 2
    ...     return before, (i - 1) * s + k - before - o
    >>> same_transpose_crop_function(crop)
    Correct: same_transpose_crop agrees on all 18 cases.
    """
    from .port import reachable_tf_output_sizes

    cases = [dict(i=i, o=o, k=k, s=s) for i in (2, 3) for k in (2, 3, 4) for s in (1, 2)
             for o in reachable_tf_output_sizes(i, k, s, "SAME")]

    def reference(i, o, k, s):
        before, _ = shapes.same_padding(o, k, s)
        return (before, (i - 1) * s + k - before - o)

    function_cases(lambda *a: tuple(int(v) for v in fn(*a)), reference, cases,
                   "same_transpose_crop")


# ---------------------------------------------------------------- chapter 11


def conv_transpose_flops_function(fn):
    """Check ``fn(n, c_in, c_out, h, w, k)``: floating-point operations of a transposed convolution.

    Count a multiply and an add as two operations; groups = 1; every input pixel meets
    every kernel weight once (the scatter view), so padding and stride do not matter.

    Examples
    --------
    >>> conv_transpose_flops_function(
    ...     lambda n, c_in, c_out, h, w, k: 2 * n * c_in * c_out * h * w * k * k)
    Correct: conv_transpose_flops agrees on all 8 cases.
    """
    cases = [dict(n=n, c_in=c_in, c_out=c_out, h=h, w=w, k=k)
             for n, c_in, c_out in ((1, 1, 1), (8, 64, 32)) for h, w in ((4, 4), (5, 7))
             for k in (3, 4)]

    def reference(n, c_in, c_out, h, w, k):
        return 2 * n * c_in * c_out * h * w * k * k

    function_cases(fn, reference, cases, "conv_transpose_flops")


def zero_fraction_function(fn):
    """Check ``fn(i, s)``: the fraction of zeros in an i × i input after inserting s - 1 zeros
    between neighbouring pixels (no padding).

    Examples
    --------
    >>> zero_fraction_function(lambda i, s: 1 - i * i / ((i - 1) * s + 1) ** 2)
    Correct: zero_fraction agrees on all 12 cases.
    """
    cases = [dict(i=i, s=s) for i in (1, 2, 5, 32) for s in (1, 2, 3)]

    def reference(i, s):
        side = (i - 1) * s + 1
        return 1 - (i * i) / (side * side)

    def rounded(i, s):
        return round(float(fn(i=i, s=s)), 9)

    function_cases(rounded, lambda i, s: round(reference(i, s), 9), cases, "zero_fraction")


def zero_insertion_flops_function(fn):
    """Check ``fn(n, c_in, c_out, h, w, k, s, p)``: operations of the zero-insertion method,
    a stride-1 convolution over the zero-inserted, padded input (2 per multiply-add).

    Examples
    --------
    >>> def ops(n, c_in, c_out, h, w, k, s, p):
    ...     out_h, out_w = (h - 1) * s - 2 * p + k, (w - 1) * s - 2 * p + k
    ...     return 2 * n * c_in * c_out * out_h * out_w * k * k
    >>> zero_insertion_flops_function(ops)
    Correct: zero_insertion_flops agrees on all 8 cases.
    """
    cases = [dict(n=n, c_in=c_in, c_out=c_out, h=h, w=w, k=k, s=s, p=p)
             for n, c_in, c_out in ((1, 1, 1), (8, 64, 32)) for h, w in ((4, 4), (5, 7))
             for k, s, p in ((3, 2, 1), (4, 2, 1))]

    def reference(n, c_in, c_out, h, w, k, s, p):
        out_h, out_w = shapes.conv_transpose2d_output_size((h, w), k, stride=s, padding=p)
        return 2 * n * c_in * c_out * out_h * out_w * k * k

    function_cases(fn, reference, cases, "zero_insertion_flops")


def conv_transpose_matrix_nnz_answer(answer, weight_shape, input_size, **options):
    """Check the number of nonzeros you worked out for the matrix Cᵀ of a transposed convolution.

    Examples
    --------
    >>> conv_transpose_matrix_nnz_answer(36, (1, 1, 4, 4), (2, 2), stride=2, padding=1)
    Correct: Cᵀ has 36 nonzeros.
    """
    from .matrix import conv_transpose_matrix

    expected = conv_transpose_matrix(np.ones(weight_shape), input_size, **options).nnz
    compare_values(int(answer), int(expected), "the nonzeros of Cᵀ")
    correct(f"Cᵀ has {expected} nonzeros")
