"""Automatic checks for the exercises.

Each check prints one line starting with ``Correct`` when the answer is right,
and raises :class:`WrongAnswer` saying *what* is wrong when it is not: which
shape, which entry, which test case. For example::

    WrongAnswer: conv2d_output_size(i=6, k=3, s=2, p=0, d=1): you return 3.0, expected 2.

Checks come in two kinds: ``*_answer`` checks a value you computed, and
``*_function`` calls a function you wrote on many cases and compares it with
``tconv``'s tested version.

Every check belongs to one exercise (``@exercise("ch5-need")``). An exercise still as the
student version hands it out (an answer that is ``...`` or None, a function that returns
nothing or raises ``NotImplementedError``) gets one line, :class:`NotAnswered`::

    NotAnswered: ch5-need: not answered yet.
"""

import functools
import inspect
import itertools
import re
import types

import numpy as np

from . import shapes
from .conv import conv2d
from .matrix import conv_matrix, im2col


class WrongAnswer(AssertionError):
    """An answer that is not right; the message says what is wrong."""

    def _render_traceback_(self):
        """In IPython, show the student's cell and the message, not the check's own frames."""
        from IPython import get_ipython

        formatter = get_ipython().InteractiveTB
        kept, frames, tb = None, [], self.__traceback__
        while tb is not None and tb.tb_frame.f_globals.get("__name__") != __name__:
            frames.append(tb)
            tb = tb.tb_next
        try:
            for old in reversed(frames):
                kept = types.TracebackType(kept, old.tb_frame, old.tb_lasti, old.tb_lineno)
            return formatter.structured_traceback(type(self), self, kept)
        except Exception:  # pragma: no cover - then the usual traceback, all frames
            return formatter.structured_traceback(type(self), self, self.__traceback__)


def correct(message):
    """Print the line that says an answer is right.

    >>> correct("all 3 cases")
    Correct: all 3 cases.
    """
    print(f"Correct: {message}.")


def type_name(value):
    """The type of ``value`` as a student would name it, for "... must be X; got Y." messages.

    >>> type_name("12"), type_name(2.5), type_name(np.zeros(2))
    ('str', 'float', 'ndarray')
    """
    return type(value).__name__


def _not_numbers(value):
    """True if ``value`` is plainly not numbers (text, a dict, a set, a function)."""
    return isinstance(value, (str, bytes, dict, set, frozenset)) or callable(value)


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
    if _not_numbers(answer):
        raise WrongAnswer(f"{what} must be an array of numbers of shape {expected.shape}; "
                          f"got {type_name(answer)}.")
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

    A function that raises ``NotImplementedError``, returns ``...``, or returns None the first
    time a check calls it, is not answered yet (:class:`NotAnswered`).

    >>> call(len, ([1, 2],), "len of a list")
    2
    """
    __tracebackhide__ = True  # noqa: F841
    first = not _running or _running[-1]["calls"] == 0
    own = None if _running else getattr(fn, "__name__", None)  # in a check: the check's name
    if _running:
        _running[-1]["calls"] += 1
    try:
        result = fn(*arguments)
    except NotImplementedError as error:
        if "switched off" not in str(error):  # not a library the check switched off (_Forbidden)
            raise NotAnswered(not_answered_message(own)) from None
        raise WrongAnswer(f"{what} raised {type(error).__name__}: {error}") from error
    except Exception as error:  # the student's code failed: say on which case
        tb = error.__traceback__  # show the student's frames, not the check's
        while tb is not None and tb.tb_frame.f_globals.get("__name__") == __name__:
            tb = tb.tb_next
        raise WrongAnswer(f"{what} raised {type(error).__name__}: {error}") from (
            error.with_traceback(tb) if tb is not None else None)
    if result is Ellipsis or (result is None and first):
        raise NotAnswered(not_answered_message(own))
    return result


def converted(fn, convert):
    """``fn`` with ``convert`` applied to what it returns, unless that is None or ``...``
    (so that :func:`call` can still tell an unanswered function).

    >>> converted(lambda n: [n, n], tuple)(2), converted(lambda n: None, tuple)(2)
    ((2, 2), None)
    """
    def run(*arguments):
        result = fn(*arguments)
        return result if result is None or result is Ellipsis else convert(result)

    return run


def function_cases(fn, reference, cases, name):
    """Call ``fn`` and ``reference`` on every case (a dict of keyword arguments) and compare.

    >>> function_cases(lambda a: a + 1, lambda a: a + 1, [{"a": 1}, {"a": 2}], "f")
    Correct: f agrees on all 2 cases.
    """
    own = _running[-1]["own"] if _running else None  # the student's name for the function
    for case in cases:
        expected = reference(**case)
        what = format_call(own or name, case)
        answer = call(fn, tuple(case.values()), what)  # positional: any parameter names
        if isinstance(expected, np.ndarray) or hasattr(expected, "toarray"):
            compare_arrays(answer, expected.toarray() if hasattr(expected, "toarray") else expected,
                           what)
        else:
            compare_values(answer, expected, what)
    correct(f"{name} agrees on all {len(cases)} cases")


# ---------------------------------------------------------------- unanswered exercises


class NotAnswered(WrongAnswer):
    """An exercise as the student version hands it out: the answer is still ``...`` (or
    None), or the function still returns nothing or raises ``NotImplementedError``."""


_running = []  # the checks running now, innermost last: their exercise and student function


def unanswered(value):
    """True for an answer still to be given: ``...``, None, or a container holding ``...``.

    >>> [unanswered(v) for v in (..., None, [1, ...], {5: ...}, [1, None], 0)]
    [True, True, True, True, False, False]
    """
    return value is None or _holds_ellipsis(value)


def _holds_ellipsis(value, depth=0):
    if value is Ellipsis:
        return True
    if isinstance(value, dict):
        items = value.values()
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = value
    elif isinstance(value, np.ndarray) and value.dtype == object:
        items = value.ravel().tolist()
    else:
        return False
    return depth < 4 and any(_holds_ellipsis(item, depth + 1) for item in items)


def not_answered_message(name=None):
    """The one line that says an exercise (or its function ``name``) is not answered yet.

    >>> not_answered_message("f")  # outside a check: no exercise label
    'f: not answered yet.'
    """
    label = _running[-1]["label"] if _running else None
    if name is None and _running:
        name = _running[-1]["name"]
    return ": ".join(part for part in (label, name) if part) + ": not answered yet."


def exercise(label, *answers, function=None):
    """Decorate the check of exercise ``label``; ``answers`` name the parameters that hold the
    student's answers (by default the first). A check called on an unanswered exercise
    (an answer that is ``...`` or None, a function that returns ``...``/None or raises
    ``NotImplementedError`` on its first case) raises :class:`NotAnswered` with one line,
    naming the student's function by its own name (``function`` stands in for a lambda).

    >>> @exercise("ch0-demo")
    ... def demo_answer(answer):
    ...     correct("the demo")
    >>> demo_answer(...)
    Traceback (most recent call last):
    ...
    tconv.check.NotAnswered: ch0-demo: not answered yet.
    """
    def decorate(check):
        signature = inspect.signature(check)
        names = answers or (next(iter(signature.parameters)),)
        assert set(names) <= set(signature.parameters), f"{check.__name__}: {names}"
        default = function or check.__name__.removesuffix("_function").removesuffix("_answer")
        takes_function = check.__name__.endswith("_function") or names[0] == "fn"

        @functools.wraps(check)
        def run(*args, **kwargs):
            __tracebackhide__ = True  # noqa: F841  IPython and pytest hide this frame
            given = signature.bind(*args, **kwargs).arguments
            missing = [name for name in names if name in given and unanswered(given[name])]
            if missing:  # name the gaps if some value is answered (a function may be a stub)
                given_values = [name for name in names if name not in missing
                                and not callable(given.get(name))]
                which = f" ({', '.join(missing)})" if given_values else ""
                raise NotAnswered(f"{label}: not answered yet{which}.")
            student = given.get(names[0])
            if takes_function and not callable(student):
                raise WrongAnswer(f"{label}: {default} must be a function; got "
                                  f"{type_name(student)}.")
            own = getattr(student, "__name__", None) if takes_function else None
            own = own if own and own.isidentifier() else None  # not a lambda's "<lambda>"
            _running.append({"label": label, "name": own or default, "own": own, "calls": 0})
            try:
                return check(*args, **kwargs)
            except NotImplementedError as error:
                if "switched off" in str(error):  # a library the check switched off: not ours
                    raise
                raise NotAnswered(not_answered_message()) from None
            except WrongAnswer as error:  # name the student's function as they named it
                if own and own != default and error.args and isinstance(error.args[0], str):
                    error.args = (re.sub(rf"(?<![\w.]){re.escape(default)}\(", f"{own}(",
                                         error.args[0]),) + error.args[1:]
                raise
            finally:
                _running.pop()

        run.exercise = label
        return run

    return decorate


# ---------------------------------------------------------------- chapter 1


def names_used(fn):
    """The global and attribute names a function's code refers to, nested code included.

    >>> sorted(names_used(lambda x: np.sum(x)))
    ['np', 'sum']
    """
    import types

    names, stack = set(), [getattr(fn, "__code__", None)]
    while stack:
        code = stack.pop()
        if code is None:
            continue
        names |= set(code.co_names)
        stack += [const for const in code.co_consts if isinstance(const, types.CodeType)]
    return names


def refuse_calls(fn, forbidden, name):
    """Raise :class:`WrongAnswer` if ``fn`` calls a library function that *is* the answer.

    >>> refuse_calls(lambda i: i + 1, {"same_padding"}, "same_padding")
    >>> refuse_calls(lambda i: __import__("tconv").same_padding(i, 3), {"same_padding"},
    ...              "your same_padding")
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: your same_padding calls same_padding, which computes the answer for you: write the computation yourself.
    """
    used = sorted(names_used(fn) & set(forbidden))
    if used:
        raise WrongAnswer(f"{name} calls {', '.join(used)}, which computes the answer for you: "
                          f"write the computation yourself.")


def compare_hidden(answer, expected, what):
    """Like :func:`compare_arrays`, but a wrong entry is called too large or too small,
    never given: for answers worked out by hand, whose values the message must not reveal.

    >>> compare_hidden([[1, 2]], np.array([[1, 2]]), "your output")
    >>> compare_hidden([[1, 3]], np.array([[1, 2]]), "your output")
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: your output: entry [0, 1] (you have 3) is too large; 1 of 2 entries are wrong.
    """
    expected = np.asarray(expected, dtype=float)
    if answer is None:
        raise WrongAnswer(f"{what} is None; expected an array of shape {expected.shape}.")
    if _not_numbers(answer):
        raise WrongAnswer(f"{what} must be an array of numbers of shape {expected.shape}; "
                          f"got {type_name(answer)}.")
    try:
        answer = np.asarray(answer, dtype=float)
    except (TypeError, ValueError) as error:
        raise WrongAnswer(f"{what} cannot be read as an array of numbers ({error}).") from None
    if answer.shape != expected.shape:
        raise WrongAnswer(f"{what} has shape {answer.shape}, expected {expected.shape}.")
    wrong = ~np.isclose(answer, expected, atol=1e-6, rtol=1e-6)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        side = "too large" if answer[index] > expected[index] else "too small"
        raise WrongAnswer(f"{what}: entry {list(index)} (you have {answer[index]:g}) is {side}; "
                          f"{int(wrong.sum())} of {wrong.size} entries are wrong.")


def whole_number(value, what):
    """``value`` as an int, or :class:`WrongAnswer` if it is not a whole number.

    >>> whole_number(56.0, "your prediction")
    56
    >>> whole_number(56.5, "your prediction")
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: your prediction should be a whole number, not 56.5.
    """
    try:
        number = int(value)
        whole = number == float(value)
    except (TypeError, ValueError, OverflowError):
        whole = False
    if not whole or isinstance(value, (bool, np.bool_)):
        raise WrongAnswer(f"{what} should be a whole number, not {value!r}.")
    return number


@exercise("ch1-output-size", function="output_size")
def conv2d_output_size_function(fn):
    """Check ``fn(i, k, s, p, d)``, the output size of a convolution, on 270 cases.

    >>> conv2d_output_size_function(lambda i, k, s, p, d: (i + 2*p - d*(k - 1) - 1) // s + 1)
    Correct: conv2d_output_size agrees on all 270 cases.
    """
    refuse_calls(fn, {"conv2d_output_size", "conv2d", "Conv2d"}, "your output_size")
    cases = [
        dict(i=i, k=k, s=s, p=p, d=d)
        for i, k, s, p, d in itertools.product(range(5, 11), (1, 2, 3), (1, 2, 3), (0, 1), (1, 2, 3))
        if d * (k - 1) + 1 <= i + 2 * p
    ][:270]

    def reference(i, k, s, p, d):
        return shapes.conv2d_output_size(i, k, stride=s, padding=p, dilation=d)

    function_cases(fn, reference, cases, "conv2d_output_size")


@exercise("ch1-same")
def same_padding_function(fn):
    """Check ``fn(i, k, s)``, TensorFlow's SAME padding ``(before, after)``, on many cases.

    >>> def pads(i, k, s):
    ...     total = max((-(-i // s) - 1) * s + k - i, 0)
    ...     return total // 2, total - total // 2
    >>> same_padding_function(pads)
    Correct: same_padding agrees on all 150 cases.
    """
    refuse_calls(fn, {"same_padding"}, "your same_padding")
    cases = [dict(i=i, k=k, s=s) for i in range(1, 11) for k in (1, 2, 3, 4, 5) for s in (1, 2, 3)]

    def reference(i, k, s):
        return shapes.same_padding(i, k, stride=s)

    function_cases(converted(fn, tuple), reference, cases, "same_padding")


@exercise("ch1-by-hand")
def conv2d_answer(answer, x, weight, **options):
    """Check an output you computed by hand against ``tconv.conv2d(x, weight, **options)``.

    A wrong entry is named and called too large or too small; its value is not given.

    >>> x, w = np.arange(9).reshape(1, 3, 3), np.ones((1, 1, 2, 2))
    >>> conv2d_answer([[[8, 12], [20, 24]]], x, w)
    Correct: the output is right.
    >>> conv2d_answer([[8, 12], [20, 24]], x, w)
    Correct: the output is right.
    """
    expected = conv2d(x, weight, **options)
    if np.ndim(answer) == 2 and expected.size == np.prod(expected.shape[-2:]):
        expected = expected.reshape(expected.shape[-2:])  # one channel: a 2-D answer is fine
    compare_hidden(answer, expected, "your output")
    correct("the output is right")


@exercise("ch1-which-inputs")
def input_sizes_answer(answer, output_size, kernel_size, stride, padding=0):
    """Check the set of all input sizes that give ``output_size`` (a convolution's many-to-one).

    The message never lists the sizes you missed, only whether they lie below or above yours.

    >>> input_sizes_answer({7, 8}, output_size=3, kernel_size=3, stride=2)
    Correct: your input sizes are exactly those that give 3 outputs.
    """
    expected = {
        i for i in range(1, 10 * (output_size + kernel_size) * stride)
        if kernel_size <= i + 2 * padding
        and shapes.conv2d_output_size(i, kernel_size, stride, padding) == output_size
    }
    if isinstance(answer, (str, bytes, dict)) or not hasattr(answer, "__iter__"):
        raise WrongAnswer(f"your input sizes must be a set or list of ints; got "
                          f"{type_name(answer)}.")
    answer = set(whole_number(i, "each input size") for i in answer)
    missing, extra = sorted(expected - answer), sorted(answer - expected)
    if extra:
        raise WrongAnswer(f"input sizes: {extra} do not give {output_size} outputs.")
    if missing and not answer:
        raise WrongAnswer("input sizes: you give none; some sizes do give "
                          f"{output_size} outputs.")
    if missing:
        where = [word for word, found in (("smaller", min(missing) < min(answer)),
                                          ("larger", max(missing) > max(answer))) if found]
        raise WrongAnswer(f"input sizes: you miss {len(missing)} size(s) that also give "
                          f"{output_size} outputs ({' and '.join(where) or 'between'} "
                          f"than yours).")
    correct(f"your input sizes are exactly those that give {output_size} outputs")


@exercise("ch1-loops", function="my_conv2d")
def conv2d_function(fn, seed=0):
    """Check ``fn(x, weight, bias, stride, padding)`` on random multi-channel cases.

    ``x`` is (c_in, H, W), ``weight`` (c_out, c_in, k, k), ``bias`` (c_out,),
    ``stride`` and ``padding`` ints. Calling a library convolution or correlation is refused;
    the notebook's own ``correlate2d`` and ``conv2d_loops`` are allowed.

    >>> def by_patches(x, weight, bias, stride, padding):
    ...     k = weight.shape[-1]
    ...     h, w = ((np.array(x.shape[1:]) + 2 * padding - k) // stride + 1).tolist()
    ...     patches = im2col(x, k, stride, padding)
    ...     return (weight.reshape(len(weight), -1) @ patches).reshape(-1, h, w) + bias[:, None, None]
    >>> conv2d_function(by_patches)
    Correct: your convolution agrees on all 12 cases.
    """
    refuse_calls(fn, {"conv2d", "Conv2d", "conv_matrix", "convolve", "convolve2d", "correlate",
                      "fftconvolve", "oaconvolve"}, "your convolution")
    import dis

    own, codes = getattr(fn, "__globals__", {}), [getattr(fn, "__code__", None)]
    while codes:  # correlate2d: the notebook's own function, or SciPy's?
        code = codes.pop()
        codes += [const for const in getattr(code, "co_consts", ()) if hasattr(const, "co_code")]
        for step in dis.get_instructions(code) if code else ():
            if step.argval != "correlate2d" or step.opname.endswith("FAST"):
                continue
            target = own.get("correlate2d") if step.opname in ("LOAD_GLOBAL", "LOAD_NAME") else None
            if getattr(target, "__module__", None) != getattr(fn, "__module__", None):
                refuse_calls(fn, {"correlate2d"}, "your convolution")
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


@exercise("ch1-unread", "prediction", "read")
def unread_pixels_answer(prediction, read, input_size, kernel_size, stride=1, padding=0,
                         dilation=1):
    """Check a predicted count of input pixels no kernel tap reads, then the map you computed.

    ``read`` is an ``input_size`` x ``input_size`` array, true (or 1) where some output reads
    the pixel. A wrong prediction is called too large or too small, its value is not given.

    >>> read = np.zeros((5, 5), bool); read[::2, ::2] = True
    >>> unread_pixels_answer(16, read, 5, 3, dilation=2)
    Correct: your prediction and your map of the pixels that are read.
    >>> unread_pixels_answer(9, read, 5, 3, dilation=2)
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: your prediction, 9 unread pixels, is too small.
    """
    weight = np.ones((1, 1, kernel_size, kernel_size))
    C = conv_matrix(weight, input_size, stride=stride, padding=padding, dilation=dilation)
    truth = (np.asarray(abs(C).sum(axis=0)).reshape(input_size, input_size) > 0)
    unread = int(truth.size - truth.sum())
    guess = whole_number(prediction, "your prediction")
    if guess != unread:
        side = "too large" if guess > unread else "too small"
        raise WrongAnswer(f"your prediction, {guess} unread pixels, is {side}.")
    compare_arrays(read, truth.astype(float), "your map `read`")
    correct("your prediction and your map of the pixels that are read")


@exercise("ch1-horizontal", "kernel", "edges")
def sobel_horizontal_answer(kernel, edges, photo):
    """Check the horizontal Sobel kernel (positive where the picture gets darker downwards)
    and its SAME-padded response ``edges`` on ``photo``.

    >>> photo = np.arange(16.0).reshape(4, 4)
    >>> kernel = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    >>> sobel_horizontal_answer(kernel, conv2d(photo[None], kernel[None, None], padding="same")[0],
    ...                         photo)
    Correct: the horizontal Sobel kernel and its response.
    >>> sobel_horizontal_answer(-kernel, photo, photo)
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: your kernel: entry [0, 0] (you have -1) is too small; 6 of 9 entries are wrong.
    """
    expected = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=float)
    compare_hidden(kernel, expected, "your kernel")
    response = conv2d(np.asarray(photo, dtype=float)[None], expected[None, None], padding="same")[0]
    compare_arrays(edges, response, "your response `edges`")
    correct("the horizontal Sobel kernel and its response")


# ---------------------------------------------------------------- chapter 2


@exercise("ch2-shape")
def conv_matrix_shape_answer(answer, weight_shape, input_size, **options):
    """Check the shape ``(rows, columns)`` of C you worked out; the message does not give it.

    >>> conv_matrix_shape_answer((4, 16), (1, 1, 3, 3), (4, 4))
    Correct: the shape of C.
    >>> conv_matrix_shape_answer((16, 4), (1, 1, 3, 3), (4, 4))
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: the shape of C: your number of rows is too large; your number of columns is too small.
    """
    expected = conv_matrix(np.ones(weight_shape), input_size, **options).shape
    if np.ndim(answer) != 1 or len(answer) != 2:
        raise WrongAnswer(f"the shape of C should be a pair (rows, columns), not {answer!r}.")
    answer = tuple(whole_number(v, "each number of the shape") for v in answer)
    problems = [f"your number of {name} is {'too large' if mine > true else 'too small'}"
                for name, mine, true in zip(("rows", "columns"), answer, expected) if mine != true]
    if problems:
        raise WrongAnswer(f"the shape of C: {'; '.join(problems)}.")
    correct("the shape of C")


@exercise("ch2-nonzeros", function="nonzeros")
def conv_matrix_nnz_function(fn):
    """Check ``fn(i, k, p)``: the nonzeros of C for an i x i input, k x k kernel, padding p.

    One channel, stride 1, every kernel weight nonzero. Building C is refused.

    >>> def count(i, k, p):
    ...     return sum(0 <= m - p + u < i for m in range(i + 2 * p - k + 1) for u in range(k)) ** 2
    >>> conv_matrix_nnz_function(count)
    Correct: nonzeros agrees on all 70 cases.
    """
    refuse_calls(fn, {"conv_matrix", "conv_matrix_loops", "nnz", "count_nonzero", "conv2d"},
                 "your nonzeros")
    cases = [dict(i=i, k=k, p=p) for i in range(3, 9) for k in (1, 2, 3, 5) for p in (0, 1, 2)
             if k <= i + 2 * p]  # p = 2 with k <= 2: some outputs read padding only

    def reference(i, k, p):
        return int(conv_matrix(np.ones((1, 1, k, k)), i, padding=p).nnz)

    function_cases(fn, reference, cases, "nonzeros")


@exercise("ch2-toeplitz")
def conv_matrix_1d_function(fn):
    """Check ``fn(kernel, i)``: the (i - k + 1) x i matrix of a 1-D convolution, stride 1.

    >>> def matrix_1d(kernel, i):
    ...     rows = i - len(kernel) + 1
    ...     return np.array([[0.0] * j + list(kernel) + [0.0] * (rows - 1 - j) for j in range(rows)])
    >>> conv_matrix_1d_function(matrix_1d)
    Correct: conv_matrix_1d agrees on all 8 cases.
    """
    refuse_calls(fn, {"conv_matrix", "conv_matrix_loops"}, "your conv_matrix_1d")
    cases = [dict(kernel=kernel, i=i) for kernel in ([1.0], [1.0, -1.0], [1.0, 2.0, 3.0],
                                                       [0.5, 0.0, -0.5, 2.0])
             for i in (4, 6)]

    def reference(kernel, i):
        weight = np.asarray(kernel, dtype=float).reshape(1, 1, 1, -1)
        return conv_matrix(weight, (1, i)).toarray()

    function_cases(fn, reference, cases, "conv_matrix_1d")


@exercise("ch2-read-kernel")
def kernel_from_matrix_function(fn, seed=0):
    """Check ``fn(C, k, i)``: read the k x k kernel back out of C (i x i input).

    One channel, stride 1, no padding.

    >>> def read_back(C, k, i):
    ...     return C.toarray()[0].reshape(i, i)[:k, :k]
    >>> kernel_from_matrix_function(read_back)
    Correct: kernel_from_matrix agrees on all 6 cases.
    """
    rng = np.random.default_rng(seed)
    count = 0
    for k, i in ((1, 3), (2, 3), (2, 5), (3, 4), (3, 6), (4, 4)):
        kernel = rng.integers(-4, 5, (k, k)).astype(float)
        C = conv_matrix(kernel.reshape(1, 1, k, k), i)
        what = f"kernel_from_matrix(C, k={k}, i={i})"
        answer = call(fn, (C, k, i), what)
        compare_arrays(answer, kernel, what)
        count += 1
    correct(f"kernel_from_matrix agrees on all {count} cases")


@exercise("ch2-find-bug")
def conv_matrix_rect_function(fn):
    """Check ``fn(w, H, W)``: the matrix C of a k x k kernel on an H x W input (stride 1,
    no padding), as a dense array, on square and rectangular inputs.

    >>> def fixed(w, H, W):
    ...     k = w.shape[0]
    ...     C = np.zeros(((H - k + 1) * (W - k + 1), H * W))
    ...     for m in range(H - k + 1):
    ...         for n in range(W - k + 1):
    ...             for u in range(k):
    ...                 for v in range(k):
    ...                     C[m * (W - k + 1) + n, (m + u) * W + (n + v)] = w[u, v]
    ...     return C
    >>> conv_matrix_rect_function(fixed)
    Correct: conv_matrix_rect agrees on all 6 cases.
    """
    refuse_calls(fn, {"conv_matrix", "conv2d", "unfold", "im2col"}, "your conv_matrix_rect")
    kernel = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0], [7.0, -8.0, 9.0]])
    cases = ((3, 4, 4), (3, 5, 5), (3, 4, 6), (3, 6, 4), (2, 3, 5), (2, 5, 3))
    for k, H, W in cases:
        w = kernel[:k, :k].copy()
        what = f"conv_matrix_rect(w, H={H}, W={W}) with a {k}x{k} kernel"
        answer = call(fn, (w, H, W), what)
        compare_arrays(answer, conv_matrix(w[None, None], (H, W)).toarray(), what)
    correct(f"conv_matrix_rect agrees on all {len(cases)} cases")


@exercise("ch2-im2col-memory")
def im2col_bytes_function(fn):
    """Check ``fn(batch, c_in, h, w, k, s, p, itemsize)``: bytes of the im2col matrix of a batch.

    >>> def patch_bytes(batch, c_in, h, w, k, s, p, itemsize):
    ...     rows, cols = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    ...     return batch * c_in * k * k * rows * cols * itemsize
    >>> im2col_bytes_function(patch_bytes)
    Correct: im2col_bytes agrees on all 8 cases.
    """
    refuse_calls(fn, {"im2col", "im2col_loops", "unfold", "Unfold"}, "your im2col_bytes")
    cases = [dict(batch=batch, c_in=c_in, h=h, w=w, k=k, s=s, p=p, itemsize=4)
             for batch, c_in in ((1, 1), (2, 3)) for h, w in ((5, 5), (6, 7))
             for k, s, p in ((3, 1, 1), (2, 2, 0))]

    def reference(batch, c_in, h, w, k, s, p, itemsize):
        out_h, out_w = shapes.conv2d_output_size((h, w), k, stride=s, padding=p)
        return batch * c_in * k * k * out_h * out_w * itemsize

    function_cases(fn, reference, cases, "im2col_bytes")


# ---------------------------------------------------------------- chapter 3


@exercise("ch3-by-matrix")
def conv_transpose_by_matrix_function(fn):
    """Check ``fn(y, kernel)``: one-channel transposed convolution (stride 1, no padding)
    computed as ``C.T @ y``, returned as an image of the convolution's input size.

    Examples
    --------
    >>> def by_matrix(y, kernel):
    ...     k = kernel.shape[0]
    ...     i = y.shape[0] + k - 1
    ...     C = conv_matrix(kernel.reshape(1, 1, k, k), i)
    ...     return (C.T @ y.reshape(-1)).reshape(i, i)
    >>> conv_transpose_by_matrix_function(by_matrix)
    Correct: conv_transpose_by_matrix agrees on all 6 cases.
    """
    from .transpose import conv_transpose2d

    refuse_calls(fn, {"conv_transpose2d", "conv_transpose_matrix", "conv_transpose", "scatter",
                      "zero_insertion", "by_matrix"}, "your conv_transpose_by_matrix")
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


@exercise("ch3-gradient")
def input_gradient_function(fn):
    """Check ``fn(x, weight, g, stride, padding)``: the gradient with respect to ``x`` of
    ``L = sum(conv2d(x, weight, stride, padding) * g)``, for one image ``x`` of shape
    ``(c_in, H, W)``, computed without autograd. The cases include input sizes that the
    stride leaves a remainder for, where the plain transposed convolution comes back short.

    Examples
    --------
    >>> from tconv.transpose import conv_transpose2d
    >>> input_gradient_function(lambda x, weight, g, stride, padding: conv_transpose2d(
    ...     g, weight, stride=stride, padding=padding, output_size=x.shape[1:]))
    Correct: input_gradient agrees on all 6 cases.
    """
    import torch
    import torch.nn.functional as F

    refuse_calls(fn, {"backward", "grad", "autograd", "vjp"}, "your input_gradient")
    rng = np.random.default_rng(33)
    cases = [((1, 5, 5), (1, 1, 3, 3), 1, 0), ((2, 7, 7), (3, 2, 3, 3), 2, 0),
             ((2, 8, 8), (3, 2, 3, 3), 2, 1), ((1, 6, 7), (2, 1, 3, 3), 2, 1),
             ((3, 10, 9), (2, 3, 4, 4), 3, 1), ((2, 6, 6), (1, 2, 2, 2), 2, 0)]
    for x_shape, w_shape, stride, padding in cases:
        x = torch.tensor(rng.standard_normal(x_shape), requires_grad=True)
        weight = rng.standard_normal(w_shape)
        y = F.conv2d(x, torch.tensor(weight), stride=stride, padding=padding)
        g = rng.standard_normal(tuple(y.shape))
        (y * torch.tensor(g)).sum().backward()
        what = (f"input_gradient(x of shape {x_shape}, weight of shape {w_shape}, "
                f"stride={stride}, padding={padding})")
        answer = call(fn, (x.detach().numpy().copy(), weight, g, stride, padding), what)
        compare_arrays(answer, x.grad.numpy(), what)
    correct(f"input_gradient agrees on all {len(cases)} cases")


@exercise("ch3-predict-gradient")
def sum_gradient_prediction_answer(prediction, input_size, kernel_size, stride):
    """Check a prediction of ``∂L/∂x`` for ``L = sum(conv2d(x, ones(k, k), stride))`` on an
    ``input_size × input_size`` image: ``Cᵀ`` applied to an all-ones gradient. A wrong
    entry is called too large or too small, never given.

    Examples
    --------
    >>> sum_gradient_prediction_answer(np.ones((2, 2)), 2, 1, 1)
    Correct: your prediction of ∂L/∂x.
    """
    C = conv_matrix(np.ones((1, 1, kernel_size, kernel_size)), input_size, stride=stride)
    expected = (C.T @ np.ones(C.shape[0])).reshape(input_size, input_size)
    compare_hidden(prediction, expected, "your prediction")
    correct("your prediction of ∂L/∂x")


@exercise("ch3-design-pinv", "kernel", "stride")
def pseudo_inverse_layer_answer(kernel, stride, input_size=12):
    """Check a design: a ``k × k`` kernel (``k ≥ 2``, no zero weight) and a stride whose
    convolution matrix C satisfies ``C Cᵀ = I``, so that the transposed convolution *is* the
    pseudo-inverse, ``C⁺ = Cᵀ``. C is built for an ``input_size × input_size`` image.

    Examples
    --------
    >>> pseudo_inverse_layer_answer(np.full((2, 2), 0.5), 2)
    Correct: your kernel and stride for the pseudo-inverse design.
    >>> pseudo_inverse_layer_answer(np.full((2, 2), 0.5), 1)
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: with stride 1 a 2×2 kernel's windows overlap, so different rows of C share pixels and C Cᵀ is not diagonal.
    """
    try:
        kernel = np.asarray(kernel, dtype=float)
    except (TypeError, ValueError) as error:
        raise WrongAnswer(f"kernel cannot be read as an array of numbers ({error}).") from None
    if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1] or kernel.shape[0] < 2:
        raise WrongAnswer(f"kernel should be a square k × k array with k ≥ 2; yours has shape "
                          f"{kernel.shape}.")
    if np.any(np.abs(kernel) < 1e-9):
        raise WrongAnswer("some weights of your kernel are zero; the design asks for a kernel "
                          "with every weight nonzero.")
    if (not isinstance(stride, (int, np.integer)) or isinstance(stride, (bool, np.bool_))
            or stride < 1):
        raise WrongAnswer(f"stride should be a positive integer; you have {stride!r}.")
    k, s = kernel.shape[0], int(stride)
    if k > input_size:
        raise WrongAnswer(f"kernel should be at most {input_size}×{input_size} for this check.")
    C = conv_matrix(kernel[None, None], input_size, stride=s).toarray()
    gram = C @ C.T
    if not np.allclose(gram, np.diag(np.diag(gram)), atol=1e-9):
        raise WrongAnswer(f"with stride {s} a {k}×{k} kernel's windows overlap, so different rows "
                          f"of C share pixels and C Cᵀ is not diagonal.")
    if not np.allclose(np.diag(gram), 1.0, atol=1e-9):
        raise WrongAnswer(f"C Cᵀ is diagonal, but its diagonal is {gram[0, 0]:g}, not 1: every "
                          f"entry is the sum of the kernel's squared weights.")
    assert np.allclose(np.linalg.pinv(C), C.T)
    correct("your kernel and stride for the pseudo-inverse design")


# ---------------------------------------------------------------- chapter 4


@exercise("ch4-scatter", function="my_conv_transpose")
def scatter_dilated_function(fn):
    """Check ``fn(x, w, stride, padding, output_padding, dilation)``: a one-channel transposed
    convolution of a 2-D array ``x`` with a square kernel ``w`` by scatter, with dilation and
    output padding, returned as a 2-D array. ``tconv`` and PyTorch are not allowed.

    Examples
    --------
    >>> def scatter(x, w, stride, padding, output_padding, dilation):
    ...     k = w.shape[0]
    ...     full = [(side - 1) * stride + dilation * (k - 1) + 1 for side in x.shape]
    ...     out = [f - 2 * padding + output_padding for f in full]
    ...     canvas = np.zeros([max(f, padding + o) for f, o in zip(full, out)])
    ...     for m in range(x.shape[0]):
    ...         for n in range(x.shape[1]):
    ...             for u in range(k):
    ...                 for v in range(k):
    ...                     canvas[m * stride + u * dilation, n * stride + v * dilation] += (
    ...                         x[m, n] * w[u, v])
    ...     return canvas[padding:padding + out[0], padding:padding + out[1]]
    >>> scatter_dilated_function(scatter)
    Correct: scatter agrees on all 8 cases.
    """
    from .transpose import conv_transpose2d

    refuse_calls(fn, {"conv_transpose2d", "conv_transpose_matrix", "conv_transpose",
                      "conv_transpose2d_output_size", "torch", "tconv"}, "your scatter")
    rng = np.random.default_rng(4)
    cases = [((2, 2), 3, 2, 1, 0, 1), ((3, 3), 3, 1, 0, 0, 2), ((2, 3), 2, 2, 0, 1, 1),
             ((3, 2), 3, 2, 1, 1, 1), ((2, 2), 3, 3, 2, 2, 1), ((3, 3), 2, 2, 1, 1, 3),
             ((2, 4), 3, 1, 2, 1, 2), ((1, 1), 3, 2, 0, 1, 2)]
    for shape, k, stride, padding, output_padding, dilation in cases:
        x = rng.integers(-3, 4, shape).astype(float)
        w = rng.integers(-2, 3, (k, k)).astype(float)
        expected = conv_transpose2d(x[None], w[None, None], stride=stride, padding=padding,
                                    output_padding=output_padding, dilation=dilation)[0]
        what = (f"case x {shape}, kernel {k}×{k}, stride={stride}, padding={padding}, "
                f"output_padding={output_padding}, dilation={dilation}")
        answer = call(fn, (x, w, stride, padding, output_padding, dilation), what)
        compare_arrays(answer, expected, what)
    correct(f"scatter agrees on all {len(cases)} cases")


@exercise("ch4-predict")
def transposed_prediction_answer(prediction, x, w, stride, padding):
    """Check a hand prediction of the one-channel transposed convolution of ``x`` with ``w``.
    A wrong entry is called too large or too small, never given.

    Examples
    --------
    >>> transposed_prediction_answer(2 * np.eye(3), 2 * np.ones((1, 1)), np.eye(3), stride=1,
    ...                              padding=0)
    Correct: your prediction of the transposed convolution.
    """
    from .transpose import conv_transpose2d

    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    expected = conv_transpose2d(x[None], w[None, None], stride=stride, padding=padding)[0]
    compare_hidden(prediction, expected, "your prediction")
    correct("your prediction of the transposed convolution")


@exercise("ch4-rotate-swap", function="rotate_and_swap")
def conv_weight_of_transpose_function(fn):
    """Check ``fn(weight, groups)``: the convolution weight that zero insertion uses.

    ``weight`` is a transposed convolution's (c_in, c_out / G, kH, kW); the result is
    (c_out, c_in / G, kH, kW), channel axes swapped within each group, rotated by 180°.
    Calling ``tconv``'s ``conv_weight_of_transpose`` is not allowed.

    Examples
    --------
    >>> def rotate_and_swap(weight, groups):
    ...     c_in, per_group, kh, kw = weight.shape
    ...     parts = weight.reshape(groups, c_in // groups, per_group, kh, kw)
    ...     swapped = parts.transpose(0, 2, 1, 3, 4).reshape(-1, c_in // groups, kh, kw)
    ...     return swapped[:, :, ::-1, ::-1]
    >>> conv_weight_of_transpose_function(rotate_and_swap)
    Correct: conv_weight_of_transpose agrees on all 5 cases.
    """
    from .transpose import conv_weight_of_transpose

    refuse_calls(fn, {"conv_weight_of_transpose", "zero_insertion"}, "your function")
    count = 0
    for shape, groups in (((1, 1, 2, 2), 1), ((2, 3, 3, 3), 1), ((4, 1, 2, 3), 2),
                          ((6, 2, 3, 3), 3), ((4, 3, 1, 2), 2)):
        weight = np.arange(float(np.prod(shape))).reshape(shape)
        what = f"conv_weight_of_transpose(weight of shape {shape}, groups={groups})"
        answer = call(fn, (weight, groups), what)
        compare_arrays(answer, conv_weight_of_transpose(weight, groups), what)
        count += 1
    correct(f"conv_weight_of_transpose agrees on all {count} cases")


@exercise("ch4-true-convolution", function="zero_insertion_scipy")
def zero_insertion_true_convolution_function(fn):
    """Check ``fn(x, w, stride, padding)``: a one-channel transposed convolution by zero
    insertion, where the stride-1 step is ``scipy.signal.convolve2d`` (a *true* convolution,
    which flips its kernel). ``tconv``, PyTorch and ``correlate2d`` are not allowed.

    Examples
    --------
    >>> import scipy.signal
    >>> def by_true_convolution(x, w, stride, padding):
    ...     spread = np.zeros([(side - 1) * stride + 1 for side in x.shape])
    ...     spread[::stride, ::stride] = x
    ...     full = scipy.signal.convolve2d(spread, w)  # mode "full": pads k - 1 all round
    ...     return full[padding:full.shape[0] - padding, padding:full.shape[1] - padding]
    >>> zero_insertion_true_convolution_function(by_true_convolution)
    Correct: zero insertion with a true convolution agrees on all 7 cases.
    """
    from .transpose import conv_transpose2d

    refuse_calls(fn, {"conv_transpose2d", "conv_transpose_matrix", "conv2d", "correlate2d",
                      "correlate", "torch", "tconv", "scatter"}, "your function")
    rng = np.random.default_rng(44)
    cases = [((2, 2), 3, 2, 1), ((3, 3), 3, 1, 0), ((2, 3), 2, 2, 0), ((3, 2), 4, 2, 1),
             ((1, 1), 3, 3, 1), ((4, 4), 3, 2, 0), ((2, 2), 5, 3, 2)]
    for shape, k, stride, padding in cases:
        x = rng.integers(-3, 4, shape).astype(float)
        w = rng.integers(-2, 3, (k, k)).astype(float)
        w[0, 0], w[-1, -1] = 3.0, -1.0  # never symmetric under a 180° rotation
        expected = conv_transpose2d(x[None], w[None, None], stride=stride, padding=padding)[0]
        what = f"case x {shape}, kernel {k}×{k}, stride={stride}, padding={padding}"
        answer = call(fn, (x, w, stride, padding), what)
        compare_arrays(answer, expected, what)
    correct(f"zero insertion with a true convolution agrees on all {len(cases)} cases")


# ---------------------------------------------------------------- chapter 5


@exercise("ch5-need")
def needs_output_padding_answer(answer, sizes, kernel_size, stride, padding):
    """Check a prediction: which input ``sizes`` a convolution and the transposed convolution
    with the same ``kernel_size``, ``stride`` and ``padding`` do not give back unless the
    transposed one gets ``output_padding``.

    Examples
    --------
    >>> needs_output_padding_answer([6, 8], range(5, 9), 3, 2, 1)
    Correct: the sizes that need output_padding.
    """
    sizes = list(sizes)
    try:
        if isinstance(answer, (str, bytes, dict)):
            raise TypeError
        chosen = {whole_number(v, "each size") for v in answer}
    except (TypeError, ValueError):
        raise WrongAnswer(f"your answer must be a list of sizes (ints), for example [10, 12]; "
                          f"got {type_name(answer)}.") from None
    strangers = sorted(chosen - set(sizes))
    if strangers:
        raise WrongAnswer(f"{strangers} are not among the sizes asked about, "
                          f"{sizes[0]} to {sizes[-1]}.")
    expected = {i for i in sizes if shapes.conv_remainder(i, kernel_size, stride, padding)}
    if chosen - expected:
        raise WrongAnswer(f"your list holds {len(chosen - expected)} size(s) that come back "
                          f"without output_padding.")
    if expected - chosen:
        raise WrongAnswer(f"your list misses {len(expected - chosen)} size(s) that need "
                          f"output_padding.")
    correct("the sizes that need output_padding")


@exercise("ch5-decoder")
def decoder_output_padding_function(fn):
    """Check ``fn(i, k, s, p, depth)``: the ``output_padding`` of each layer of the decoder
    that mirrors ``depth`` identical convolutions, in the order the decoder applies them.

    Examples
    --------
    >>> def mirror(i, k, s, p, depth):
    ...     sizes = [i]
    ...     for _ in range(depth):
    ...         sizes.append((sizes[-1] + 2 * p - k) // s + 1)
    ...     return [(n + 2 * p - k) % s for n in reversed(sizes[:-1])]
    >>> decoder_output_padding_function(mirror)
    Correct: decoder_output_padding agrees on all 24 cases.
    """
    cases = [dict(i=i, k=k, s=s, p=p, depth=depth)
             for i in (28, 37, 100) for k, s, p in ((3, 2, 1), (5, 2, 2), (4, 3, 1), (3, 3, 0))
             for depth in (1, 3)]

    def reference(i, k, s, p, depth):
        sizes = [i]
        for _ in range(depth):
            sizes.append(shapes.conv2d_output_size(sizes[-1], k, s, p))
        return [shapes.conv_remainder(size, k, s, p) for size in reversed(sizes[:-1])]

    def as_list(*arguments):
        answer = fn(*arguments)
        try:
            return [int(v) for v in answer]
        except (TypeError, ValueError):
            return answer  # compared as it is, so that the message shows what came back

    function_cases(as_list, reference, cases, "decoder_output_padding")


@exercise("ch5-design", "kernel_size", "stride", "padding", "output_padding_21",
          "output_padding_23")
def design_layer_answer(kernel_size, stride, padding, output_padding_21, output_padding_23):
    """Check a design: one transposed convolution, with a kernel larger than its stride, that
    turns 7×7 into 21×21 and into 23×23 with two values of ``output_padding``.

    Examples
    --------
    >>> design_layer_answer(7, 3, 2, 0, 2)
    Correct: your layer turns 7×7 into 21×21 and 23×23, with a kernel larger than the stride.
    """
    from .transpose import conv_transpose2d

    for name, value in (("kernel_size", kernel_size), ("stride", stride), ("padding", padding),
                        ("output_padding_21", output_padding_21),
                        ("output_padding_23", output_padding_23)):
        if not shapes.is_int(value) or value < 0:
            raise WrongAnswer(f"{name}={value!r} should be an int, 0 or more.")
    if kernel_size < 1 or stride < 1:
        raise WrongAnswer("kernel_size and stride should be at least 1.")
    if kernel_size <= stride:
        raise WrongAnswer(f"kernel_size={kernel_size} is not larger than stride={stride}: "
                          f"the stamps of neighbouring input pixels would not overlap.")
    for wanted, extra in ((21, output_padding_21), (23, output_padding_23)):
        if extra >= stride:
            raise WrongAnswer(f"output_padding_{wanted}={extra} must be smaller than "
                              f"stride={stride}.")
        size = 6 * stride - 2 * padding + kernel_size + extra
        if size != wanted:
            raise WrongAnswer(f"with output_padding={extra} your layer turns 7×7 into "
                              f"{size}×{size}, not {wanted}×{wanted} "
                              f"(too {'large' if size > wanted else 'small'}).")
        y = conv_transpose2d(np.ones((1, 7, 7)), np.ones((1, 1, kernel_size, kernel_size)),
                             stride=stride, padding=padding, output_padding=extra)
        assert y.shape == (1, wanted, wanted)
    correct("your layer turns 7×7 into 21×21 and 23×23, with a kernel larger than the stride")


@exercise("ch5-zero-rows")
def bottom_zero_rows_answer(answer, layers):
    """Check predicted counts of the all-zero rows at the bottom of transposed convolutions
    of an all-ones 3×3 input with an all-ones kernel; ``layers`` holds their keyword
    arguments (``kernel_size``, ``stride``, ``padding``, ``output_padding``).

    Examples
    --------
    >>> bottom_zero_rows_answer([0], [dict(kernel_size=3, stride=2, padding=1,
    ...                                    output_padding=1)])
    Correct: the zero rows at the bottom of all 1 layers.
    """
    from .transpose import conv_transpose2d

    try:
        if isinstance(answer, (str, bytes, dict)):
            raise TypeError
        counts = [whole_number(v, "each count") for v in answer]
    except (TypeError, ValueError):
        raise WrongAnswer(f"your answer must be a list of counts (ints), one per layer; got "
                          f"{type_name(answer)}.") from None
    if len(counts) != len(layers):
        raise WrongAnswer(f"your list has {len(counts)} counts; give one for each of the "
                          f"{len(layers)} layers.")
    for number, (count, layer) in enumerate(zip(counts, layers), start=1):
        k = layer["kernel_size"]
        options = {name: value for name, value in layer.items() if name != "kernel_size"}
        y = conv_transpose2d(np.ones((1, 3, 3)), np.ones((1, 1, k, k)), **options)[0]
        filled = np.flatnonzero(np.abs(y).sum(axis=1))
        expected = y.shape[0] - 1 - filled.max()
        if count != expected:
            raise WrongAnswer(f"layer {number}, {format_call('ConvTranspose2d', layer)}: "
                              f"your count is too {'large' if count > expected else 'small'}.")
    correct(f"the zero rows at the bottom of all {len(layers)} layers")


# ---------------------------------------------------------------- chapter 6

#: the kernels of the exercise "Flat or not?": name -> (kernel, stride)
FLAT_KERNELS = {
    "A": (np.outer([1, 2, 1], [1, 2, 1]), 2),
    "B": (np.array([[1, 0, 2, 1], [0, 1, 1, 2], [2, 1, 1, 0], [1, 2, 0, 1]]), 2),
    "C": (np.ones((3, 3), dtype=int), 3),
    "D": (np.ones((5, 5), dtype=int), 3),
}

#: the kernel of the exercise on the gradient of a strided convolution
GRADIENT_KERNEL = np.array([[2, 1, 0], [1, 5, 0], [1, 2, 1]])


def flat_interior(kernel, stride):
    """The interior of a transposed convolution of an all-ones input (no padding), where
    every output pixel receives all the taps of its phase.

    >>> flat_interior(np.ones((3, 3)), 2)[:2, :2]
    array([[4., 2.],
           [2., 1.]])
    """
    from .transpose import conv_transpose2d

    kernel = np.asarray(kernel, dtype=float)
    k = max(kernel.shape)
    ones = np.ones((1, 1, 4 * k, 4 * k))
    y = conv_transpose2d(ones, kernel[None, None], stride=stride)[0, 0]
    border = stride * (k // stride + 1)  # a multiple of the stride: row `border` has phase 0
    return y[border:-border, border:-border]


@exercise("ch6-flat-or-not")
def flat_output_prediction_answer(checkerboard):
    """Check ``{"A": bool, ..., "D": bool}``: True for each kernel of ``FLAT_KERNELS`` whose
    transposed convolution turns a flat input into an output whose interior is not flat.
    A wrong answer is told how many predictions are wrong, not which.

    >>> truth = {name: bool(np.ptp(flat_interior(*FLAT_KERNELS[name])) > 1e-9)
    ...          for name in FLAT_KERNELS}
    >>> flat_output_prediction_answer(truth)
    Correct: your predictions for all 4 kernels.
    >>> flat_output_prediction_answer({name: True for name in FLAT_KERNELS})
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: 2 of your 4 predictions are wrong.
    """
    names = sorted(FLAT_KERNELS)
    if not isinstance(checkerboard, dict) or sorted(checkerboard) != names:
        raise WrongAnswer(f"checkerboard should be a dict with the keys {names}, one per kernel; "
                          f"got {checkerboard!r}.")
    for name, value in checkerboard.items():
        if not isinstance(value, (bool, np.bool_)):
            raise WrongAnswer(f"checkerboard[{name!r}] should be True or False, not {value!r}.")
    wrong = sum(bool(checkerboard[name]) != bool(np.ptp(flat_interior(*FLAT_KERNELS[name])) > 1e-9)
                for name in names)
    if wrong:
        raise WrongAnswer(f"{wrong} of your {len(names)} predictions are wrong.")
    correct(f"your predictions for all {len(names)} kernels")


@exercise("ch6-design-flat")
def flat_kernel_design_answer(kernel):
    """Check a designed 4×4 kernel: every tap nonzero, not its own left-right mirror image,
    and with stride 2 a flat input of ones gives an interior of ones.

    >>> flat_kernel_design_answer(np.full((4, 4), 0.25))
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: your kernel is its own left-right mirror image (kernel[:, ::-1]); design one that is not.
    >>> flat_kernel_design_answer(np.array([[1, 2, 3, 4]] * 4) / 10)
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: the interior of the output is not flat: pixels of phase (0, 0) are 0.8, pixels of phase (0, 1) are 1.2.
    """
    try:
        w = np.asarray(kernel, dtype=float)
    except (TypeError, ValueError) as error:
        raise WrongAnswer(f"your kernel cannot be read as an array of numbers ({error}).") from None
    if w.shape != (4, 4):
        raise WrongAnswer(f"your kernel has shape {w.shape}, expected (4, 4).")
    if not np.isfinite(w).all():
        raise WrongAnswer("your kernel has an infinite or NaN entry.")
    small = np.argwhere(np.abs(w) < 1e-6)
    if len(small):
        raise WrongAnswer(f"tap {[int(i) for i in small[0]]} of your kernel is zero; every tap "
                          f"must be nonzero.")
    if np.allclose(w, w[:, ::-1]):
        raise WrongAnswer("your kernel is its own left-right mirror image (kernel[:, ::-1]); "
                          "design one that is not.")
    interior = flat_interior(w, 2)
    phases = {(a, b): interior[a, b] for a in range(2) for b in range(2)}
    first = phases[(0, 0)]
    for phase, value in phases.items():
        if not np.isclose(value, first, atol=1e-6):
            raise WrongAnswer(f"the interior of the output is not flat: pixels of phase (0, 0) are "
                              f"{first:.4g}, pixels of phase {phase} are {value:.4g}.")
    if not np.isclose(first, 1.0, atol=1e-6):
        raise WrongAnswer(f"the interior is flat, but at {first:.4g} instead of 1.")
    correct("your asymmetric 4×4 kernel turns ones into ones")


def gradient_phases(kernel=GRADIENT_KERNEL, stride=2, padding=1):
    """The input gradient of ``conv2d(x, kernel, stride, padding)`` for an upstream gradient
    of ones, in the interior: a ``stride × stride`` array, entry ``[α, β]`` for input pixels
    whose row and column are ``α`` and ``β`` modulo the stride.

    >>> gradient_phases(np.ones((3, 3)), 2, 0)
    array([[4., 2.],
           [2., 1.]])
    """
    from .transpose import conv_transpose2d

    kernel = np.asarray(kernel, dtype=float)
    g = np.ones((1, 1, 8, 8))
    # the gradient with respect to the input is the transposed convolution of g
    grad = conv_transpose2d(g, kernel[None, None], stride=stride, padding=padding)[0, 0]
    start = 2 * stride * (max(kernel.shape) // stride + 1)
    return grad[start:start + stride, start:start + stride]


@exercise("ch6-gradient-phases")
def gradient_phases_answer(phase_values):
    """Check the 2×2 array of the input gradient of ``Conv2d(1, 1, 3, stride=2, padding=1)``
    with the kernel ``GRADIENT_KERNEL``, for an upstream gradient of ones: entry ``[α, β]`` is
    the gradient at interior input pixels of row phase ``α`` and column phase ``β``.
    A wrong entry is called too large or too small; its value is not given.

    >>> gradient_phases_answer(gradient_phases())
    Correct: the gradient in all four phases.
    >>> gradient_phases_answer(np.zeros((2, 2)))
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: your phase_values: entry [0, 0] (you have 0) is too small; 4 of 4 entries are wrong.
    """
    from .upsample import polyphase_sums

    expected = gradient_phases()
    try:
        answer = np.asarray(phase_values, dtype=float)
    except (TypeError, ValueError):
        answer = None
    unshifted = polyphase_sums(GRADIENT_KERNEL, 2)
    if answer is not None and answer.shape == (2, 2) and np.allclose(answer, unshifted) \
            and not np.allclose(answer, expected):
        raise WrongAnswer("your phase_values are the polyphase sums of the kernel as they are: "
                          "the padding shifts which taps land on an input pixel of phase (α, β).")
    compare_hidden(phase_values, expected, "your phase_values")
    correct("the gradient in all four phases")


def depth_to_space_reference(x, r):
    """TensorFlow's ``tf.nn.depth_to_space`` in NumPy: ``(N, H, W, c_out·r²)`` to
    ``(N, H·r, W·r, c_out)``, input channel ``(α·r + β)·c_out + f`` going to offset ``(α, β)``
    of output channel ``f``.

    >>> depth_to_space_reference(np.arange(8).reshape(1, 1, 1, 8), 2)[0, :, :, 0]
    array([[0, 2],
           [4, 6]])
    """
    n, h, w, channels = x.shape
    c = channels // (r * r)
    return x.reshape(n, h, w, r, r, c).transpose(0, 1, 3, 2, 4, 5).reshape(n, h * r, w * r, c)


@exercise("ch6-depth-to-space")
def depth_to_space_function(fn):
    """Check ``fn(x, r)``: TensorFlow's sub-pixel rearrangement ``tf.nn.depth_to_space`` for
    NHWC arrays, without calling it.

    >>> depth_to_space_function(depth_to_space_reference)
    Correct: depth_to_space agrees on all 4 cases.
    """
    refuse_calls(fn, {"depth_to_space"}, "your depth_to_space")
    count = 0
    for shape, r in (((1, 1, 1, 4), 2), ((1, 2, 3, 8), 2), ((2, 2, 2, 18), 3), ((1, 3, 2, 12), 2)):
        x = np.arange(float(np.prod(shape))).reshape(shape)
        what = f"depth_to_space(x of shape {shape}, r={r})"
        answer = call(fn, (x, r), what)
        compare_arrays(answer, depth_to_space_reference(x, r), what)
        count += 1
    correct(f"depth_to_space agrees on all {count} cases")


# ---------------------------------------------------------------- chapter 7


def _switched_off(*args, **kwargs):
    """Stands in for a library function during a check; only builtins, so that its code can
    replace the code of a function of another module."""
    raise NotImplementedError("this library's max pooling is switched off during the check: "
                              "write the loops yourself")


class _Forbidden:
    """Inside ``with _Forbidden((module, name), ...)``, the named library functions raise: a
    check of a function the student writes must not be passed by calling the library.

    A plain function's code is swapped, which also catches ``from module import name``;
    other callables are replaced on their module.

    >>> from tconv import pooling
    >>> with _Forbidden((pooling, "max_pool2d")):
    ...     pooling.max_pool2d(np.zeros((1, 2, 2)), 2)
    Traceback (most recent call last):
    ...
    NotImplementedError: this library's max pooling is switched off during the check: write the loops yourself
    >>> pooling.max_pool2d(np.ones((1, 2, 2)), 2)
    array([[[1.]]])
    """

    def __init__(self, *targets):
        self.targets = targets
        self.saved = []

    def __enter__(self):
        import types

        for module, name in self.targets:
            original = getattr(module, name)
            if isinstance(original, types.FunctionType) and not original.__closure__:
                self.saved.append((original, "__code__", original.__code__))
                original.__code__ = _switched_off.__code__
            else:
                self.saved.append((module, name, original))
                setattr(module, name, _switched_off)
        return self

    def __exit__(self, *exc):
        for owner, name, value in reversed(self.saved):
            setattr(owner, name, value)
        self.saved = []
        return False


def _pooling_libraries():
    """The library versions of max pooling that a student's loops must not call."""
    from . import pooling

    targets = [(pooling, "max_pool2d")]
    try:
        import torch.nn.functional as F
    except ImportError:  # pragma: no cover - PyTorch is installed with the course
        return targets
    return targets + [(F, "max_pool2d"), (F, "max_pool2d_with_indices")]


@exercise("ch7-max-pool", function="my_max_pool")
def max_pool_function(fn):
    """Check ``fn(x, k, s)``: k×k max pooling with stride ``s`` (windows may overlap) of a
    2-D array ``x``, no padding, returning ``(values, indices)`` with PyTorch's flat indices
    ``row * W + column``; without calling a library's max pooling.

    Examples
    --------
    >>> def pool(x, k, s):
    ...     h, w = (x.shape[0] - k) // s + 1, (x.shape[1] - k) // s + 1
    ...     values, indices = np.zeros((h, w)), np.zeros((h, w), dtype=int)
    ...     for m in range(h):
    ...         for n in range(w):
    ...             window = x[m * s:m * s + k, n * s:n * s + k]
    ...             u, v = np.unravel_index(np.argmax(window), window.shape)
    ...             values[m, n] = window[u, v]
    ...             indices[m, n] = (m * s + u) * x.shape[1] + n * s + v
    ...     return values, indices
    >>> max_pool_function(pool)
    Correct: max pooling agrees on all 6 cases.
    """
    from .pooling import max_pool2d

    rng = np.random.default_rng(5)
    cases = (((4, 4), 2, 2), ((5, 5), 3, 2), ((4, 6), 3, 1), ((7, 5), 2, 3), ((6, 6), 3, 3),
             ((5, 4), 2, 1))
    for shape, k, s in cases:
        x = rng.permutation(np.arange(float(np.prod(shape)))).reshape(shape)
        values, indices = max_pool2d(x[None], k, stride=s, return_indices=True)
        what = f"max pooling of a {shape[0]}×{shape[1]} input, k={k}, s={s}"
        with _Forbidden(*_pooling_libraries()):
            answer = call(fn, (x.copy(), k, s), what)
        try:
            answer_values, answer_indices = answer
        except (TypeError, ValueError):
            raise WrongAnswer(f"{what}: return a pair (values, indices).") from None
        compare_arrays(answer_values, values[0], what + ": the values")
        compare_arrays(answer_indices, indices[0], what + ": the indices")
    correct(f"max pooling agrees on all {len(cases)} cases")


@exercise("ch7-shared")
def shared_max_gradient_answer(answer, x, g):
    """Check a predicted gradient of ``L = sum(max_pool2d(x, 3, stride=2) * g)`` with respect
    to the 2-D ``x``; the message says which entry is too large or too small, not its value.

    Examples
    --------
    >>> x = np.arange(25.0).reshape(5, 5)
    >>> grad = np.zeros((5, 5)); grad[2, 2], grad[2, 4], grad[4, 2], grad[4, 4] = 1, 2, 3, 4
    >>> shared_max_gradient_answer(grad, x, np.array([[1.0, 2.0], [3.0, 4.0]]))
    Correct: the gradient, where windows share a maximum.
    """
    from .pooling import max_pool2d

    x = np.asarray(x, dtype=float)
    _, indices = max_pool2d(x[None], 3, stride=2, return_indices=True)
    expected = np.zeros(x.size)
    np.add.at(expected, indices.reshape(-1), np.asarray(g, dtype=float).reshape(-1))
    expected = expected.reshape(x.shape)
    try:
        answer = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        raise WrongAnswer(f"your gradient should be an array of shape {x.shape}.") from None
    if answer.shape != x.shape:
        raise WrongAnswer(f"your gradient has shape {answer.shape}; it should have the shape "
                          f"of x, {x.shape}.")
    wrong = ~np.isclose(answer, expected)
    if wrong.any():
        index = tuple(int(v) for v in np.argwhere(wrong)[0])
        size = "large" if answer[index] > expected[index] else "small"
        raise WrongAnswer(f"your gradient: entry {list(index)} is too {size} "
                          f"({int(wrong.sum())} of {wrong.size} entries wrong).")
    correct("the gradient, where windows share a maximum")


@exercise("ch7-gradient")
def max_pool_backward_function(fn):
    """Check ``fn(g, indices, input_shape)``: the gradient of max pooling, ``Jᵀ g``, from the
    recorded flat ``indices``, for windows that may overlap (a shared maximum adds up).

    Examples
    --------
    >>> def backward(g, indices, input_shape):
    ...     grad = np.zeros(input_shape)
    ...     np.add.at(grad.reshape(-1), indices.reshape(-1), g.reshape(-1))
    ...     return grad
    >>> max_pool_backward_function(backward)
    Correct: max_pool_backward agrees on all 5 cases.
    """
    from .pooling import max_pool2d

    rng = np.random.default_rng(7)
    cases = (((4, 4), 2, 2), ((5, 5), 3, 2), ((4, 5), 2, 1), ((6, 6), 3, 1), ((7, 7), 3, 2))
    shared = 0
    for shape, k, s in cases:
        x = rng.permutation(np.arange(float(np.prod(shape)))).reshape(shape)
        _, indices = max_pool2d(x[None], k, stride=s, return_indices=True)
        indices = indices[0]
        g = rng.integers(1, 6, indices.shape).astype(float)
        expected = np.zeros(x.size)
        np.add.at(expected, indices.reshape(-1), g.reshape(-1))
        shared += len(np.unique(indices)) < indices.size
        what = f"max_pool_backward for a {shape[0]}×{shape[1]} input, k={k}, s={s}"
        answer = call(fn, (g.copy(), indices.copy(), shape), what)
        compare_arrays(answer, expected.reshape(shape), what)
    assert shared >= 2  # the cases do test shared maxima
    correct(f"max_pool_backward agrees on all {len(cases)} cases")


@exercise("ch7-nearest", "weight", "stride", "padding", "groups")
def upsample_blur_layer_answer(weight, stride, padding, groups, channels=3):
    """Check a design: one ``conv_transpose2d(x, weight, stride=stride, padding=padding,
    groups=groups)`` equals nearest-neighbour upsampling by 2 followed by a 3 × 3 box blur
    (the mean of each 3 × 3 neighbourhood, zero padding 1), each of ``channels`` channels on
    its own, for inputs of several sizes.

    Examples
    --------
    >>> box = np.array([1, 2, 2, 1]) / 3
    >>> upsample_blur_layer_answer(np.tile(np.outer(box, box), (3, 1, 1, 1)), 2, 1, 3)
    Correct: your one layer does both steps, on inputs of 3 sizes.
    """
    from .transpose import conv_transpose2d
    from .upsample import resize_nearest

    rng = np.random.default_rng(8)
    blur = np.full((channels, 1, 3, 3), 1 / 9)
    shapes = ((channels, 1, 1), (channels, 4, 5), (channels, 6, 3))
    for shape in shapes:
        x = rng.standard_normal(shape)
        what = f"your layer on an input of shape {shape}"
        try:
            y = conv_transpose2d(x, np.asarray(weight, dtype=float), stride=stride,
                                 padding=padding, groups=groups)
        except (TypeError, ValueError) as error:
            raise WrongAnswer(f"{what} cannot run: {error}") from None
        expected = conv2d(resize_nearest(x, 2), blur, padding=1, groups=channels)
        if y.shape != expected.shape:
            raise WrongAnswer(f"{what} gives shape {y.shape}; upsampling by 2 then blurring "
                              f"gives {expected.shape}.")
        compare_hidden(y, expected, what)
    correct(f"your one layer does both steps, on inputs of {len(shapes)} sizes")


# ---------------------------------------------------------------- chapter 8


def keras_size_and_accepted(input_size, kernel_size, strides, padding, output_padding):
    """The size Keras's ``Conv2DTranspose`` asks for along one axis, and whether
    ``tf.nn.conv2d_transpose`` accepts it (``None`` if it does not: the layer fails).

    Examples
    --------
    >>> keras_size_and_accepted(5, 4, 2, "valid", None), keras_size_and_accepted(5, 2, 3, "valid", None)
    (12, 15)
    >>> print(keras_size_and_accepted(5, 4, 2, "same", 0))
    None
    """
    from .port import reachable_tf_output_sizes

    i, k, s = input_size, kernel_size, strides
    if output_padding is None:
        size = i * s + max(k - s, 0) if padding == "valid" else i * s
    else:
        pad = k // 2 if padding == "same" else 0
        size = (i - 1) * s + k - 2 * pad + output_padding
    return size if size in reachable_tf_output_sizes(i, k, s, padding) else None


@exercise("ch8-keras-predict")
def keras_heights_answer(heights, input_size, layers):
    """Check predicted output heights of Keras ``Conv2DTranspose`` layers on an input of
    ``input_size`` rows; ``None`` predicts that the call fails. ``layers`` is a list of dicts
    with ``kernel_size``, ``strides``, ``padding`` and ``output_padding``.

    Examples
    --------
    >>> layers = [dict(kernel_size=3, strides=2, padding="same", output_padding=None)]
    >>> keras_heights_answer([10], 5, layers)
    Correct: all 1 predicted heights.
    >>> keras_heights_answer([11], 5, layers)
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: layer 1 (kernel_size=3, strides=2, padding='same', output_padding=None): your height is too large.
    """
    if not isinstance(heights, (list, tuple)) or len(heights) != len(layers):
        raise WrongAnswer(f"heights must be a list of {len(layers)} entries, one per layer "
                          f"(an int, or None for a call that fails); you give {heights!r}.")
    for number, (height, layer) in enumerate(zip(heights, layers), start=1):
        expected = keras_size_and_accepted(input_size, **layer)
        what = f"layer {number} ({', '.join(f'{key}={value!r}' for key, value in layer.items())})"
        if height is not None and not is_int_like(height):
            raise WrongAnswer(f"{what}: {height!r} is neither an int nor None.")
        if expected is None and height is not None:
            raise WrongAnswer(f"{what}: your height is wrong; does tf.nn.conv2d_transpose "
                              f"accept the size Keras asks for?")
        if expected is not None and height is None:
            raise WrongAnswer(f"{what}: you predict a failure, but this layer runs.")
        if expected is not None and int(height) != expected:
            side = "large" if int(height) > expected else "small"
            raise WrongAnswer(f"{what}: your height is too {side}.")
    correct(f"all {len(layers)} predicted heights")


def is_int_like(value):
    """True for ints and integer NumPy scalars (not bools, not floats).

    >>> is_int_like(3), is_int_like(np.int64(3)), is_int_like(3.0), is_int_like(True)
    (True, True, False, False)
    """
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


@exercise("ch8-decoder-bug")
def decoder_block_function(fn):
    """Check ``fn(x, filters)``: NHWC ``x`` doubled in height and width by a 4×4, stride-2
    ``tf.nn.conv2d_transpose`` with ``padding="SAME"``, where ``filters`` is written
    ``[height, width, in_channels, out_channels]`` of the transposed convolution itself.

    Examples
    --------
    >>> def decoder_block(x, filters):  # the same computation, without TensorFlow
    ...     from tconv import conv_transpose2d
    ...     y = conv_transpose2d(x.transpose(0, 3, 1, 2), filters.transpose(2, 3, 0, 1),
    ...                          stride=2, padding=1)
    ...     return y.transpose(0, 2, 3, 1)
    >>> decoder_block_function(decoder_block)
    Correct: decoder_block is right in all 3 cases.
    """
    from .port import conv2d_transpose_tf_to_torch, crop_output
    from .transpose import conv_transpose2d

    rng = np.random.default_rng(8)
    cases = ((3, 3, 4), (2, 5, 3), (4, 1, 5))
    for c_in, c_out, size in cases:
        x = rng.standard_normal((1, size, size, c_in)).astype(np.float32)
        filters = rng.standard_normal((4, 4, c_in, c_out)).astype(np.float32)
        tf_filters = filters.transpose(0, 1, 3, 2)              # [h, w, out, in]
        port_call = conv2d_transpose_tf_to_torch(tf_filters, (size, size), (2 * size, 2 * size),
                                                 2, "SAME")
        y = conv_transpose2d(x.transpose(0, 3, 1, 2).astype(float), port_call["weight"],
                             stride=port_call["stride"], padding=port_call["padding"],
                             output_padding=port_call["output_padding"])
        expected = crop_output(y, port_call["crop"]).transpose(0, 2, 3, 1)
        what = f"decoder_block on a {size}×{size} input, {c_in} -> {c_out} channels"
        answer = call(fn, (x, filters), what)
        compare_arrays(np.asarray(answer), expected, what, atol=1e-4)
    correct(f"decoder_block is right in all {len(cases)} cases")


@exercise("ch8-dilate", function="dilate")
def dilated_filters_function(fn):
    """Check ``fn(filters, d)``: a ``conv2d_transpose`` filter ``[kH, kW, c_out, c_in]`` with its
    taps spread ``d`` apart, zeros between them, so that dilation 1 computes dilation ``d``.

    Examples
    --------
    >>> def dilate(filters, d):
    ...     kh, kw, c_out, c_in = filters.shape
    ...     out = np.zeros((d * (kh - 1) + 1, d * (kw - 1) + 1, c_out, c_in), filters.dtype)
    ...     out[::d, ::d] = filters
    ...     return out
    >>> dilated_filters_function(dilate)
    Correct: dilate agrees on all 4 cases.
    """
    count = 0
    for shape, d in (((3, 3, 1, 1), 2), ((2, 3, 2, 4), 3), ((3, 1, 3, 2), 2), ((2, 2, 1, 2), 1)):
        filters = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
        kh, kw = shape[:2]
        expected = np.zeros((d * (kh - 1) + 1, d * (kw - 1) + 1) + shape[2:])
        expected[::d, ::d] = filters
        what = f"dilate(filters of shape {list(shape)}, d={d})"
        compare_arrays(call(fn, (filters, d), what), expected, what)
        count += 1
    correct(f"dilate agrees on all {count} cases")


@exercise("ch8-same-crop")
def tf_same_values_answer(predictions, x, w, stride):
    """Check predicted outputs of ``tf.nn.conv1d_transpose(x, w, ..., padding="SAME")`` for
    one-channel 1-D ``x`` and ``w``; ``predictions`` maps each output size to the values.
    A wrong prediction is told which entry is wrong, not its value.

    Examples
    --------
    >>> tf_same_values_answer({3: [1, 2, 1], 4: [1, 1, 2, 1]}, [1, 1], [1, 1, 1], 2)
    Correct: the outputs of sizes 3 and 4.
    >>> tf_same_values_answer({3: [1, 1, 2], 4: [1, 1, 2, 1]}, [1, 1], [1, 1, 1], 2)
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: output size 3: entry 1 of your prediction is too small.
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    i, k = x.size, w.size
    if not isinstance(predictions, dict):
        raise WrongAnswer(f"predictions must be a dict {{output size: list of values}}; "
                          f"you give {type(predictions).__name__}.")
    for o in predictions:
        if not is_int_like(o):
            raise WrongAnswer(f"predictions must be a dict {{output size: list of values}} whose "
                              f"keys are ints; got a key of type {type_name(o)}.")
    for o, values in sorted(predictions.items()):
        if shapes.conv2d_output_size(o, k, stride, "same") != i:
            raise WrongAnswer(f"TensorFlow does not accept an output of size {o} for an input "
                              f"of {i} with stride {stride}.")
        before, _ = shapes.same_padding(o, k, stride)
        full = np.zeros(max((i - 1) * stride + k, before + o))
        for m in range(i):
            full[m * stride:m * stride + k] += x[m] * w
        expected = full[before:before + o]
        try:
            values = np.asarray(values, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise WrongAnswer(f"output size {o}: {values!r} is not a list of numbers.") from None
        if values.size != o:
            raise WrongAnswer(f"output size {o}: your prediction has {values.size} entries.")
        wrong = np.flatnonzero(~np.isclose(values, expected))
        if wrong.size:
            j = int(wrong[0])
            side = "large" if values[j] > expected[j] else "small"
            raise WrongAnswer(f"output size {o}: entry {j} of your prediction is too {side}.")
    correct(f"the outputs of sizes {shapes.describe(sorted(predictions))}")


# ---------------------------------------------------------------- chapter 9


@exercise("ch9-shapes-3d", "weight_shape", "output_shape")
def transpose_nd_shapes_answer(weight_shape, output_shape, input_shape, out_channels,
                               kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                               dilation=1):
    """Check a predicted weight shape and output shape of an N-d PyTorch transposed convolution
    (``ConvTranspose1d/2d/3d``) with these settings, on an input of ``input_shape``
    ``(N, c_in, *sizes)``. Sequences give one value per spatial dimension.

    Examples
    --------
    >>> transpose_nd_shapes_answer((4, 2, 3), (1, 2, 12), (1, 4, 5), 2, [3], [2], [0], [1])
    Correct: the weight shape and the output shape.
    >>> transpose_nd_shapes_answer((4, 2, 3), (1, 2, 13), (1, 4, 5), 2, [3], [2], [0], [1])
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: output_shape: entry 2 is too large.
    """
    c_in, sizes = input_shape[1], input_shape[2:]
    per_dim = [tuple(v) if isinstance(v, (list, tuple)) else (v,) * len(sizes)
               for v in (kernel_size, stride, padding, output_padding, dilation)]
    weight = (c_in, out_channels // groups) + per_dim[0]
    spatial = tuple((i - 1) * s - 2 * p + d * (k - 1) + a + 1
                    for i, k, s, p, a, d in zip(sizes, *per_dim))
    output = (input_shape[0], out_channels) + spatial
    for name, answer, expected in (("weight_shape", weight_shape, weight),
                                   ("output_shape", output_shape, output)):
        try:
            answer = tuple(int(v) for v in answer)
        except (TypeError, ValueError):
            raise WrongAnswer(f"{name} must be a tuple of ints; you give {answer!r}.") from None
        if len(answer) != len(expected):
            raise WrongAnswer(f"{name} has {len(answer)} entries; a layer with "
                              f"{len(sizes)} spatial dimensions has {len(expected)}.")
        for axis, (mine, true) in enumerate(zip(answer, expected)):
            if mine != true:
                side = "large" if mine > true else "small"
                raise WrongAnswer(f"{name}: entry {axis} is too {side}.")
    correct("the weight shape and the output shape")


@exercise("ch9-double")
def doubling_settings_function(fn):
    """Check ``fn(kernel_size)``: for an odd kernel size of at least 3, the
    ``(stride, padding, output_padding)`` of a ConvTranspose2d that turns every input size
    ``i`` into exactly ``2 i``.

    Examples
    --------
    >>> doubling_settings_function(lambda k: (2, (k - 1) // 2, 1))
    Correct: doubling_settings doubles every size from 1 to 32 for kernels 3, 5, 7, 9 and 11.
    >>> doubling_settings_function(lambda k: (2, 1, 1))
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: doubling_settings(5) = (2, 1, 1): an input of 1 gives 4, not 2.
    """
    kernels = (3, 5, 7, 9, 11)
    for k in kernels:
        what = f"doubling_settings({k})"
        answer = call(fn, (k,), what)
        if not isinstance(answer, (tuple, list)) or len(answer) != 3:
            raise WrongAnswer(f"{what} returns {answer!r}; expected a tuple "
                              f"(stride, padding, output_padding).")
        for name, value in zip(("stride", "padding", "output_padding"), answer):
            if not is_int_like(value):
                raise WrongAnswer(f"{what}: {name}={value!r} must be an int.")
        stride, padding, output_padding = (int(v) for v in answer)
        what = f"{what} = {(stride, padding, output_padding)}"
        if stride < 1 or padding < 0 or not 0 <= output_padding < stride:
            raise WrongAnswer(f"{what}: these settings are invalid; PyTorch needs stride >= 1, "
                              f"padding >= 0 and 0 <= output_padding < stride.")
        for i in range(1, 33):
            o = (i - 1) * stride - 2 * padding + k + output_padding
            if o != 2 * i:
                raise WrongAnswer(f"{what}: an input of {i} gives {o}, not {2 * i}.")
    correct(f"doubling_settings doubles every size from 1 to 32 for kernels "
            f"{shapes.describe(kernels)}")


def conv_transpose1d_reference(x, w, stride, padding, output_padding):
    """1-D transposed convolution (no groups) by scatter: ``x`` (c_in, i), ``w``
    (c_in, c_out, k), result (c_out, o) with o = (i - 1)s - 2p + k + a.

    >>> conv_transpose1d_reference(np.array([[1.0, 2.0]]), np.array([[[1.0, 1.0, 1.0]]]), 2, 1, 1)
    array([[1., 3., 2., 2.]])
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    (c_in, i), (_, c_out, k) = x.shape, w.shape
    full = np.zeros((c_out, (i - 1) * stride + k + output_padding))
    for m in range(i):
        full[:, m * stride:m * stride + k] += np.einsum("c,cfu->fu", x[:, m], w)
    return full[:, padding:full.shape[1] - padding]


@exercise("ch9-extra-rows")
def output_padding_values_answer(values, x, w, stride, padding, output_padding):
    """Check a predicted output of ``F.conv_transpose1d`` for one-channel 1-D ``x`` and ``w``.
    A wrong prediction is told which entry is wrong, not its value.

    Examples
    --------
    >>> output_padding_values_answer([1, 3, 2, 2], [1, 2], [1, 1, 1], 2, 1, 1)
    Correct: the output values, entry by entry.
    >>> output_padding_values_answer([1, 3, 2, 0], [1, 2], [1, 1, 1], 2, 1, 1)
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: entry 3 of your prediction is too small.
    """
    expected = conv_transpose1d_reference(np.asarray(x, dtype=float)[None],
                                          np.asarray(w, dtype=float)[None, None],
                                          stride, padding, output_padding)[0]
    try:
        values = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise WrongAnswer(f"values must be a list of numbers; you give {values!r}.") from None
    if values.size != expected.size:
        side = "many" if values.size > expected.size else "few"
        raise WrongAnswer(f"your prediction has {values.size} entries: too {side}; the output "
                          f"size is (i - 1)s - 2p + k + a.")
    wrong = np.flatnonzero(~np.isclose(values, expected))
    if wrong.size:
        j = int(wrong[0])
        side = "large" if values[j] > expected[j] else "small"
        raise WrongAnswer(f"entry {j} of your prediction is too {side}.")
    correct("the output values, entry by entry")


@exercise("ch9-bug")
def conv_transpose1d_function(fn):
    """Check ``fn(x, w, stride, padding, output_padding)``: a hand-written 1-D transposed
    convolution, ``x`` (c_in, i), ``w`` (c_in, c_out, k), against PyTorch. PyTorch's and
    tconv's transposed convolutions are switched off while ``fn`` runs.

    Examples
    --------
    >>> conv_transpose1d_function(conv_transpose1d_reference)
    Correct: conv_transpose1d agrees with PyTorch on all 5 cases.
    """
    import contextlib
    from unittest import mock

    import torch
    import torch.nn.functional as F

    import importlib

    from . import transpose

    package = importlib.import_module(__package__)

    rng = np.random.default_rng(9)
    cases = ((1, 1, 3, 2, 1, 1, 4), (2, 3, 3, 2, 1, 1, 5), (3, 2, 5, 2, 2, 1, 4),
             (1, 2, 4, 3, 1, 2, 3), (2, 2, 3, 2, 0, 1, 4))
    expected = []
    for c_in, c_out, k, s, p, a, i in cases:
        x, w = rng.standard_normal((c_in, i)), rng.standard_normal((c_in, c_out, k))
        y = F.conv_transpose1d(torch.tensor(x[None]), torch.tensor(w), stride=s, padding=p,
                               output_padding=a)[0].numpy()
        expected.append((x, w, s, p, a, y))

    def refuse(*args, **kwargs):
        raise WrongAnswer("the exercise asks you to fix the hand-written loop, not to call a "
                          "library's transposed convolution.")

    blocked = [(module, f"conv_transpose{n}d") for module in (F, torch) for n in (1, 2, 3)]
    blocked += [(getattr(torch.nn, f"ConvTranspose{n}d"), "forward") for n in (1, 2, 3)]
    blocked += [(transpose, name) for name in ("conv_transpose2d", "scatter", "by_matrix",
                                               "zero_insertion")]
    blocked += [(package, "conv_transpose2d")]
    with contextlib.ExitStack() as stack:
        for module, name in blocked:
            stack.enter_context(mock.patch.object(module, name, refuse))
        for x, w, s, p, a, y in expected:
            what = (f"conv_transpose1d(x of shape {x.shape}, w of shape {w.shape}, stride={s}, "
                    f"padding={p}, output_padding={a})")
            answer = call(fn, (x.copy(), w.copy(), s, p, a), what)
            compare_arrays(answer, y, what, atol=1e-8)
    correct(f"conv_transpose1d agrees with PyTorch on all {len(expected)} cases")


# ---------------------------------------------------------------- chapter 10


@exercise("ch10-symmetric")
def symmetric_same_sizes_answer(sizes, kernel_size, stride, candidates=range(1, 13)):
    """Check the set of input sizes, among ``candidates``, for which PyTorch's symmetric
    ``padding=(k - 1) // 2`` computes TensorFlow's ``SAME`` convolution: same shape, same values.

    The truth comes from running both paddings (``tconv.conv2d`` follows each library). A wrong
    answer is told how many sizes are wrong, never which.

    Examples
    --------
    >>> symmetric_same_sizes_answer({1, 4, 7, 10}, kernel_size=3, stride=3)
    Correct: the sizes where padding=1 is SAME, for k=3, s=3 and i from 1 to 12.
    >>> symmetric_same_sizes_answer({3, 6, 9, 12}, kernel_size=3, stride=3)
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: 4 of your sizes give other values with padding=1 than SAME, and you miss 4 sizes where they agree. Work out how SAME splits its padding for each size.
    """
    candidates = list(candidates)
    try:
        answer = {int(v) for v in sizes if float(v) == int(v)}
        if len(answer) != len(set(sizes)):
            raise ValueError
    except (TypeError, ValueError):
        raise WrongAnswer(f"your answer should be a set of whole input sizes such as {{2, 5}}, "
                          f"not {sizes!r}.") from None
    outside = sorted(answer - set(candidates))
    if outside:
        raise WrongAnswer(f"{outside} are not among the sizes asked about, {candidates[0]} to "
                          f"{candidates[-1]}.")
    rng = np.random.default_rng(10)
    pad = (kernel_size - 1) // 2
    weight = rng.standard_normal((2, 2, kernel_size, kernel_size))
    truth = set()
    for i in candidates:
        x = rng.standard_normal((1, 2, i, i))
        same = conv2d(x, weight, stride=stride, padding="same")
        try:
            symmetric = conv2d(x, weight, stride=stride, padding=pad)
        except ValueError:  # the kernel does not fit: no output at all
            continue
        if same.shape == symmetric.shape and np.allclose(same, symmetric):
            truth.add(i)
    extra, missing = answer - truth, truth - answer
    if extra or missing:
        raise WrongAnswer(f"{len(extra)} of your sizes give other values with padding={pad} than "
                          f"SAME, and you miss {len(missing)} sizes where they agree. Work out how "
                          f"SAME splits its padding for each size.")
    correct(f"the sizes where padding={pad} is SAME, for k={kernel_size}, s={stride} and i from "
            f"{candidates[0]} to {candidates[-1]}")


def torch_crop(y, crop):
    """Cut a converter's ``crop`` ``((top, bottom), (left, right))`` from a torch NCHW tensor.

    >>> import torch
    >>> torch_crop(torch.ones(1, 1, 7, 7), ((1, 2), (0, 1))).shape
    torch.Size([1, 1, 4, 6])
    """
    if crop is None:
        return y
    (top, bottom), (left, right) = crop
    return y[..., top:y.shape[-2] - bottom, left:y.shape[-1] - right]


@exercise("ch10-bugs", function="fixed_port")
def ported_transpose_layer_function(fn):
    """Check ``fn(x, filters, bias)``: Keras's ``Conv2DTranspose(kernel_size=5, strides=2,
    padding="same")`` computed in PyTorch. ``x`` is an NCHW torch tensor; ``filters``
    (5, 5, c_out, c_in) and ``bias`` (c_out,) are the Keras weights as NumPy arrays.

    The result must be a torch tensor computed from ``x``: the check also compares the gradient
    with respect to ``x``, so a TensorFlow or NumPy result copied into a tensor does not pass,
    and ``fn`` may not use ``tf``, ``keras`` or ``tconv.port``.

    Examples
    --------
    >>> import torch
    >>> def port(x, filters, bias):
    ...     weight = torch.tensor(filters.transpose(3, 2, 0, 1).copy())
    ...     y = torch.nn.functional.conv_transpose2d(x, weight, torch.tensor(bias), stride=2,
    ...                                              padding=1)
    ...     return y[..., :-1, :-1]
    >>> ported_transpose_layer_function(port)
    Correct: your port computes Keras's layer and its gradient in all 3 cases.
    """
    import torch
    import torch.nn.functional as F

    from .port import conv2d_transpose_tf_to_torch

    refuse_calls(fn, {"tf", "tensorflow", "keras", "port", "conv2d_transpose",
                      "conv2d_transpose_tf_to_torch", "crop_output", "Conv2DTranspose"},
                 "your port")
    rng = np.random.default_rng(11)
    cases = ((3, 2, 4), (3, 3, 5), (1, 2, 3))  # c_in, c_out, input size
    for c_in, c_out, size in cases:
        filters = rng.standard_normal((5, 5, c_out, c_in)).astype(np.float32)
        bias = rng.standard_normal(c_out).astype(np.float32)
        x = rng.standard_normal((2, c_in, size, size)).astype(np.float32)
        args = conv2d_transpose_tf_to_torch(filters, (size, size), (2 * size, 2 * size), 2,
                                            "SAME")
        reference_x = torch.tensor(x, requires_grad=True)
        expected = torch_crop(F.conv_transpose2d(
            reference_x, torch.tensor(args["weight"].copy()), torch.tensor(bias), stride=2,
            padding=args["padding"], output_padding=args["output_padding"]), args["crop"])
        g = torch.tensor(rng.standard_normal(tuple(expected.shape)).astype(np.float32))
        (expected * g).sum().backward()
        what = f"your port of a batch of two {size}×{size} inputs, {c_in} -> {c_out} channels"
        student_x = torch.tensor(x, requires_grad=True)
        answer = call(fn, (student_x, filters.copy(), bias.copy()), what)
        if not isinstance(answer, torch.Tensor):
            raise WrongAnswer(f"{what} returns a {type(answer).__name__}, not a torch tensor: "
                              f"a ported layer runs in PyTorch.")
        compare_arrays(answer.detach().numpy(), expected.detach().numpy(), what, atol=1e-3)
        if answer.grad_fn is None:
            raise WrongAnswer(f"{what}: no gradient flows back to x, so the result was not "
                              f"computed from x by PyTorch operations. A ported layer must be "
                              f"trainable in PyTorch.")
        (answer * g).sum().backward()
        compare_arrays(student_x.grad.numpy(), reference_x.grad.numpy(),
                       f"the gradient of {what} with respect to x", atol=1e-3)
    correct(f"your port computes Keras's layer and its gradient in all {len(cases)} cases")


@exercise("ch10-crop", function="same_crop")
def same_transpose_crop_function(fn):
    """Check ``fn(i, o, k, s)``: the rows ``(top, bottom)`` to cut from PyTorch's full
    transposed convolution (``padding=0``) to get TensorFlow's ``SAME`` result of size ``o``,
    for every ``o`` TensorFlow accepts, with ``k >= s``. ``fn`` may not use ``tconv.port``.

    Examples
    --------
    >>> def crop(i, o, k, s):
    ...     before = max((i - 1) * s + k - o, 0) // 2
    ...     return before, (i - 1) * s + k - before - o
    >>> same_transpose_crop_function(crop)
    Correct: same_transpose_crop agrees on all 63 cases.
    """
    from .port import reachable_tf_output_sizes

    refuse_calls(fn, {"port", "conv2d_transpose_tf_to_torch", "crop_output"}, "your same_crop")
    cases = [dict(i=i, o=o, k=k, s=s) for i in (2, 3, 5) for k in (2, 3, 4, 5) for s in (1, 2, 3)
             if k >= s for o in reachable_tf_output_sizes(i, k, s, "SAME")]

    def reference(i, o, k, s):
        before, _ = shapes.same_padding(o, k, s)
        return (before, (i - 1) * s + k - before - o)

    function_cases(converted(fn, lambda pair: tuple(int(v) for v in pair)), reference, cases,
                   "same_transpose_crop")


@exercise("ch10-no-crop", function="no_crop_port")
def same_without_crop_function(fn):
    """Check ``fn(k, s)``: PyTorch's ``(padding, output_padding)`` that compute TensorFlow's
    ``SAME`` transposed convolution from ``i`` to ``i * s`` rows with no crop, for every ``i``,
    or ``None`` when only a crop can. ``fn`` may not use ``tconv.port``.

    Examples
    --------
    >>> def no_crop(k, s):
    ...     if k < s:
    ...         return 0, s - k
    ...     return ((k - s) // 2, 0) if (k - s) % 2 == 0 else None
    >>> same_without_crop_function(no_crop)
    Correct: no_crop_port agrees on all 28 cases.
    """
    from .port import conv2d_transpose_tf_to_torch

    refuse_calls(fn, {"port", "conv2d_transpose_tf_to_torch", "crop_output"},
                 "your no_crop_port")

    def reference(k, s):
        found = set()
        for i in (3, 4, 7):
            args = conv2d_transpose_tf_to_torch(np.zeros((k, k, 1, 1)), (i, i), (i * s, i * s),
                                                s, "SAME")
            found.add(None if args["crop"] else (args["padding"][0], args["output_padding"][0]))
        return found.pop() if len(found) == 1 else None

    answer = converted(fn, lambda pair: tuple(int(v) for v in pair))

    cases = [dict(k=k, s=s) for s in (1, 2, 3, 4) for k in range(1, 8)]
    function_cases(answer, reference, cases, "no_crop_port")


# ---------------------------------------------------------------- chapter 11


def compare_fraction(answer, expected, what, tolerance=1e-3):
    """Raise :class:`WrongAnswer` unless ``answer`` is a number within ``tolerance`` of
    ``expected``; the message says too large or too small, never the value.

    >>> compare_fraction(0.5, 0.5, "your share")
    >>> compare_fraction(0.6, 0.5, "your share")
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: your share is too large.
    """
    try:
        value = float(answer)
    except (TypeError, ValueError):
        raise WrongAnswer(f"{what} should be a number, not {answer!r}.") from None
    if not 0 <= value <= 1:
        raise WrongAnswer(f"{what} is a fraction of a whole: between 0 and 1, not {value:g}.")
    if abs(value - expected) > tolerance:
        raise WrongAnswer(f"{what} is {'too large' if value > expected else 'too small'}.")


@exercise("ch11-border")
def scatter_inside_fraction_answer(answer, input_size, kernel_size, stride, padding):
    """Check the fraction of scatter's multiply-adds that land inside the output of a
    one-channel transposed convolution: the nonzeros of Cᵀ over (input pixels × kernel taps).

    Examples
    --------
    >>> scatter_inside_fraction_answer(0.765625, input_size=4, kernel_size=4, stride=2,
    ...                                padding=1)
    Correct: the fraction of scatter's multiply-adds inside the output (i=4, k=4, s=2, p=1).
    >>> scatter_inside_fraction_answer(0.75, input_size=4, kernel_size=4, stride=2, padding=1)
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: your fraction inside the output is too small.
    """
    from .matrix import conv_transpose_matrix

    kernel = np.ones((1, 1, kernel_size, kernel_size))
    inside = conv_transpose_matrix(kernel, input_size, stride=stride, padding=padding).nnz
    expected = inside / (input_size**2 * kernel_size**2)
    compare_fraction(answer, expected, "your fraction inside the output")
    correct(f"the fraction of scatter's multiply-adds inside the output (i={input_size}, "
            f"k={kernel_size}, s={stride}, p={padding})")


@exercise("ch11-placement")
def placement_share_answer(answer, batch, in_channels, out_channels, kernel_size, side):
    """Check the share of scatter's FLOPs that the placement (col2im) does: the product costs
    2·c_in FLOPs per stamp value, the placement one addition per stamp value.

    Examples
    --------
    >>> placement_share_answer(1 / 17, batch=2, in_channels=8, out_channels=8, kernel_size=4,
    ...                        side=64)
    Correct: the placement's share of scatter's FLOPs (c_in=8).
    >>> placement_share_answer(0.5, batch=2, in_channels=8, out_channels=8, kernel_size=4,
    ...                        side=64)
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: your placement share is too large.
    """
    stamp_values = out_channels * kernel_size**2 * batch * side * side
    product = 2 * in_channels * stamp_values   # (c_out k² × c_in) · (c_in × N H W)
    placement = stamp_values
    compare_fraction(answer, placement / (product + placement), "your placement share",
                     tolerance=2e-3)
    correct(f"the placement's share of scatter's FLOPs (c_in={in_channels})")


@exercise("ch11-cheaper")
def cheaper_zero_insertion_answer(design, input_size):
    """Check a designed ``(k, s, p)``, with ``k >= 2`` and ``0 <= p <= k - 1``, for which zero
    insertion does fewer multiply-adds than scatter on an ``input_size`` square input; the two
    methods are also run to make sure the layer is valid.

    Examples
    --------
    >>> cheaper_zero_insertion_answer((3, 1, 2), input_size=16)
    Correct: zero insertion does fewer multiply-adds than scatter for your layer.
    >>> cheaper_zero_insertion_answer((4, 2, 1), input_size=16)
    Traceback (most recent call last):
    ...
    tconv.check.WrongAnswer: with k=4, s=2, p=1 the output is 32×32, not smaller than the 16×16 input, so zero insertion does at least as many multiply-adds as scatter.
    """
    from .transpose import conv_transpose2d

    try:
        k, s, p = design
        assert all(is_int_like(v) for v in (k, s, p))
    except (TypeError, ValueError, AssertionError):
        raise WrongAnswer(f"design should be three whole numbers (k, s, p), not {design!r}.") \
            from None
    if k < 2 or s < 1 or not 0 <= p <= k - 1:
        raise WrongAnswer(f"design (k={k}, s={s}, p={p}) breaks the conditions: k >= 2, "
                          f"s >= 1 and 0 <= p <= k - 1.")
    out = (input_size - 1) * s + k - 2 * p
    if out < 1:
        raise WrongAnswer(f"with k={k}, s={s}, p={p} the output would have {out} rows: "
                          f"that layer does not exist.")
    rng = np.random.default_rng(12)
    x = rng.standard_normal((1, 2, input_size, input_size))
    w = rng.standard_normal((2, 3, k, k))
    same = np.allclose(conv_transpose2d(x, w, stride=s, padding=p),
                       conv_transpose2d(x, w, stride=s, padding=p, method="zero_insertion"))
    assert same, "tconv's scatter and zero insertion disagree"  # a tconv bug, not the student's
    if out * out >= input_size * input_size:
        raise WrongAnswer(f"with k={k}, s={s}, p={p} the output is {out}×{out}, not smaller "
                          f"than the {input_size}×{input_size} input, so zero insertion does at "
                          f"least as many multiply-adds as scatter.")
    correct("zero insertion does fewer multiply-adds than scatter for your layer")


@exercise("ch11-place", function="place")
def place_stamps_function(fn):
    """Check ``fn(stamps, stride, padding)``: the placement (col2im) of scatter. ``stamps`` is
    (N, c_out, k, k, H, W), tap (u, v) of channel f scaled by input pixel (m, n); the result
    is the transposed convolution (N, c_out, (H-1)s + k - 2p, (W-1)s + k - 2p).

    Examples
    --------
    >>> def place(stamps, stride, padding):
    ...     n, c, k, _, h, w = stamps.shape
    ...     full = np.zeros((n, c, (h - 1) * stride + k, (w - 1) * stride + k))
    ...     for u in range(k):
    ...         for v in range(k):
    ...             full[:, :, u:u + (h - 1) * stride + 1:stride,
    ...                  v:v + (w - 1) * stride + 1:stride] += stamps[:, :, u, v]
    ...     return full[:, :, padding:full.shape[2] - padding, padding:full.shape[3] - padding]
    >>> place_stamps_function(place)
    Correct: place agrees with the transposed convolution in all 5 cases.
    """
    from .transpose import conv_transpose2d

    rng = np.random.default_rng(13)
    cases = ((2, 3, 3, 4, 5, 2, 1), (1, 2, 4, 3, 3, 2, 1), (1, 1, 2, 4, 4, 3, 0),
             (2, 2, 3, 3, 2, 1, 1), (1, 2, 5, 2, 3, 2, 2))  # N, c_out, k, H, W, s, p
    for n, c_out, k, h, w, s, p in cases:
        x = rng.standard_normal((n, 2, h, w))
        weight = rng.standard_normal((2, c_out, k, k))
        stamps = np.einsum("cfuv,ncmq->nfuvmq", weight, x)
        expected = conv_transpose2d(x, weight, stride=s, padding=p)
        what = f"place(stamps of shape {stamps.shape}, stride={s}, padding={p})"
        answer = call(fn, (stamps.copy(), s, p), what)
        compare_arrays(answer, expected, what, atol=1e-9)
    correct(f"place agrees with the transposed convolution in all {len(cases)} cases")


# ---------------------------------------------------------------- chapter 12


def count_exercise_stack():
    """The layer stack whose parameters exercise ch12-count asks for (a PyTorch module).

    >>> count_exercise_stack()[0]
    Conv2d(3, 12, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    """
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(3, 12, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(12, 24, kernel_size=3, groups=3, bias=False),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(24 * 7 * 7, 10),
    )


@exercise("ch12-count")
def parameter_count_answer(predicted):
    """Check a predicted number of parameters of :func:`count_exercise_stack`.

    The message says too large or too small, and names a forgotten ``groups`` or
    ``bias=False``, never the count.

    >>> parameter_count_answer(12 * 3 * 9 + 12 + 24 * 4 * 9 + 1176 * 10 + 10)
    Correct: the parameters of the stack, counted by hand.
    """
    predicted = whole_number(predicted, "predicted")
    truth = sum(p.numel() for p in count_exercise_stack().parameters())
    ignored_groups = 24 * 12 * 9 - 24 * 4 * 9  # conv2's filters read 12/3 channels, not 12
    if predicted == truth:
        correct("the parameters of the stack, counted by hand")
        return
    hints = {
        truth + ignored_groups: "you gave each filter of the second convolution all 12 input "
                                "channels; with groups=3 it reads only the channels of its group",
        truth + 24: "the second convolution has bias=False: it has no biases",
        truth + ignored_groups + 24: "the second convolution has groups=3 (each filter reads the "
                                     "channels of its group only) and bias=False (no biases)",
    }
    if predicted in hints:
        raise WrongAnswer(f"predicted is too large: {hints[predicted]}.")
    side = "too large" if predicted > truth else "too small"
    raise WrongAnswer(f"predicted is {side}. Count each layer on its own: weights, then biases; "
                      f"pooling, ReLU and Flatten have none.")


def _lenet_layers(model, fn):
    """The leaf layers of a model, or :class:`WrongAnswer` if it is not a torch module."""
    import torch

    if not isinstance(model, torch.nn.Module):
        raise WrongAnswer(f"{fn} should be a torch.nn.Module, not {type(model).__name__}.")
    return [m for m in model.modules() if not list(m.children())]


@exercise("ch12-bug", "flat_features", "fixed")
def lenet_bug_answer(flat_features, fixed):
    """Check exercise ch12-bug: the features the buggy encoder really gives a 28×28 digit,
    and a fixed model that keeps LeNet-5's convolutions and runs.

    >>> from torch import nn
    >>> fixed = nn.Sequential(
    ...     nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    ...     nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
    ...     nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    >>> lenet_bug_answer(16 * 4 * 4, fixed)
    Correct: the buggy encoder's output size, and a fixed LeNet-5 that reads 28×28 digits.
    """
    import torch

    flat_features = whole_number(flat_features, "flat_features")
    truth = 16 * shapes.conv2d_output_size(
        shapes.conv2d_output_size(shapes.conv2d_output_size(
            shapes.conv2d_output_size(28, 5), 2, stride=2), 5), 2, stride=2) ** 2
    if flat_features == 16 * 5 * 5:
        raise WrongAnswer("flat_features: 16 * 5 * 5 is what the first Linear layer *expects*; "
                          "count what the encoder actually produces from a 28×28 digit.")
    if flat_features != truth:
        side = "too large" if flat_features > truth else "too small"
        raise WrongAnswer(f"flat_features is {side}: follow the size 28 through each "
                          f"convolution and pooling layer.")
    layers = _lenet_layers(fixed, "fixed")
    allowed = (torch.nn.Conv2d, torch.nn.ReLU, torch.nn.MaxPool2d, torch.nn.Flatten,
               torch.nn.Linear)
    for layer in layers:
        if type(layer) not in allowed:
            raise WrongAnswer(f"fixed contains a {type(layer).__name__}; keep LeNet-5's kinds "
                              f"of layers (Conv2d, ReLU, MaxPool2d, Flatten, Linear) and change "
                              f"a number instead.")
    convs = [(c.in_channels, c.out_channels, c.kernel_size, c.stride)
             for c in layers if isinstance(c, torch.nn.Conv2d)]
    if convs != [(1, 6, (5, 5), (1, 1)), (6, 16, (5, 5), (1, 1))]:
        raise WrongAnswer(f"fixed's convolutions are {convs}; keep LeNet-5's two: 1 -> 6 and "
                          f"6 -> 16 channels, 5×5 kernels, stride 1 (the bug is elsewhere).")
    outs = [m.out_features for m in layers if isinstance(m, torch.nn.Linear)]
    if outs != [120, 84, 10]:
        raise WrongAnswer(f"fixed's Linear layers give {outs} features; keep 120, 84 and 10.")
    try:
        with torch.no_grad():
            scores = fixed.eval()(torch.zeros(2, 1, 28, 28))
    except Exception as error:
        raise WrongAnswer(f"fixed still fails on a batch of two 28×28 digits: "
                          f"{type(error).__name__}: {error}") from None
    if tuple(scores.shape) != (2, 10):
        raise WrongAnswer(f"fixed maps two 28×28 digits to shape {tuple(scores.shape)}, "
                          f"expected (2, 10).")
    correct("the buggy encoder's output size, and a fixed LeNet-5 that reads 28×28 digits")


def _wide_flat_size(input_size, kernel_size, padding):
    """Features at the end of the wide encoder whose first convolution is (k, p), second SAME."""
    size = shapes.conv2d_output_size(input_size, kernel_size, padding=padding)
    sizes = [size]
    size = shapes.conv2d_output_size(size, 2, stride=2)
    size = shapes.conv2d_output_size(size, 5, padding="same")
    sizes.append(size)
    return 64 * shapes.conv2d_output_size(size, 2, stride=2) ** 2, sizes


@exercise("ch12-design", "kernel_size", "padding", "in_features_valid")
def wide_input_design_answer(kernel_size, padding, in_features_valid):
    """Check exercise ch12-design: a first convolution (stride 1) that brings 32×32 digits
    to the wide encoder's 64×7×7 without a pooling layer dropping a row, and the number of
    features fc1 would need if both convolutions were VALID on 28×28 digits.

    >>> wide_input_design_answer(7, 1, 64 * 4 * 4)
    Correct: the first layer for 32×32 digits, and fc1's input with VALID convolutions.
    """
    if not all(is_int_like(v) for v in (kernel_size, padding)):
        raise WrongAnswer(f"kernel_size and padding should be ints, not {kernel_size!r} and "
                          f"{padding!r}.")
    if kernel_size < 1 or not 0 <= padding < kernel_size:
        raise WrongAnswer(f"kernel_size={kernel_size}, padding={padding}: need kernel_size >= 1 "
                          f"and 0 <= padding < kernel_size (a wider padding makes outputs that "
                          f"see only zeros).")
    if kernel_size > 32 + 2 * padding:
        raise WrongAnswer(f"a {kernel_size}×{kernel_size} kernel does not fit in the padded "
                          f"{32 + 2 * padding}×{32 + 2 * padding} input.")
    flat, sizes = _wide_flat_size(32, kernel_size, padding)
    if flat != 64 * 7 * 7:
        raise WrongAnswer(f"with kernel_size={kernel_size}, padding={padding} the first "
                          f"convolution gives {sizes[0]}×{sizes[0]} maps and the encoder ends "
                          f"with {flat} features, not the 3136 that fc1 was trained for.")
    odd = [size for size in sizes if size % 2]
    if odd:
        raise WrongAnswer(f"with kernel_size={kernel_size}, padding={padding} a pooling layer "
                          f"reads a {odd[0]}×{odd[0]} map and drops its last row and column; "
                          f"choose a design in which no row is dropped.")
    in_features_valid = whole_number(in_features_valid, "in_features_valid")
    truth = 64 * shapes.conv2d_output_size(
        shapes.conv2d_output_size(shapes.conv2d_output_size(
            shapes.conv2d_output_size(28, 5), 2, stride=2), 5), 2, stride=2) ** 2
    if in_features_valid != truth:
        side = "too large" if in_features_valid > truth else "too small"
        raise WrongAnswer(f"in_features_valid is {side}: with VALID, each 5×5 convolution "
                          f"loses pixels; follow the size 28 through all four layers.")
    correct("the first layer for 32×32 digits, and fc1's input with VALID convolutions")


def receptive_field_reference(layers):
    """``(size, jump)`` of one output unit of a stack of ``(kernel_size, stride)`` layers:
    the side of the input square it depends on, and the input distance between neighbours.

    >>> receptive_field_reference([(5, 1), (2, 2), (5, 1), (2, 2)])
    (16, 4)
    """
    size, jump = 1, 1
    for k, s in layers:
        size += (k - 1) * jump
        jump *= s
    return size, jump


@exercise("ch12-receptive")
def receptive_field_function(fn):
    """Check ``fn(layers)`` -> ``(size, jump)`` for stacks of ``(kernel_size, stride)`` layers.

    >>> def receptive_field(layers):
    ...     size, jump = 1, 1
    ...     for k, s in layers:
    ...         size, jump = size + (k - 1) * jump, jump * s
    ...     return size, jump
    >>> receptive_field_function(receptive_field)
    Correct: receptive_field agrees on all 8 cases.
    """
    cases = [[(3, 1)], [(2, 2)], [(3, 1), (3, 1)], [(3, 2), (3, 2)], [(2, 2), (2, 2), (2, 2)],
             [(7, 2), (3, 2), (3, 1)], [(5, 1), (2, 2), (5, 1), (2, 2)], []]
    for layers in cases:
        expected = receptive_field_reference(layers)
        what = f"receptive_field({layers})"
        answer = call(fn, ([tuple(layer) for layer in layers],), what)
        try:
            answer = tuple(int(v) for v in answer)
        except (TypeError, ValueError):
            raise WrongAnswer(f"{what} should return a pair of ints (size, jump), not "
                              f"{answer!r}.") from None
        compare_values(answer, expected, what)
    correct(f"receptive_field agrees on all {len(cases)} cases")


# ---------------------------------------------------------------- chapter 13


def _field_rows(unit, size):
    """Rows of the input a unit of the wide encoder's pool2 (row ``unit``) can depend on,
    clipped to an image of ``size`` rows: from the layer definitions (k, s, p)."""
    start, field, jump = 0, 1, 1
    for k, s, p in [(5, 1, 2), (2, 2, 0), (5, 1, 2), (2, 2, 0)]:  # conv1, pool1, conv2, pool2
        start -= p * jump
        field += (k - 1) * jump
        jump *= s
    first = start + unit * jump
    return max(first, 0), min(first + field, size)  # [first, last) inside the image


@exercise("ch13-field", "corner_pixels", "centre_pixels")
def field_pixels_answer(corner_pixels, centre_pixels):
    """Check exercise ch13-field: how many of the 784 pixels of a digit can change unit
    (row 0, column 0) and unit (3, 3) of the wide encoder's output (pool2, 7×7 maps).

    The message says too large or too small, and names a forgotten pooling or border,
    never the count.

    >>> field_pixels_answer(10 * 10, 16 * 16)
    Correct: the pixels that can reach a corner unit and a centre unit of the encoder's output.
    """
    answers = {"corner_pixels": whole_number(corner_pixels, "corner_pixels"),
               "centre_pixels": whole_number(centre_pixels, "centre_pixels")}
    for name, unit in (("corner_pixels", 0), ("centre_pixels", 3)):
        first, last = _field_rows(unit, 28)
        truth = (last - first) ** 2
        answer = answers[name]
        if answer == truth:
            continue
        conv2_first = 2 * (2 * unit) - 6  # the 14×14 field of one conv2 unit under it
        conv2_rows = min(conv2_first + 14, 28) - max(conv2_first, 0)
        if answer in (14 * 14, conv2_rows ** 2):
            raise WrongAnswer(f"{name} is too small: you counted the field of one unit of conv2. "
                              f"A unit of pool2 is the maximum of a 2×2 window of conv2 units, "
                              f"and any of them can be the largest.")
        if unit == 0 and answer == 16 * 16:
            raise WrongAnswer(f"{name} is too large: part of the corner unit's field lies on "
                              f"the zero padding outside the image, and padding is not a pixel "
                              f"of the digit.")
        side = "too large" if answer > truth else "too small"
        raise WrongAnswer(f"{name} is {side}. Follow the layers conv1, pool1, conv2, pool2 "
                          f"with their kernel, stride and padding, then keep the rows and "
                          f"columns inside the 28×28 digit.")
    correct("the pixels that can reach a corner unit and a centre unit of the encoder's output")


def switches_exercise_map():
    """The 4×4 map (before the ReLU) of exercise ch13-switches.

    >>> switches_exercise_map().shape
    (4, 4)
    """
    return np.array([[1.0, -2.0, -3.0, -1.0],
                     [0.0, 3.0, -2.0, -5.0],
                     [-4.0, -1.0, 2.0, 2.0],
                     [-6.0, -0.5, 1.0, 0.0]])


def _torch_switches(z):
    import torch
    import torch.nn.functional as F

    _, indices = F.max_pool2d(torch.tensor(z)[None, None], 2, return_indices=True)
    return indices[0, 0].numpy()


@exercise("ch13-switches", "after_relu", "before_relu")
def relu_switches_answer(after_relu, before_relu):
    """Check exercise ch13-switches: the 2×2 switches (PyTorch's flat indices) of 2×2 max
    pooling of :func:`switches_exercise_map` after the ReLU, as the encoder records them,
    and before it. Wrong entries are called too large or too small, never given.

    >>> relu_switches_answer([[5, 2], [8, 10]], [[5, 3], [13, 10]])
    Correct: the switches recorded after and before the ReLU.
    """
    z = switches_exercise_map()
    after, before = _torch_switches(np.maximum(z, 0)), _torch_switches(z)
    for name, answer, truth in (("after_relu", after_relu, after),
                                ("before_relu", before_relu, before)):
        shaped = np.asarray(answer) if answer is not None else None
        if shaped is not None and shaped.shape == (2, 2) and np.all(
                (shaped >= 0) & (shaped < 4)) and not np.array_equal(shaped, truth):
            raise WrongAnswer(f"{name}: PyTorch's switches are flat positions row * 4 + column "
                              f"in the 4×4 input, not positions inside each 2×2 window.")
        compare_hidden(answer, truth, name)
    correct("the switches recorded after and before the ReLU")


def _conv_cases():
    """(conv, input shape) pairs for :func:`back_through_conv_function`."""
    import torch

    cases = []
    for seed, (c_in, c_out, k, s, p, d, size) in enumerate(
            [(1, 3, 5, 1, 2, 1, 12), (3, 2, 3, 1, 1, 1, 9), (2, 4, 3, 2, 1, 1, 10),
             (2, 2, 3, 2, 0, 1, 9), (1, 2, 5, 3, 2, 1, 13), (2, 3, 3, 1, 2, 2, 11),
             (3, 2, 4, 2, 1, 1, 12)]):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            conv = torch.nn.Conv2d(c_in, c_out, k, stride=s, padding=p, dilation=d).double()
        cases.append((conv, (2, c_in, size, size + 1)))
    return cases


@exercise("ch13-flip")
def back_through_conv_function(fn):
    """Check exercise ch13-flip: ``fn(h, conv, input_shape)`` computes Cᵀ h for a
    ``torch.nn.Conv2d`` (int padding, any stride and dilation) whose input had
    ``input_shape``, compared with autograd on 7 convolutions; without calling
    autograd or the course's :func:`tconv.models.conv_backward`.

    >>> import torch.nn.functional as F
    >>> def back(h, conv, input_shape):
    ...     sizes = [(o - 1) * s - 2 * p + d * (k - 1) + 1 for o, s, p, d, k in
    ...              zip(h.shape[2:], conv.stride, conv.padding, conv.dilation, conv.kernel_size)]
    ...     extra = [i - size for i, size in zip(input_shape[2:], sizes)]
    ...     return F.conv_transpose2d(h, conv.weight, stride=conv.stride, padding=conv.padding,
    ...                               output_padding=extra, dilation=conv.dilation)
    >>> back_through_conv_function(back)
    Correct: your Cᵀ agrees with autograd on all 7 convolutions.
    """
    import torch

    refuse_calls(fn, {"conv_backward", "deconvnet_reconstruction", "grad", "backward", "vjp",
                      "conv2d_input", "jacobian"}, "your back_through_conv")
    for conv, shape in _conv_cases():
        x = torch.rand(shape, dtype=torch.float64, generator=torch.Generator().manual_seed(1),
                       requires_grad=True)
        y = conv(x)
        h = torch.randn(y.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
        (expected,) = torch.autograd.grad(y, x, h)
        what = (f"back_through_conv for Conv2d({conv.in_channels}, {conv.out_channels}, "
                f"kernel_size={conv.kernel_size[0]}, stride={conv.stride[0]}, "
                f"padding={conv.padding[0]}, dilation={conv.dilation[0]}) with input shape "
                f"{shape}")
        with torch.no_grad():
            answer = call(fn, (h.detach().clone(), conv, shape), what)
        if not isinstance(answer, torch.Tensor):
            raise WrongAnswer(f"{what} should return a torch.Tensor, not {type(answer).__name__}.")
        if tuple(answer.shape) != tuple(expected.shape):
            raise WrongAnswer(f"{what}: the result has shape {tuple(answer.shape)}, expected "
                              f"{tuple(expected.shape)} (the shape of the convolution's input).")
        answer = answer.detach().double()
        if not torch.allclose(answer, expected, atol=1e-9):
            flipped = torch.nn.functional.conv_transpose2d(
                h, torch.flip(conv.weight, dims=(2, 3)), stride=conv.stride,
                padding=conv.padding, dilation=conv.dilation,
                output_padding=[i - o for i, o in zip(shape[2:], _transposed_sizes(h, conv))])
            if torch.allclose(answer, flipped.detach(), atol=1e-9):
                raise WrongAnswer(f"{what}: your result is Cᵀ with the kernel turned by 180°. "
                                  f"conv_transpose2d already is Cᵀ for the weight as the "
                                  f"convolution stores it; the turned kernel belongs to the "
                                  f"other way of computing it, a convolution of the "
                                  f"zero-inserted signal.")
            compare_arrays(answer.numpy(), expected.detach().numpy(), what, atol=1e-9)
    correct("your Cᵀ agrees with autograd on all 7 convolutions")


def _transposed_sizes(h, conv):
    return [(o - 1) * s - 2 * p + d * (k - 1) + 1 for o, s, p, d, k in
            zip(h.shape[2:], conv.stride, conv.padding, conv.dilation, conv.kernel_size)]


#: the predictions exercise ch13-no-switches offers
SWITCHLESS_CHOICES = ("identical", "proportional", "mirrored", "unrelated")


def _deconvnet_with(unpool, model, x, channel, position):
    """The deconvnet of ``tconv.models``, with ``unpool(h, shape)`` in place of the switches."""
    import torch
    from . import models

    output, steps = models.forward_with_switches(model, x, "pool2")
    h = torch.zeros_like(output)
    h[:, channel, position[0], position[1]] = output[:, channel, position[0], position[1]]
    for _, module, saved in reversed(steps):
        if isinstance(module, torch.nn.ReLU):
            h = models.relu_backward(h, saved, "deconvnet")
        elif isinstance(module, torch.nn.MaxPool2d):
            h = unpool(h, saved[1])
        else:
            h = models.conv_backward(h, module, saved)
    return h


@exercise("ch13-no-switches", "fn", "prediction", function="unpool_without_switches")
def switchless_unpool_answer(fn, prediction):
    """Check exercise ch13-no-switches: ``fn(h, shape)``, a 2×2 unpooling that uses no
    switches (linear, each value kept inside its own window), and the predicted relation
    between the reconstructions of one unit from two different digits.

    >>> def spread(h, shape):
    ...     return h.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3) / 4
    >>> switchless_unpool_answer(spread, "proportional")
    Correct: an unpooling without switches, and what the deconvnet then loses.
    """
    import torch

    if prediction not in SWITCHLESS_CHOICES:
        raise WrongAnswer(f"prediction should be one of {SWITCHLESS_CHOICES}, not "
                          f"{prediction!r}.")
    refuse_calls(fn, {"max_unpool2d", "unpool_backward", "scatter_add", "scatter_add_",
                      "max_pool2d"}, "your unpool_without_switches")
    generator = torch.Generator().manual_seed(0)
    h = torch.rand(2, 3, 4, 5, generator=generator) + 0.5
    shape = (2, 3, 8, 10)
    what = f"unpool_without_switches(h, {shape}) with h of shape {tuple(h.shape)}"
    out = call(fn, (h, shape), what)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != shape:
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise WrongAnswer(f"{what} should return a tensor of shape {shape}; got {got}.")
    other = torch.rand(h.shape, generator=generator)
    both = call(fn, (h + 2 * other, shape), what)
    if not torch.allclose(both, out + 2 * call(fn, (other, shape), what), atol=1e-6):
        raise WrongAnswer("your unpooling is not linear: unpooling h + 2·h' should give the "
                          "unpooled h plus twice the unpooled h' (as max unpooling does).")
    for j, (m, n) in enumerate([(0, 0), (1, 3), (3, 4)]):
        one = torch.zeros(h.shape)
        one[1, j % 3, m, n] = 1.0
        spread = call(fn, (one, shape), what)
        window = torch.zeros(shape, dtype=torch.bool)
        window[1, j % 3, 2 * m:2 * m + 2, 2 * n:2 * n + 2] = True
        if spread[~window].abs().max() > 1e-9:
            raise WrongAnswer(f"your unpooling moves the value of pooled unit (row {m}, column "
                              f"{n}) outside the 2×2 window it was pooled from.")
        if spread[window].sum() <= 0:
            raise WrongAnswer(f"your unpooling loses the value of pooled unit (row {m}, "
                              f"column {n}): nothing positive comes back in its window.")
    from . import models

    model = models.lenet_wide(seed=0)
    digits = torch.rand(2, 1, 28, 28, generator=generator)
    output, _ = models.forward_with_switches(model, digits, "pool2")
    channel = int(torch.nonzero((output[:, :, 3, 3] > 0).all(dim=0))[0])  # on for both digits
    with torch.no_grad():
        first, second = _deconvnet_with(fn, model, digits, channel, (3, 3))
    ratio = (first * second).sum() / (second * second).sum()
    truth = "proportional" if torch.allclose(first, ratio * second, atol=1e-6) and not \
        torch.allclose(first, second, atol=1e-6) else None
    if truth is None:  # pragma: no cover - holds for every linear unpooling
        raise WrongAnswer("with your unpooling the two reconstructions are neither equal nor "
                          "proportional; keep the unpooling linear and inside each window.")
    if prediction != truth:
        raise WrongAnswer(f"prediction={prediction!r} is not what happens: run your deconvnet on "
                          f"two digits and compare the two pictures pixel by pixel.")
    correct("an unpooling without switches, and what the deconvnet then loses")


# ---------------------------------------------------------------- chapter 14


def flat_upsamplers():
    """The six candidate upsamplers of exercise ch14-flat, at their initial weights.

    Each maps 8 channels of 7×7 to 4 channels of 14×14 (a dict ``letter -> module``).

    >>> sorted(flat_upsamplers())
    ['A', 'B', 'C', 'D', 'E', 'F']
    """
    import torch
    from torch import nn

    from .upsample import icnr_weight

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(14)
        layers = {
            "A": nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1),
            "B": nn.ConvTranspose2d(8, 4, 2, stride=2),
            "C": nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear"),
                               nn.Conv2d(8, 4, 3, padding=1)),
            "D": nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.PixelShuffle(2)),
            "E": nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.PixelShuffle(2)),
            "F": nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1),
        }
        with torch.no_grad():
            small = layers["E"][0].weight[::4]  # one 8 -> 4 convolution, repeated by ICNR
            layers["E"][0].weight.copy_(torch.tensor(icnr_weight(small.numpy(), 2)))
            layers["E"][0].bias.copy_(layers["E"][0].bias[::4].repeat_interleave(4))
            uniform = torch.rand(8, 4, 1, 1) - 0.5  # every tap of a kernel the same
            layers["F"].weight.copy_(uniform.expand(8, 4, 4, 4))
    return layers


def _flat_output(layer):
    """True if ``layer`` turns a flat 8×7×7 input into a 14×14 output that is flat inside."""
    import torch

    levels = torch.linspace(0.2, 1.0, 8).reshape(1, 8, 1, 1)
    with torch.no_grad():
        y = layer(levels.expand(1, 8, 7, 7).contiguous())[0, :, 4:-4, 4:-4]
    spread = (y.amax(dim=(1, 2)) - y.amin(dim=(1, 2))).max().item()
    return spread < 1e-5 * max(y.abs().max().item(), 1.0)


@exercise("ch14-flat")
def flat_upsamplers_answer(flat):
    """Check exercise ch14-flat: the letters of the :func:`flat_upsamplers` whose output,
    for a flat input, is flat away from the borders. The message counts mistakes only.

    >>> flat_upsamplers_answer({"C", "E", "F"})
    Correct: the upsamplers that keep a flat input flat.
    """
    layers = flat_upsamplers()
    if isinstance(flat, str):
        flat = [flat] if len(flat) == 1 else list(flat)
    try:
        chosen = {str(letter).upper() for letter in flat}
    except TypeError:
        raise WrongAnswer("flat should be a set of letters, such as {'A', 'B'}.") from None
    strangers = sorted(chosen - set(layers))
    if strangers:
        raise WrongAnswer(f"{strangers} are not among the upsamplers A to F.")
    truth = {letter for letter, layer in layers.items() if _flat_output(layer)}
    wrong_in, missing = chosen - truth, truth - chosen
    if wrong_in:
        raise WrongAnswer(f"your set holds {len(wrong_in)} upsampler(s) whose output is not flat: "
                          f"compare the polyphase sums of their kernels, phase by phase.")
    if missing:
        raise WrongAnswer(f"your set misses {len(missing)} upsampler(s) whose output is flat.")
    correct("the upsamplers that keep a flat input flat")


def _mirror_paddings(input_size, kernel_size, padding, stride=2, depth=2):
    """Sizes down an encoder of ``depth`` equal convolutions, and the ``output_padding`` of
    each layer of the mirror decoder, in the order the decoder applies them."""
    sizes = [input_size]
    for _ in range(depth):
        sizes.append(shapes.conv2d_output_size(sizes[-1], kernel_size, stride, padding))
    paddings = [shapes.conv_remainder(size, kernel_size, stride, padding)
                for size in reversed(sizes[:-1])]
    return sizes, tuple(paddings)


def _pair_of_paddings(value, name):
    try:
        pair = tuple(value)
    except TypeError:
        raise WrongAnswer(f"{name} should be a pair (up2's, up1's), not {value!r}.") from None
    if len(pair) != 2 or not all(is_int_like(v) for v in pair):
        raise WrongAnswer(f"{name} should be a pair of two ints (up2's output_padding, then "
                          f"up1's), not {value!r}.")
    if not all(0 <= v < 2 for v in pair):
        raise WrongAnswer(f"{name} = {pair}: with stride 2, output_padding is 0 or 1.")
    return tuple(int(v) for v in pair)


@exercise("ch14-sizes", "paddings_27", "kernel_size", "padding", "paddings_27_design")
def output_padding_design_answer(paddings_27, kernel_size, padding, paddings_27_design):
    """Check exercise ch14-sizes: the decoder's output paddings for 27×27 digits with the
    chapter's encoder (k = 3, s = 2, p = 1); a design (k, p) with stride 2 that takes 28 to
    14 to 7 with a mirror decoder that needs no output_padding; and that design's output
    paddings for 27×27 digits. Pairs are (up2's, up1's): in the order the decoder runs.

    >>> output_padding_design_answer((1, 0), 4, 1, (1, 1))
    Correct: the output paddings for 27 and a design that needs none for 28.
    """
    paddings_27 = _pair_of_paddings(paddings_27, "paddings_27")
    if paddings_27 != _mirror_paddings(27, 3, 1)[1]:
        raise WrongAnswer("paddings_27 is not right: follow 27 through the chapter's encoder "
                          "with the size formula, note each layer's remainder, and remember "
                          "that up2 undoes conv2.")
    if not (is_int_like(kernel_size) and is_int_like(padding)):
        raise WrongAnswer(f"kernel_size and padding should be ints, not {kernel_size!r} and "
                          f"{padding!r}.")
    if kernel_size < 2 or not 0 <= padding < kernel_size:
        raise WrongAnswer(f"kernel_size={kernel_size}, padding={padding}: need a kernel of at "
                          f"least 2 (a 1×1 kernel with stride 2 skips pixels) and "
                          f"0 <= padding < kernel_size.")
    sizes, paddings = _mirror_paddings(28, int(kernel_size), int(padding))
    if sizes != [28, 14, 7]:
        raise WrongAnswer(f"with kernel_size={kernel_size}, padding={padding} and stride 2 the "
                          f"encoder goes {' -> '.join(map(str, sizes))}, not 28 -> 14 -> 7.")
    if any(paddings):
        raise WrongAnswer(f"with kernel_size={kernel_size}, padding={padding} the decoder still "
                          f"needs output_padding to come back to 28: some layer leaves a "
                          f"remainder.")
    design = _pair_of_paddings(paddings_27_design, "paddings_27_design")
    if design != _mirror_paddings(27, int(kernel_size), int(padding))[1]:
        raise WrongAnswer(f"paddings_27_design is not right for kernel_size={kernel_size}, "
                          f"padding={padding}: follow 27 through your encoder, layer by layer.")
    correct("the output paddings for 27 and a design that needs none for 28")


def _free_decoder_in_torch(model, code, swap=False, crop_start=True):
    """The free decoder of ``model`` on an NCHW ``code``, possibly with the kernels'
    rows and columns swapped or with the crop of each layer at the bottom and right."""
    import torch
    import torch.nn.functional as F

    h = code
    for number, up in enumerate((model.up2, model.up1)):
        weight = up.weight.transpose(2, 3) if swap else up.weight
        full = F.conv_transpose2d(h, weight, up.bias, stride=2)  # 2i + 1 rows
        h = full[..., 1:, 1:] if crop_start else full[..., :-1, :-1]
        h = torch.relu(h) if number == 0 else torch.sigmoid(h)
    return h


@exercise("ch14-port-bug", function="keras_decoder")
def ported_decoder_function(fn):
    """Check ``fn(model)``: a Keras model that computes ``model.decode`` of a ``"free"``
    autoencoder (:func:`tconv.models.autoencoder`) on NHWC codes (N, 7, 7, c2), giving NHWC
    images (N, 28, 28, 1). The check builds new decoders with other channel counts.

    Examples
    --------
    >>> import keras
    >>> def keras_decoder(model):
    ...     layers = [keras.Input((7, 7, model.up2.in_channels))]
    ...     for up, activation in ((model.up2, "relu"), (model.up1, "sigmoid")):
    ...         w = up.weight.detach().numpy()
    ...         layer = keras.layers.Conv2DTranspose(w.shape[1], 3, strides=2)
    ...         layers += [layer, keras.layers.Cropping2D(((1, 0), (1, 0))),
    ...                    keras.layers.Activation(activation)]
    ...     ported = keras.Sequential(layers)
    ...     for up, layer in ((model.up2, ported.layers[0]), (model.up1, ported.layers[3])):
    ...         layer.set_weights([up.weight.detach().numpy().transpose(2, 3, 1, 0),
    ...                            up.bias.detach().numpy()])
    ...     return ported
    >>> ported_decoder_function(keras_decoder)
    Correct: your Keras decoder reproduces the PyTorch decoder in both cases.
    """
    import keras
    import torch

    from .models import autoencoder

    rng = np.random.default_rng(14)
    cases = ((16, 8), (6, 4))
    for seed, channels in enumerate(cases):
        model = autoencoder("free", seed=seed, channels=channels).eval()
        with torch.no_grad():
            for up in (model.up2, model.up1):
                up.bias.copy_(torch.tensor(rng.standard_normal(up.bias.shape) * 0.3))
        code = torch.tensor(rng.random((2, channels[1], 7, 7)), dtype=torch.float32)
        with torch.no_grad():
            expected = model.decode(code).numpy()
            shifted = _free_decoder_in_torch(model, code, crop_start=False).numpy()
            swapped = _free_decoder_in_torch(model, code, swap=True).numpy()
        what = f"your Keras decoder for channels={channels}"
        ported = call(fn, (model,), f"keras_decoder(model) for channels={channels}")
        if not isinstance(ported, keras.Model):
            raise WrongAnswer(f"keras_decoder(model) returns a {type(ported).__name__}, not a "
                              f"Keras model.")
        answer = call(lambda: np.asarray(ported(code.numpy().transpose(0, 2, 3, 1),
                                                training=False)), (), what)
        if answer.shape != (2, 28, 28, 1):
            raise WrongAnswer(f"{what} turns codes of shape (2, 7, 7, {channels[1]}) into shape "
                              f"{answer.shape}, expected (2, 28, 28, 1) in NHWC.")
        answer = answer.transpose(0, 3, 1, 2)
        if np.allclose(answer, expected, atol=1e-4):
            continue
        if np.allclose(answer, shifted, atol=1e-4):
            raise WrongAnswer(f"{what} gives PyTorch's pictures shifted by one pixel: each "
                              f"layer keeps the wrong rows and columns of the full output "
                              f"(which side does PyTorch's padding=1, output_padding=1 cut?).")
        if np.allclose(answer, swapped, atol=1e-4):
            raise WrongAnswer(f"{what} uses kernels whose rows and columns are swapped: check "
                              f"the permutation of the weight's axes.")
        compare_arrays(answer, expected, what, atol=1e-4)
    count = "both" if len(cases) == 2 else f"all {len(cases)}"
    correct(f"your Keras decoder reproduces the PyTorch decoder in {count} cases")


@exercise("ch14-psnr", "psnr_patch", "gain")
def psnr_by_hand_answer(psnr_patch, gain):
    """Check exercise ch14-psnr: the PSNR of a 28×28 reconstruction that is exact except for
    a 4×4 patch off by 0.5 (pixels in [0, 1]), and the dB gained by halving every error.

    >>> import math
    >>> psnr_by_hand_answer(10 * math.log10(784 / 4), 20 * math.log10(2))
    Correct: the PSNR by hand, and what halving the error gains.
    """
    import math

    for name, value in (("psnr_patch", psnr_patch), ("gain", gain)):
        try:
            float(value)
        except (TypeError, ValueError):
            raise WrongAnswer(f"{name} should be a number of decibels, not {value!r}.") from None
    mse = 16 * 0.5 ** 2 / 784
    truth = 10 * math.log10(1 / mse)
    tolerance = 0.05  # an answer rounded to one decimal passes
    value = float(psnr_patch)
    if abs(value - 20 * math.log10(1 / mse)) < tolerance:
        raise WrongAnswer("psnr_patch is too large: PSNR is 10·log10(peak² / MSE), and the MSE "
                          "is already a square.")
    if abs(value - truth) > tolerance:
        raise WrongAnswer(f"psnr_patch is too {'large' if value > truth else 'small'}: the MSE "
                          f"is the mean over all 784 pixels, the exact ones included.")
    best = 20 * math.log10(2)
    value = float(gain)
    if abs(value - best / 2) < tolerance:
        raise WrongAnswer("gain is too small: halving each error divides each *squared* error "
                          "by 4.")
    if abs(value - best) > tolerance:
        raise WrongAnswer(f"gain is too {'large' if value > best else 'small'}.")
    correct("the PSNR by hand, and what halving the error gains")


# ---------------------------------------------------------------- chapter 15


def _pairs(value, count, what):
    """``value`` as a list of ``count`` pairs of ints, or :class:`WrongAnswer`."""
    if isinstance(value, (str, bytes, dict)) or any(isinstance(entry, (str, bytes, dict))
                                                    for entry in np.atleast_1d(np.array(
                                                        value, dtype=object))):
        raise WrongAnswer(f"{what} must be a list of {count} pairs of ints (height, width); "
                          f"got {type_name(value)}.")
    try:
        pairs = [tuple(whole_number(v, what) for v in entry) for entry in value]
    except TypeError:
        raise WrongAnswer(f"{what} should be a list of {count} pairs (height, width), not "
                          f"{value!r}.") from None
    if len(pairs) != count or any(len(entry) != 2 for entry in pairs):
        raise WrongAnswer(f"{what} should be a list of {count} pairs (height, width); got "
                          f"{len(pairs)} entries: {value!r}.")
    return pairs


@exercise("ch15-sizes", "sizes", "paddings")
def unet_sizes_answer(sizes, paddings):
    """Check exercise ch15-sizes: the map sizes of a three-level small U-Net for 30×84
    canvases (level 0 first) and the ``output_padding`` of each transposed convolution
    (``paddings[l]`` brings level l + 1 back to level l).

    >>> unet_sizes_answer([(30, 84), (15, 42), (7, 21), (3, 10)], [(0, 0), (1, 0), (1, 1)])
    Correct: the sizes of the four levels and the three output_paddings for 30×84 canvases.
    """
    sizes = _pairs(sizes, 4, "sizes")
    paddings = _pairs(paddings, 3, "paddings")
    truth = [(30, 84)]
    for _ in range(3):
        truth.append(shapes.conv2d_output_size(truth[-1], 2, stride=2))
    if sizes[0] != truth[0]:
        raise WrongAnswer("sizes[0] should be the canvas size itself, (30, 84).")
    for level in range(1, 4):
        for axis, name in enumerate(("height", "width")):
            if sizes[level][axis] != truth[level][axis]:
                raise WrongAnswer(f"sizes[{level}]: the {name} is wrong. A 2×2 max pooling with "
                                  f"stride 2 halves the size of level {level - 1}, and drops "
                                  f"the last row or column of an odd size.")
    for level in range(3):
        for axis, name in enumerate(("height", "width")):
            a = paddings[level][axis]
            produced = shapes.conv_transpose2d_output_size(truth[level + 1][axis], 2, stride=2)
            if not 0 <= a < 2:
                raise WrongAnswer(f"paddings[{level}]: output_padding must be 0 or 1 with stride "
                                  f"2; your {name} entry is {a}.")
            if produced + a != truth[level][axis]:
                raise WrongAnswer(f"paddings[{level}]: the {name} entry is wrong: with it, the "
                                  f"transposed convolution (k = s = 2) gives a {name} of "
                                  f"{produced + a} from level {level + 1}, which does not match "
                                  f"the skip of level {level}.")
    correct("the sizes of the four levels and the three output_paddings for 30×84 canvases")


#: the masks of exercise ch15-iou: classes 0 (background), 1 and 2
IOU_TRUTH = np.array([[0, 0, 1, 1, 0, 0],
                      [0, 2, 2, 1, 0, 0],
                      [0, 2, 2, 0, 0, 0]])
IOU_PREDICTED = np.array([[0, 1, 1, 1, 0, 0],
                          [0, 2, 1, 1, 0, 0],
                          [0, 2, 0, 0, 0, 0]])


def _iou_reference(truth, predicted, classes):
    truth, predicted = np.asarray(truth).ravel(), np.asarray(predicted).ravel()
    ious = []
    for c in range(classes):
        union = np.sum((truth == c) | (predicted == c))
        ious.append(np.sum((truth == c) & (predicted == c)) / union if union else np.nan)
    return np.array(ious)


@exercise("ch15-iou", "ious", "lazy_accuracy", "lazy_mean_iou")
def iou_answer(ious, lazy_accuracy, lazy_mean_iou, test_masks):
    """Check exercise ch15-iou: the IoU of classes 0, 1, 2 for :data:`IOU_TRUTH` and
    :data:`IOU_PREDICTED`, and the pixel accuracy and mean IoU (over the 11 classes) of
    a network that labels every pixel of ``test_masks`` background.

    >>> masks = np.zeros((2, 4, 4), np.uint8); masks[:, 1:3, 1:3] = [[1], [2]]
    >>> iou_answer([10 / 12, 3 / 5, 2 / 4], 0.75, 0.25, masks)
    Correct: three IoUs by hand, and the scores of a network that sees only background.
    """
    try:
        ious = [float(v) for v in ious]
    except (TypeError, ValueError):
        raise WrongAnswer(f"ious should be a list of three numbers, not {ious!r}.") from None
    if len(ious) != 3:
        raise WrongAnswer(f"ious should hold three numbers, the IoU of classes 0, 1 and 2; got "
                          f"{len(ious)}.")
    truth = _iou_reference(IOU_TRUTH, IOU_PREDICTED, 3)
    for c, (answer, expected) in enumerate(zip(ious, truth)):
        if not np.isclose(answer, expected, atol=1e-3):
            hint = ("an IoU is at most 1" if answer > 1 else
                    "count the pixels labelled c in either mask for the union, in both for the "
                    "intersection")
            raise WrongAnswer(f"ious[{c}], the IoU of class {c}, is "
                              f"{'too large' if answer > expected else 'too small'}: {hint}.")
    masks = np.asarray(test_masks)
    lazy = np.zeros_like(masks)
    for name, answer, expected, hint in (
            ("lazy_accuracy", lazy_accuracy, float(np.mean(masks == 0)),
             "which pixels does a network that always says background get right?"),
            ("lazy_mean_iou", lazy_mean_iou, float(np.nanmean(_iou_reference(masks, lazy, 11))),
             "what is the IoU of a class that is never predicted, and over how many classes is "
             "the mean taken?")):
        try:
            answer = float(answer)
        except (TypeError, ValueError):
            raise WrongAnswer(f"{name} should be a number, not {answer!r}.") from None
        if 1 < answer <= 100:
            raise WrongAnswer(f"{name} should be a fraction between 0 and 1, not a percentage.")
        if not np.isclose(answer, expected, atol=2e-3):
            side = "too large" if answer > expected else "too small"
            raise WrongAnswer(f"{name} is {side}: {hint}")
    correct("three IoUs by hand, and the scores of a network that sees only background")


@exercise("ch15-strided")
def strided_up_answer(up):
    """Check exercise ch15-strided: a ``ConvTranspose2d`` with stride 2 that brings the
    64×4×7 bottom of an encoder with stride-2 convolutions back to 32×7×14, every
    output pixel reached by the kernel.

    >>> from torch import nn
    >>> strided_up_answer(nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1,
    ...                                      output_padding=(0, 1)))
    Correct: a transposed convolution that brings 4×7 back to 7×14.
    """
    import torch

    if not isinstance(up, torch.nn.ConvTranspose2d):
        raise WrongAnswer(f"up should be a torch.nn.ConvTranspose2d, not {type(up).__name__}.")
    if (up.in_channels, up.out_channels) != (64, 32):
        raise WrongAnswer(f"up reads {up.in_channels} and writes {up.out_channels} channels; "
                          f"it should read the 64 channels of the bottom and write 32.")
    if up.stride != (2, 2):
        raise WrongAnswer(f"up has stride {up.stride}; the encoder halved the size with stride "
                          f"2, so the decoder should double it with stride (2, 2).")
    if up.dilation != (1, 1) or up.groups != 1:
        raise WrongAnswer("keep dilation=1 and groups=1; change kernel_size, padding and "
                          "output_padding only.")
    if min(up.kernel_size) < 2:
        raise WrongAnswer(f"with kernel_size={up.kernel_size} and stride 2, some output pixels "
                          f"receive no input at all (holes); use a kernel at least as large as "
                          f"the stride.")
    with torch.no_grad():
        shape = tuple(up(torch.zeros(1, 64, 4, 7)).shape)
    if shape != (1, 32, 7, 14):
        wrong = [name for name, got, want in zip(("height", "width"), shape[2:], (7, 14))
                 if got != want]
        raise WrongAnswer(f"up maps a 64×4×7 input to {shape[1]}×{shape[2]}×{shape[3]}; the "
                          f"{' and the '.join(wrong)} should match the 7×14 skip. Remember that "
                          f"output_padding can only add rows and columns, at the bottom and "
                          f"right.")
    correct("a transposed convolution that brings 4×7 back to 7×14")


def _merge_reference(up, x, skip):
    import torch

    y = up(x)
    missing_h, missing_w = skip.shape[2] - y.shape[2], skip.shape[3] - y.shape[3]
    return torch.cat([skip, torch.nn.functional.pad(y, (0, missing_w, 0, missing_h))], dim=1)


@exercise("ch15-skip", function="fixed_merge")
def merge_function(fn):
    """Check ``fn(up, x, skip)``: ``up(x)`` given the skip's size by adding the missing
    rows and columns of zeros at the bottom and right (what ``output_padding`` does for
    a bias-free transposed convolution with k = s = 2), then concatenated after the
    skip along the channels.

    >>> merge_function(_merge_reference)
    Correct: fixed_merge agrees on all 4 cases.
    """
    import torch

    cases = [((2, 4, 3, 7), (2, 2, 7, 14)), ((1, 6, 3, 3), (1, 3, 7, 7)),
             ((2, 4, 7, 14), (2, 2, 14, 28)), ((1, 2, 2, 5), (1, 1, 5, 10))]
    for x_shape, skip_shape in cases:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(sum(x_shape) + sum(skip_shape))
            up = torch.nn.ConvTranspose2d(x_shape[1], skip_shape[1], 2, stride=2, bias=False)
            x, skip = torch.randn(x_shape), torch.randn(skip_shape)
        what = f"fixed_merge(up, x of shape {x_shape}, skip of shape {skip_shape})"
        with torch.no_grad():
            expected = _merge_reference(up, x, skip)
            answer = call(fn, (up, x, skip), what)
        if not isinstance(answer, torch.Tensor):
            raise WrongAnswer(f"{what} should return a tensor, not {type(answer).__name__}.")
        if tuple(answer.shape) != tuple(expected.shape):
            raise WrongAnswer(f"{what} returns shape {tuple(answer.shape)}, expected "
                              f"{tuple(expected.shape)}: the skip first, then up(x), both at "
                              f"the skip's size.")
        answer, expected = answer.detach(), expected.detach()
        c = skip_shape[1]
        if not torch.allclose(answer[:, :c], expected[:, :c]):
            raise WrongAnswer(f"{what}: the first {c} channels should be the skip, unchanged.")
        if not torch.allclose(answer[:, c:], expected[:, c:], atol=1e-6):
            shifted = [(dm, dn) for dm in (-1, 0, 1) for dn in (-1, 0, 1)
                       if torch.allclose(answer[:, c:], torch.roll(expected[:, c:], (dm, dn),
                                                                   dims=(2, 3)), atol=1e-6)]
            detail = ("they are shifted against the skip: the row or column of zeros is on the "
                      "wrong side" if shifted else "they differ from up(x) padded at the bottom "
                      "and right")
            raise WrongAnswer(f"{what}: the channels after the skip are wrong; {detail}.")
    correct(f"fixed_merge agrees on all {len(cases)} cases")
