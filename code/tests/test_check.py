import numpy as np
import pytest

from tconv import check, conv2d


def test_wrong_shape_and_entry_are_named():
    with pytest.raises(check.WrongAnswer, match=r"has shape \(2,\), expected \(3,\)"):
        check.compare_arrays([1, 2], np.array([1, 2, 3]))
    with pytest.raises(check.WrongAnswer, match=r"entry \[1\] is 5, expected 2 \(1 of 3"):
        check.compare_arrays([1, 5, 3], np.array([1, 2, 3]))
    with pytest.raises(check.WrongAnswer, match="is None"):
        check.compare_arrays(None, np.zeros(2))


# ---------------------------------------------------------------- unanswered exercises and types

CHECKS = sorted(name for name, value in vars(check).items() if hasattr(value, "exercise"))
FUNCTION_CHECKS = [name for name in CHECKS
                   if name.endswith("_function") or name == "switchless_unpool_answer"]


def _answer_names(check_function):
    import inspect

    names = [cell.cell_contents for cell in check_function.__closure__
             if isinstance(cell.cell_contents, tuple) and all(isinstance(n, str)
                                                              for n in cell.cell_contents)]
    first = next(iter(inspect.signature(check_function).parameters))
    return names[0] if names and names[0] else (first,)


def _assert_one_line_not_answered(caught, message):
    error = caught.value
    assert str(error) == message
    assert "\n" not in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_every_check_belongs_to_an_exercise():
    assert len(CHECKS) >= 60
    labels = [getattr(check, name).exercise for name in CHECKS]
    assert len(set(labels)) == len(labels)
    for label in labels:
        assert label.startswith("ch") and "-" in label, label
    chapters = {label.split("-")[0] for label in labels}
    assert chapters == {f"ch{n}" for n in range(1, 16)}


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("placeholder", [..., None], ids=["ellipsis", "none"])
def test_an_unanswered_value_says_so_in_one_line(name, placeholder):
    import inspect

    check_function = getattr(check, name)
    parameters = inspect.signature(check_function).parameters
    arguments = {p.name: 0 for p in parameters.values()
                 if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD}
    arguments.update({answer: placeholder for answer in _answer_names(check_function)})
    with pytest.raises(check.NotAnswered) as caught:
        check_function(**arguments)
    _assert_one_line_not_answered(caught, f"{check_function.exercise}: not answered yet.")


def test_a_partly_answered_exercise_names_what_is_missing():
    with pytest.raises(check.NotAnswered, match=r"^ch5-design: not answered yet "
                                                r"\(output_padding_21, output_padding_23\)\.$"):
        check.design_layer_answer(4, 2, 1, ..., ...)
    with pytest.raises(check.NotAnswered, match=r"^ch8-same-crop: not answered yet\.$"):
        check.tf_same_values_answer({5: ..., 6: [1.0]}, np.ones(3), np.ones(3), stride=2)
    with pytest.raises(check.NotAnswered, match=r"^ch13-no-switches: not answered yet\.$"):
        check.switchless_unpool_answer(transposed_size, ...)  # the function may be a stub too
    assert not check.unanswered([12, None])  # None in a list is an answer (a call that fails)


def transposed_size(*arguments):  # the stub of the student version: the body is `...`
    ...


def not_written(*arguments):
    raise NotImplementedError


def returns_ellipsis(*arguments):
    return ...


@pytest.mark.parametrize("name", FUNCTION_CHECKS)
@pytest.mark.parametrize("student", [transposed_size, not_written, returns_ellipsis],
                         ids=["none", "not-implemented", "ellipsis"])
def test_an_unwritten_function_says_so_naming_it(name, student):
    check_function = getattr(check, name)
    extra = {"prediction": "proportional"} if name == "switchless_unpool_answer" else {}
    with pytest.raises(check.NotAnswered) as caught:
        check_function(student, **extra)
    _assert_one_line_not_answered(
        caught, f"{check_function.exercise}: {student.__name__}: not answered yet.")


def test_a_lambda_is_called_by_the_notebooks_name():
    with pytest.raises(check.NotAnswered, match=r"^ch5-decoder: decoder_output_padding: not"):
        check.decoder_output_padding_function(lambda i, k, s, p, depth: None)
    with pytest.raises(check.NotAnswered, match=r"^ch1-output-size: output_size: not"):
        check.conv2d_output_size_function(lambda i, k, s, p, d: None)


def test_none_on_a_later_case_is_a_wrong_answer_not_a_gap():
    def sometimes(i, k, s, p, depth):
        return [0] * depth if i == 28 else None
    with pytest.raises(check.WrongAnswer) as caught:
        check.decoder_output_padding_function(sometimes)
    assert not isinstance(caught.value, check.NotAnswered)
    assert "sometimes(i=" in str(caught.value)


def test_wrong_values_name_the_students_function():
    def transposed_size(i, k, s, p, d):  # the issue's example: not the course's function name
        return (i + 2 * p - d * (k - 1) - 1) // s
    with pytest.raises(check.WrongAnswer, match=r"^transposed_size\(i=5, k=1, s=1, p=0, d=1\): "
                                                r"you return 4, expected 5\.$"):
        check.conv2d_output_size_function(transposed_size)


def test_a_failing_student_function_chains_only_its_own_frames():
    def breaks(i, k, s, p, depth):
        return 1 / 0
    with pytest.raises(check.WrongAnswer,
                       match=r"breaks\(i=28.*raised ZeroDivisionError") as caught:
        check.decoder_output_padding_function(breaks)
    cause = caught.value.__cause__
    assert isinstance(cause, ZeroDivisionError)
    assert cause.__traceback__.tb_frame.f_code is breaks.__code__  # no tconv frame before it


def test_a_switched_off_library_is_not_an_unanswered_exercise():
    from tconv import pooling

    def calls_the_library(x, k, s):
        return pooling.max_pool2d(x, k, stride=s)
    with pytest.raises(check.WrongAnswer, match="switched off") as caught:
        check.max_pool_function(calls_the_library)
    assert not isinstance(caught.value, check.NotAnswered)


@pytest.mark.parametrize("call, expected", [
    (lambda: check.input_sizes_answer("12", output_size=4, kernel_size=3, stride=3),
     "set or list of ints; got str"),
    (lambda: check.conv2d_function("my_conv2d"),
     "ch1-loops: my_conv2d must be a function; got str"),
    (lambda: check.conv_matrix_shape_answer("4x16", (1, 1, 3, 3), (4, 4)),
     "should be a pair (rows, columns)"),
    (lambda: check.sum_gradient_prediction_answer("ones", 2, 1, 1),
     "must be an array of numbers of shape (2, 2); got str"),
    (lambda: check.transposed_prediction_answer({"a": 1}, 2 * np.ones((1, 1)), np.eye(3),
                                                stride=1, padding=0),
     "must be an array of numbers of shape (3, 3); got dict"),
    (lambda: check.needs_output_padding_answer("10, 12", range(10, 16), 4, 2, 1),
     "must be a list of sizes (ints), for example [10, 12]; got str"),
    (lambda: check.flat_output_prediction_answer("A"), "should be a dict"),
    (lambda: check.shared_max_gradient_answer("x", np.ones((5, 5)), 1.0),
     "should be an array of shape (5, 5)"),
    (lambda: check.tf_same_values_answer([1.0], np.ones(3), np.ones(3), stride=2),
     "must be a dict {output size: list of values}; you give list"),
    (lambda: check.transpose_nd_shapes_answer("abc", (1, 4, 9, 9, 9), (1, 6, 5, 5, 5), 4, 3),
     "weight_shape must be a tuple of ints"),
    (lambda: check.symmetric_same_sizes_answer("1, 4", kernel_size=3, stride=3),
     "should be a set of whole input sizes"),
    (lambda: check.scatter_inside_fraction_answer("half", 4, 4, 2, 1), "should be a number"),
    (lambda: check.parameter_count_answer("many"), "predicted should be a whole number"),
    (lambda: check.field_pixels_answer("a hundred", 256), "corner_pixels should be a whole number"),
    (lambda: check.psnr_by_hand_answer("20 dB", 1.0), "should be a number of decibels"),
    (lambda: check.unet_sizes_answer("(4, 7)", [(0, 1)] * 3),
     "sizes must be a list of 4 pairs of ints (height, width); got str"),
    (lambda: check.strided_up_answer("ConvTranspose2d"),
     "up should be a torch.nn.ConvTranspose2d, not str"),
], ids=lambda value: "" if callable(value) else value.split(" ")[0])
def test_a_wrong_type_names_the_expected_type(call, expected):
    with pytest.raises(check.WrongAnswer) as caught:
        call()
    assert not isinstance(caught.value, check.NotAnswered)
    assert expected in str(caught.value)


def test_ipython_shows_the_students_cell_not_the_checks_frames():
    import subprocess
    import sys

    pytest.importorskip("IPython")
    script = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance(colors='nocolor')\n"
        "shell.run_cell('from tconv import check')\n"
        "shell.run_cell('need = ...\\ncheck.needs_output_padding_answer(need, range(10, 16), "
        "4, 2, 1)')\n"
        "shell.run_cell('check.needs_output_padding_answer([10, 11], range(10, 16), 4, 2, 1)')\n"
    )
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           timeout=120).stdout
    assert "NotAnswered: ch5-need: not answered yet." in shown
    assert "WrongAnswer: your list holds" in shown
    assert "check.needs_output_padding_answer(need" in shown  # the student's cell
    assert "tconv/check.py" not in shown and "hidden" not in shown  # none of the check's frames


# ---------------------------------------------------------------- chapter 1


def test_function_check_names_the_failing_case():
    with pytest.raises(check.WrongAnswer, match=r"conv2d_output_size\(i=5, k=1, s=1, p=0, d=1\)"):
        check.conv2d_output_size_function(lambda i, k, s, p, d: i - k)  # forgot the +1
    with pytest.raises(check.WrongAnswer, match="raised ZeroDivisionError"):
        check.same_padding_function(lambda i, k, s: 1 / 0)


def test_symmetric_same_padding_is_caught():
    with pytest.raises(check.WrongAnswer, match="same_padding"):
        check.same_padding_function(lambda i, k, s: (1, 1))


def test_calling_the_library_is_refused():
    import tconv
    with pytest.raises(check.WrongAnswer, match="computes the answer for you"):
        check.conv2d_output_size_function(
            lambda i, k, s, p, d: tconv.conv2d_output_size(i, k, s, p, d))
    with pytest.raises(check.WrongAnswer, match="computes the answer for you"):
        check.same_padding_function(lambda i, k, s: tconv.same_padding(i, k, s))
    with pytest.raises(check.WrongAnswer, match="computes the answer for you"):
        check.conv2d_function(lambda x, weight, bias, stride, padding:
                              conv2d(x, weight, bias, stride=stride, padding=padding))


def correlate2d(x, w):  # the chapter's own loop version: a student may reuse it
    k_h, k_w = w.shape
    return np.array([[np.sum(x[m:m + k_h, n:n + k_w] * w) for n in range(x.shape[1] - k_w + 1)]
                     for m in range(x.shape[0] - k_h + 1)])


def test_library_correlations_are_refused_but_the_chapters_own_is_not():
    import scipy.signal

    def own(x, weight, bias, stride, padding):
        return np.stack([sum(correlate2d(np.pad(x[c], padding), weight[f, c])
                             for c in range(len(x)))[::stride, ::stride] + bias[f]
                         for f in range(len(weight))])

    def scipys(x, weight, bias, stride, padding):
        return np.stack([sum(scipy.signal.correlate2d(np.pad(x[c], padding), weight[f, c], "valid")
                             for c in range(len(x)))[::stride, ::stride] + bias[f]
                         for f in range(len(weight))])

    def by_fft(x, weight, bias, stride, padding):
        flipped = weight[:, :, ::-1, ::-1]
        fft = scipy.signal.fftconvolve
        return np.stack([sum(fft(np.pad(x[c], padding), flipped[f, c], "valid")
                             for c in range(len(x)))[::stride, ::stride] + bias[f]
                         for f in range(len(weight))])

    check.conv2d_function(own)
    for shortcut in (scipys, by_fft):
        with pytest.raises(check.WrongAnswer, match="computes the answer for you"):
            check.conv2d_function(shortcut)


def test_flipped_kernel_is_caught():
    def true_convolution(x, weight, bias, stride, padding):
        k = weight.shape[-1]
        flipped = weight[:, :, ::-1, ::-1].reshape(len(weight), -1)
        h, w = ((np.array(x.shape[1:]) + 2 * padding - k) // stride + 1).tolist()
        patches = check.im2col(x, k, stride, padding)
        return (flipped @ patches).reshape(-1, h, w) + bias[:, None, None]
    with pytest.raises(check.WrongAnswer, match="case"):
        check.conv2d_function(true_convolution)


def test_hand_answers_do_not_reveal_the_value():
    x, w = np.arange(9.0).reshape(1, 3, 3), np.ones((1, 1, 2, 2))  # output [[8, 12], [20, 24]]
    with pytest.raises(check.WrongAnswer, match=r"entry \[0, 1\] \(you have 13\) is too large") as info:
        check.conv2d_answer([[8, 13], [20, 24]], x, w)
    assert "12" not in str(info.value)


def test_input_sizes(capsys):
    check.input_sizes_answer([12, 13, 14], output_size=4, kernel_size=3, stride=3)
    assert "12" not in capsys.readouterr().out  # the printed line does not give the answer
    with pytest.raises(check.WrongAnswer, match=r"miss 1 size\(s\).*\(larger than yours\)") as info:
        check.input_sizes_answer([7], output_size=3, kernel_size=3, stride=2)
    assert "8" not in str(info.value)
    with pytest.raises(check.WrongAnswer, match=r"\[9\] do not give 3 outputs"):
        check.input_sizes_answer([7, 8, 9], output_size=3, kernel_size=3, stride=2)
    with pytest.raises(check.WrongAnswer, match="you give none"):
        check.input_sizes_answer([], output_size=3, kernel_size=3, stride=2)
    with pytest.raises(check.WrongAnswer, match="whole number"):
        check.input_sizes_answer([12.5, 13, 14], output_size=4, kernel_size=3, stride=3)


def test_unread_pixels():
    read = np.zeros((9, 9), bool)
    read[::2, ::2] = True  # k = 3, s = 2, d = 2: rows and columns 0, 2, 4, 6, 8
    check.unread_pixels_answer(56, read, 9, 3, stride=2, dilation=2)
    for guess, side in ((0, "too small"), (81, "too large"), (40, "too small")):
        with pytest.raises(check.WrongAnswer, match=side) as info:
            check.unread_pixels_answer(guess, read, 9, 3, stride=2, dilation=2)
        assert "56" not in str(info.value)
    with pytest.raises(check.WrongAnswer, match="your map"):
        check.unread_pixels_answer(56, ~read, 9, 3, stride=2, dilation=2)
    with pytest.raises(check.WrongAnswer, match="whole number"):  # int() would round it to 56
        check.unread_pixels_answer(56.9, read, 9, 3, stride=2, dilation=2)


def test_sobel_sign_and_orientation_are_checked():
    photo = np.random.default_rng(0).random((6, 6))
    kernel = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    edges = conv2d(photo[None], kernel[None, None], padding="same")[0]
    check.sobel_horizontal_answer(kernel, edges, photo)
    with pytest.raises(check.WrongAnswer, match="your kernel"):
        check.sobel_horizontal_answer(-kernel, -edges, photo)  # the opposite sign
    with pytest.raises(check.WrongAnswer, match="your kernel"):
        check.sobel_horizontal_answer(kernel.T, edges.T, photo)  # vertical edges
    with pytest.raises(check.WrongAnswer, match="your response"):
        check.sobel_horizontal_answer(kernel, edges[::-1], photo)


# ---------------------------------------------------------------- chapter 2


def test_chapter2_checks_reject_wrong_answers(capsys):
    check.conv_matrix_shape_answer((4, 16), (1, 1, 3, 3), 4)
    assert "16" not in capsys.readouterr().out
    with pytest.raises(check.WrongAnswer, match="rows is too large; your number of columns"):
        check.conv_matrix_shape_answer((16, 4), (1, 1, 3, 3), 4)
    with pytest.raises(check.WrongAnswer, match="whole number"):
        check.conv_matrix_shape_answer((4.5, 16), (1, 1, 3, 3), 4)
    with pytest.raises(check.WrongAnswer, match="nonzeros"):
        check.conv_matrix_nnz_function(lambda i, k, p: (i - k + 1) ** 2 * k * k)  # ignores p
    with pytest.raises(check.WrongAnswer, match=r"nonzeros\(i=3, k=1, p=2\)"):
        # p(p + 1) taps fall on padding only while p < k: right for p <= 1, wrong for p = 2
        check.conv_matrix_nnz_function(
            lambda i, k, p: ((i + 2 * p - k + 1) * k - p * (p + 1)) ** 2)
    with pytest.raises(check.WrongAnswer, match="conv_matrix_1d"):
        check.conv_matrix_1d_function(lambda kernel, i: np.zeros((i - len(kernel) + 1, i)))
    with pytest.raises(check.WrongAnswer, match="kernel_from_matrix"):
        check.kernel_from_matrix_function(lambda C, k, i: np.zeros((k, k)))
    with pytest.raises(check.WrongAnswer, match="im2col_bytes"):
        check.im2col_bytes_function(lambda batch, c_in, h, w, k, s, p, itemsize:
                                    batch * c_in * h * w * itemsize)


def test_chapter2_library_shortcuts_are_refused():
    with pytest.raises(check.WrongAnswer, match="computes the answer for you"):
        check.conv_matrix_nnz_function(
            lambda i, k, p: check.conv_matrix(np.ones((1, 1, k, k)), i, padding=p).nnz)
    with pytest.raises(check.WrongAnswer, match="computes the answer for you"):
        check.conv_matrix_1d_function(lambda kernel, i: check.conv_matrix(
            np.reshape(kernel, (1, 1, 1, -1)), (1, i)).toarray())
    with pytest.raises(check.WrongAnswer, match="computes the answer for you"):
        check.im2col_bytes_function(lambda batch, c_in, h, w, k, s, p, itemsize:
                                    check.im2col(np.zeros((batch, c_in, h, w)), k, s, p).nbytes)
    with pytest.raises(check.WrongAnswer, match="computes the answer for you"):
        check.conv_matrix_rect_function(
            lambda w, H, W: check.conv_matrix(w[None, None], (H, W)).toarray())
    import torch
    with pytest.raises(check.WrongAnswer, match="computes the answer for you"):
        check.im2col_bytes_function(
            lambda batch, c_in, h, w, k, s, p, itemsize: itemsize * torch.nn.Unfold(
                k, stride=s, padding=p)(torch.zeros(batch, c_in, h, w)).numel())


def test_square_only_matrix_is_caught():
    def buggy(w, H, W):  # uses H where the row length W belongs: right for square inputs only
        k = w.shape[0]
        C = np.zeros(((H - k + 1) * (W - k + 1), H * W))
        for m in range(H - k + 1):
            for n in range(W - k + 1):
                for u in range(k):
                    for v in range(k):
                        C[m * (W - k + 1) + n, (m + u) * H + (n + v)] = w[u, v]
        return C
    with pytest.raises(check.WrongAnswer, match=r"buggy\(w, H=4, W=6\)"):
        check.conv_matrix_rect_function(buggy)


# ---------------------------------------------------------------- chapter 3


def test_chapter3_checks_reject_wrong_answers():
    with pytest.raises(check.WrongAnswer, match=r"conv_transpose_by_matrix\(y of shape"):
        check.conv_transpose_by_matrix_function(lambda y, kernel: np.zeros((2, 2)))
    with pytest.raises(check.WrongAnswer, match="computes the answer for you"):
        check.conv_transpose_by_matrix_function(
            lambda y, kernel: __import__("tconv").conv_transpose2d(y[None], kernel[None, None])[0])
    with pytest.raises(check.WrongAnswer, match="computes the answer for you"):
        check.conv_transpose_by_matrix_function(  # tconv's own scatter is no matrix product
            lambda y, kernel: __import__("tconv").transpose.scatter(
                y[None, None], kernel[None, None], 1, 0, 0, 1, 1)[0, 0])


def test_input_gradient_needs_the_right_size():
    from tconv.transpose import conv_transpose2d

    def no_output_padding(x, weight, g, stride, padding):  # comes back short for 8×8
        return conv_transpose2d(g, weight, stride=stride, padding=padding)
    with pytest.raises(check.WrongAnswer, match=r"x of shape \(2, 8, 8\)"):
        check.input_gradient_function(no_output_padding)

    def always_one(x, weight, g, stride, padding):  # a 0/1 guess of output_padding
        return conv_transpose2d(g, weight, stride=stride, padding=padding, output_padding=1)
    with pytest.raises(check.WrongAnswer, match=r"always_one\(x of shape"):
        check.input_gradient_function(always_one)


def test_predictions_and_designs_are_not_given_away():
    with pytest.raises(check.WrongAnswer, match="too small") as caught:
        check.sum_gradient_prediction_answer(np.ones((5, 5)), 5, 3, 2)
    assert "expected" not in str(caught.value)
    with pytest.raises(check.WrongAnswer, match="too large"):
        check.sum_gradient_prediction_answer(np.full((5, 5), 9.0), 5, 3, 2)
    with pytest.raises(check.WrongAnswer, match="k ≥ 2"):
        check.pseudo_inverse_layer_answer(np.ones((1, 1)), 1)  # the identity is no design
    with pytest.raises(check.WrongAnswer, match="zero"):
        check.pseudo_inverse_layer_answer(np.array([[1.0, 0.0], [0.0, 0.0]]), 1)
    with pytest.raises(check.WrongAnswer, match="overlap"):
        check.pseudo_inverse_layer_answer(np.full((3, 3), 1 / 3), 2)
    with pytest.raises(check.WrongAnswer, match="not 1"):
        check.pseudo_inverse_layer_answer(np.ones((2, 2)), 2)
    check.pseudo_inverse_layer_answer(np.array([[0.5, -0.5], [0.5, 0.5]]), 3)


# ---------------------------------------------------------------- chapter 4


def test_chapter4_checks_reject_wrong_answers():
    from tconv.transpose import conv_transpose2d

    def scatter(x, w, stride, padding, output_padding, dilation, use_dilation=True):
        k, d = w.shape[0], (dilation if use_dilation else 1)
        full = [(side - 1) * stride + d * (k - 1) + 1 for side in x.shape]
        canvas = np.zeros([f + output_padding for f in full])
        for m in range(x.shape[0]):
            for n in range(x.shape[1]):
                for u in range(k):
                    for v in range(k):
                        canvas[m * stride + u * d, n * stride + v * d] += x[m, n] * w[u, v]
        return canvas[padding:canvas.shape[0] - padding, padding:canvas.shape[1] - padding]
    check.scatter_dilated_function(scatter)
    with pytest.raises(check.WrongAnswer, match="dilation=2"):
        check.scatter_dilated_function(
            lambda x, w, s, p, a, d: scatter(x, w, s, p, a, d, use_dilation=False))
    with pytest.raises(check.WrongAnswer, match="computes the answer for you"):
        check.scatter_dilated_function(lambda x, w, s, p, a, d: __import__("tconv").conv_transpose2d(
            x[None], w[None, None], stride=s, padding=p, output_padding=a, dilation=d)[0])
    with pytest.raises(check.WrongAnswer, match="too large|too small") as caught:
        check.transposed_prediction_answer(np.zeros((3, 3)), np.ones((2, 2)), np.ones((3, 3)),
                                           stride=2, padding=1)
    assert "expected" not in str(caught.value)
    with pytest.raises(check.WrongAnswer, match="groups=2"):
        check.conv_weight_of_transpose_function(
            lambda weight, groups: weight.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])
    with pytest.raises(check.WrongAnswer, match="computes the answer for you"):
        check.conv_weight_of_transpose_function(
            lambda weight, groups: __import__("tconv").transpose.conv_weight_of_transpose(
                weight, groups))


def test_true_convolution_must_not_rotate_twice():
    import scipy.signal

    def rotated(x, w, stride, padding):  # rotates, though convolve2d already flips
        spread = np.zeros([(side - 1) * stride + 1 for side in x.shape])
        spread[::stride, ::stride] = x
        full = scipy.signal.convolve2d(spread, w[::-1, ::-1])
        return full[padding:full.shape[0] - padding, padding:full.shape[1] - padding]
    with pytest.raises(check.WrongAnswer, match="case x"):
        check.zero_insertion_true_convolution_function(rotated)


# ---------------------------------------------------------------- chapter 5


def test_chapter5_checks_reject_wrong_answers():
    ask = dict(sizes=range(10, 16), kernel_size=4, stride=2, padding=1)
    with pytest.raises(check.WrongAnswer, match="misses 1 size"):
        check.needs_output_padding_answer([11, 13], **ask)
    with pytest.raises(check.WrongAnswer, match="holds 3 size"):
        check.needs_output_padding_answer(list(range(10, 16)), **ask)  # all of them
    with pytest.raises(check.WrongAnswer, match="not among"):
        check.needs_output_padding_answer([9], **ask)

    def encoder_order(i, k, s, p, depth):  # forgets that the decoder runs backwards
        sizes = [i]
        for _ in range(depth):
            sizes.append((sizes[-1] + 2 * p - k) // s + 1)
        return [(n + 2 * p - k) % s for n in sizes[:-1]]
    with pytest.raises(check.WrongAnswer, match=r"encoder_order\(i=28"):
        check.decoder_output_padding_function(encoder_order)
    with pytest.raises(check.WrongAnswer, match="not larger than stride"):
        check.design_layer_answer(3, 3, 0, 0, 2)  # right sizes, kernel too small
    with pytest.raises(check.WrongAnswer, match=r"into 23×23, not 21×21 \(too large\)"):
        check.design_layer_answer(5, 3, 0, 0, 2)
    with pytest.raises(check.WrongAnswer, match="must be smaller than stride"):
        check.design_layer_answer(6, 2, 0, 3, 5)
    one = [dict(kernel_size=3, stride=2, padding=0, output_padding=1)]
    with pytest.raises(check.WrongAnswer, match="layer 1, .*too small") as error:
        check.bottom_zero_rows_answer([0], one)
    assert "1" not in str(error.value).split(":")[-1]  # the count itself is not revealed
    with pytest.raises(check.WrongAnswer, match="one for each"):
        check.bottom_zero_rows_answer([1, 0], one)


# ---------------------------------------------------------------- chapter 6


def test_chapter6_prediction_check_rejects_guesses():
    for guess in (True, False):  # a constant guess is wrong for two of the four kernels
        with pytest.raises(check.WrongAnswer, match="2 of your 4 predictions are wrong"):
            check.flat_output_prediction_answer({name: guess for name in check.FLAT_KERNELS})
    # "k divisible by s" is the rule the exercise is about: it gets A and B wrong
    rule = {name: kernel.shape[0] % stride != 0
            for name, (kernel, stride) in check.FLAT_KERNELS.items()}
    with pytest.raises(check.WrongAnswer, match="2 of your 4"):
        check.flat_output_prediction_answer(rule)
    with pytest.raises(check.WrongAnswer, match="True or False"):
        check.flat_output_prediction_answer({"A": 1, "B": 0, "C": 0, "D": 1})
    with pytest.raises(check.WrongAnswer, match="keys"):
        check.flat_output_prediction_answer([True, False, True, False])


def test_chapter6_design_check_rejects_shortcuts():
    from tconv.upsample import bilinear_kernel
    with pytest.raises(check.WrongAnswer, match="mirror image"):
        check.flat_kernel_design_answer(bilinear_kernel(2))
    with pytest.raises(check.WrongAnswer, match="is zero"):  # one tap per phase
        check.flat_kernel_design_answer(np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0] * 4, [0] * 4]))
    with pytest.raises(check.WrongAnswer, match="not flat"):
        check.flat_kernel_design_answer(np.random.default_rng(0).uniform(0.1, 1, (4, 4)))
    with pytest.raises(check.WrongAnswer, match="shape"):
        check.flat_kernel_design_answer(np.ones((3, 3)))
    # a good design: each phase of the kernel sums to 1, the phases are not mirror images
    good = np.array([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1], [0.2, 0.1, 0.4, 0.3],
                     [0.3, 0.4, 0.1, 0.2]])
    check.flat_kernel_design_answer(good)
    with pytest.raises(check.WrongAnswer, match="instead of 1"):
        check.flat_kernel_design_answer(2 * good)


def test_chapter6_gradient_check_catches_the_padding_shift():
    import torch
    import torch.nn.functional as F
    x = torch.ones(1, 1, 12, 12, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(check.GRADIENT_KERNEL, dtype=torch.float64)[None, None]
    y = F.conv2d(x, w, stride=2, padding=1)
    y.backward(torch.ones_like(y))
    check.gradient_phases_answer(x.grad[0, 0, 4:6, 4:6].numpy())  # PyTorch's own gradient
    from tconv.upsample import polyphase_sums
    with pytest.raises(check.WrongAnswer, match="padding shifts"):
        check.gradient_phases_answer(polyphase_sums(check.GRADIENT_KERNEL, 2))
    with pytest.raises(check.WrongAnswer, match="too large|too small"):
        check.gradient_phases_answer(x.grad[0, 0, 4:6, 4:6].numpy().T)  # rows and columns swapped


def test_chapter6_depth_to_space_check():
    import torch
    import torch.nn.functional as F

    def pytorch_order(x, r):  # PixelShuffle's channel order is not TensorFlow's
        y = F.pixel_shuffle(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), r)
        return y.numpy().transpose(0, 2, 3, 1)
    with pytest.raises(check.WrongAnswer, match=r"pytorch_order\(x of shape \(1, 2, 3, 8\)"):
        check.depth_to_space_function(pytorch_order)
    tf = pytest.importorskip("tensorflow")
    with pytest.raises(check.WrongAnswer, match="calls depth_to_space"):
        check.depth_to_space_function(lambda x, r: tf.nn.depth_to_space(x, r).numpy())
    for shape, r in (((1, 2, 3, 8), 2), ((2, 2, 2, 18), 3)):
        x = np.arange(float(np.prod(shape))).reshape(shape)
        np.testing.assert_array_equal(check.depth_to_space_reference(x, r),
                                      tf.nn.depth_to_space(x, r).numpy())


# ---------------------------------------------------------------- chapter 7


def test_chapter7_checks_reject_wrong_answers():
    from tconv.pooling import max_pool2d

    def column_major(x, k, s):  # indices counted down the columns
        values, indices = max_pool2d(x[None], k, stride=s, return_indices=True)
        rows, cols = np.divmod(indices[0], x.shape[1])
        return values[0], cols * x.shape[0] + rows
    with pytest.raises(check.WrongAnswer, match="switched off"):
        check.max_pool_function(column_major)  # and it may not call the library at all

    def stride_is_k(x, k, s):  # the chapter's loops: windows every k pixels
        h, w = x.shape[0] // k, x.shape[1] // k
        values, indices = np.zeros((h, w)), np.zeros((h, w), dtype=int)
        for m in range(h):
            for n in range(w):
                window = x[m * k:(m + 1) * k, n * k:(n + 1) * k]
                u, v = np.unravel_index(np.argmax(window), window.shape)
                values[m, n] = window[u, v]
                indices[m, n] = (m * k + u) * x.shape[1] + n * k + v
        return values, indices
    with pytest.raises(check.WrongAnswer, match=r"k=3, s=2: the values has shape"):
        check.max_pool_function(stride_is_k)

    def by_torch(x, k, s):
        import torch
        import torch.nn.functional as F
        values, indices = F.max_pool2d(torch.tensor(x)[None], k, s, return_indices=True)
        return values[0].numpy(), indices[0].numpy()
    with pytest.raises(check.WrongAnswer, match="switched off"):
        check.max_pool_function(by_torch)
    assert max_pool2d(np.ones((1, 2, 2)), 2)[0, 0, 0] == 1  # the library works again after

    rows, cols = np.mgrid[:5, :5]
    x = 10.0 - np.abs(rows - 2) - np.abs(cols - 2)
    g = np.array([[1.0, 2.0], [3.0, 4.0]])
    written = np.zeros((5, 5))
    written[2, 2] = 4.0  # max unpooling: the last write wins, nothing adds up
    with pytest.raises(check.WrongAnswer, match=r"entry \[2, 2\] is too small") as error:
        check.shared_max_gradient_answer(written, x, g)
    assert "10" not in str(error.value)  # the expected value is not revealed
    with pytest.raises(check.WrongAnswer, match="shape of x"):
        check.shared_max_gradient_answer(np.zeros((2, 2)), x, g)

    def overwrite(g, indices, input_shape):  # max unpooling, not the gradient
        grad = np.zeros(input_shape)
        grad.reshape(-1)[indices.reshape(-1)] = g.reshape(-1)
        return grad
    with pytest.raises(check.WrongAnswer, match="max_pool_backward for a"):
        check.max_pool_backward_function(overwrite)
    box = np.array([1, 2, 2, 1]) / 3
    kernel = np.outer(box, box)
    with pytest.raises(check.WrongAnswer, match="cannot run"):
        check.upsample_blur_layer_answer(np.tile(kernel, (1, 3, 1, 1)), 2, 1, 3)
    with pytest.raises(check.WrongAnswer, match="gives shape"):  # forgot the padding
        check.upsample_blur_layer_answer(np.tile(kernel, (3, 1, 1, 1)), 2, 0, 3)
    with pytest.raises(check.WrongAnswer, match="entries are wrong"):  # only the upsampling
        check.upsample_blur_layer_answer(np.pad(np.ones((3, 1, 2, 2)), ((0, 0), (0, 0), (1, 1), (1, 1))), 2, 1, 3)
    with pytest.raises(check.WrongAnswer, match="too (large|small)"):  # blur not normalised
        check.upsample_blur_layer_answer(np.tile(9 * kernel, (3, 1, 1, 1)), 2, 1, 3)
    with pytest.raises(check.WrongAnswer, match="entries are wrong"):  # mixes channels
        check.upsample_blur_layer_answer(np.tile(kernel / 3, (3, 3, 1, 1)), 2, 1, 1)


# ---------------------------------------------------------------- chapter 8


def test_chapter8_keras_reference_agrees_with_keras():
    import keras  # conftest.py quiets TensorFlow's import messages first

    for i, k, s, padding, output_padding in [(5, 4, 2, "valid", None), (5, 2, 3, "valid", None),
                                             (5, 4, 2, "same", 1), (5, 4, 2, "same", 0),
                                             (4, 3, 2, "same", None), (3, 5, 3, "valid", 2)]:
        layer = keras.layers.Conv2DTranspose(1, k, strides=s, padding=padding,
                                             output_padding=output_padding)
        expected = check.keras_size_and_accepted(i, k, s, padding, output_padding)
        try:
            height = layer(np.zeros((1, i, i, 1), np.float32)).shape[1]
        except Exception:  # TensorFlow refuses the size Keras asks for
            height = None
        assert height == expected, (i, k, s, padding, output_padding)


def test_chapter8_checks_reject_wrong_answers():
    import tensorflow as tf

    layers = [dict(kernel_size=4, strides=2, padding="valid", output_padding=None),
              dict(kernel_size=4, strides=2, padding="same", output_padding=0)]
    check.keras_heights_answer([12, None], 5, layers)
    with pytest.raises(check.WrongAnswer, match="layer 1 .*too large"):
        check.keras_heights_answer([13, None], 5, layers)       # the largest accepted size
    with pytest.raises(check.WrongAnswer, match="layer 2 .*does tf.nn.conv2d_transpose accept"):
        check.keras_heights_answer([12, 8], 5, layers)
    with pytest.raises(check.WrongAnswer, match="2 entries"):
        check.keras_heights_answer([12], 5, layers)

    def unfixed(x, filters):  # the bug of the exercise: runs when in == out channels
        n, h, w, _ = x.shape
        return tf.nn.conv2d_transpose(x, filters, [n, 2 * h, 2 * w, filters.shape[3]],
                                      strides=2, padding="SAME")

    def fixed(x, filters):
        n, h, w, _ = x.shape
        return tf.nn.conv2d_transpose(x, np.transpose(filters, (0, 1, 3, 2)),
                                      [n, 2 * h, 2 * w, filters.shape[3]], strides=2,
                                      padding="SAME")
    with pytest.raises(check.WrongAnswer, match=r"4×4 input, 3 -> 3 channels: entry"):
        check.decoder_block_function(unfixed)
    check.decoder_block_function(fixed)
    with pytest.raises(check.WrongAnswer, match=r"dilate\(filters of shape \[3, 3, 1, 1\], d=2\)"):
        check.dilated_filters_function(lambda filters, d: filters)
    x, w = [1, 2, 3], [1, 10, 100]
    pytorch_like = {5: [10, 102, 20, 203, 30], 6: [10, 102, 20, 203, 30, 300]}  # keeps the end
    with pytest.raises(check.WrongAnswer, match="output size 6: entry 0 .* too large"):
        check.tf_same_values_answer(pytorch_like, x, w, 2)
    with pytest.raises(check.WrongAnswer, match="does not accept an output of size 7"):
        check.tf_same_values_answer({7: [0] * 7}, x, w, 2)


def test_chapter8_same_values_check_agrees_with_tensorflow():
    import tensorflow as tf

    x, w = np.array([1, 2, 3], np.float32), np.array([1, 10, 100], np.float32)
    for stride, sizes in ((2, (5, 6)), (3, (7, 8, 9)), (1, (3,))):
        predictions = {o: tf.nn.conv1d_transpose(x.reshape(1, 3, 1), w.reshape(3, 1, 1),
                                                 [1, o, 1], strides=stride,
                                                 padding="SAME").numpy().ravel()
                       for o in sizes}
        check.tf_same_values_answer(predictions, x, w, stride)


# ---------------------------------------------------------------- chapter 9


def test_chapter9_checks_reject_wrong_answers():
    import torch

    layer = torch.nn.ConvTranspose3d(6, 4, kernel_size=(3, 2, 4), stride=(1, 2, 3),
                                     padding=(1, 0, 1), output_padding=(0, 1, 2), groups=2)
    settings = dict(input_shape=(1, 6, 5, 5, 5), out_channels=4, kernel_size=(3, 2, 4),
                    stride=(1, 2, 3), padding=(1, 0, 1), output_padding=(0, 1, 2), groups=2)
    true_output = tuple(layer(torch.zeros(1, 6, 5, 5, 5)).shape)
    check.transpose_nd_shapes_answer(tuple(layer.weight.shape), true_output, **settings)
    with pytest.raises(check.WrongAnswer, match="weight_shape: entry 1 is too large"):
        check.transpose_nd_shapes_answer((6, 4, 3, 2, 4), true_output, **settings)  # no groups
    with pytest.raises(check.WrongAnswer, match="output_shape: entry 3 is too small"):
        check.transpose_nd_shapes_answer(tuple(layer.weight.shape), (1, 4, 5, 10, 14),
                                         **settings)                  # forgot output_padding
    check.doubling_settings_function(lambda k: (2, (k - 1) // 2, 1))
    check.doubling_settings_function(lambda k: [np.int64(2), np.int64(k // 2), np.int64(1)])
    with pytest.raises(check.WrongAnswer, match=r"doubling_settings\(5\) = \(2, 1, 1\)"):
        check.doubling_settings_function(lambda k: (2, 1, 1))      # copied from the k = 3 layer
    with pytest.raises(check.WrongAnswer, match=r"doubling_settings\(3\) .*gives 1, not 2"):
        check.doubling_settings_function(lambda k: (2, k // 2, 0))  # forgot output_padding
    with pytest.raises(check.WrongAnswer, match=r"doubling_settings\(3\) .*invalid"):
        check.doubling_settings_function(lambda k: (2, k // 2 + 1, 3))  # output_padding >= stride
    with pytest.raises(check.WrongAnswer, match="must be an int"):
        check.doubling_settings_function(lambda k: (2, (k - 1) / 2, 1))
    with pytest.raises(check.WrongAnswer, match="expected a tuple"):
        check.doubling_settings_function(lambda k: 2)
    with pytest.raises(check.WrongAnswer, match="entry 5 of your prediction is too small"):
        check.output_padding_values_answer([10, 102, 20, 203, 30, 0], [1, 2, 3], [1, 10, 100],
                                           2, 1, 1)                    # appended zeros
    with pytest.raises(check.WrongAnswer, match="too few"):
        check.output_padding_values_answer([10, 102, 20, 203, 30], [1, 2, 3], [1, 10, 100],
                                           2, 1, 1)

    def appends_zeros(x, w, stride, padding, output_padding):  # the bug of the exercise
        full = check.conv_transpose1d_reference(x, w, stride, padding, 0)
        return np.concatenate([full, np.zeros((w.shape[1], output_padding))], axis=1)
    with pytest.raises(check.WrongAnswer, match=r"padding=1, output_padding=1\): entry"):
        check.conv_transpose1d_function(appends_zeros)

    def calls_torch(x, w, stride, padding, output_padding):
        return torch.nn.functional.conv_transpose1d(
            torch.tensor(x[None]), torch.tensor(w), stride=stride, padding=padding,
            output_padding=output_padding)[0].numpy()
    with pytest.raises(check.WrongAnswer, match="not to call"):
        check.conv_transpose1d_function(calls_torch)

    def calls_torch_2d(x, w, stride, padding, output_padding):  # the 1-D case as a 2-D one
        return torch.nn.functional.conv_transpose2d(
            torch.tensor(x[None, :, None]), torch.tensor(w[:, :, None]), stride=(1, stride),
            padding=(0, padding), output_padding=(0, output_padding))[0, :, 0].numpy()

    def calls_tconv_scatter(x, w, stride, padding, output_padding):
        from tconv import transpose
        return transpose.scatter(x[None, :, None], w[:, :, None], (1, stride), (0, padding),
                                 (0, output_padding), 1, (1, 1))[0, :, 0]
    for shortcut in (calls_torch_2d, calls_tconv_scatter):
        with pytest.raises(check.WrongAnswer, match="not to call"):
            check.conv_transpose1d_function(shortcut)
    assert torch.nn.functional.conv_transpose1d is not None   # restored after the check
    torch.nn.functional.conv_transpose1d(torch.zeros(1, 1, 2), torch.zeros(1, 1, 2))
    torch.nn.functional.conv_transpose2d(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2))


# ---------------------------------------------------------------- chapter 10


def test_chapter10_symmetric_sizes_never_named():
    for guess in (set(range(1, 13)), set(), {1, 3, 5, 7, 9, 11}, {1, 4, 7}):
        with pytest.raises(check.WrongAnswer, match="sizes") as caught:
            check.symmetric_same_sizes_answer(guess, kernel_size=3, stride=3)
        assert "10" not in str(caught.value)  # counts only: the answer is not revealed
    with pytest.raises(check.WrongAnswer, match="set of whole input sizes"):
        check.symmetric_same_sizes_answer("odd", kernel_size=3, stride=3)


def _port(flip=False, padding=1, output_padding=0, crop=True):
    import torch
    import torch.nn.functional as F

    def port(x, filters, bias):
        weight = filters.transpose(3, 2, 0, 1)
        weight = weight[:, :, ::-1, ::-1] if flip else weight
        y = F.conv_transpose2d(x, torch.tensor(weight.copy()), torch.tensor(bias), stride=2,
                               padding=padding, output_padding=output_padding)
        return y[..., :-1, :-1] if crop else y
    return port


def test_chapter10_ported_layer_catches_each_bug_and_tensorflow():
    import torch

    check.ported_transpose_layer_function(_port())
    for wrong in (_port(flip=True), _port(padding=2, output_padding=1, crop=False)):
        with pytest.raises(check.WrongAnswer, match="your port"):
            check.ported_transpose_layer_function(wrong)

    def by_tensorflow(x, filters, bias):  # the right numbers, but not a PyTorch layer
        import tensorflow as tf
        n, _, h, w = x.shape
        y = tf.nn.conv2d_transpose(x.detach().numpy().transpose(0, 2, 3, 1), filters,
                                   [n, 2 * h, 2 * w, filters.shape[2]], 2, "SAME") + bias
        return torch.tensor(y.numpy().transpose(0, 3, 1, 2))
    with pytest.raises(check.WrongAnswer, match="calls"):
        check.ported_transpose_layer_function(by_tensorflow)

    def copied(x, filters, bias):  # hides the call from the name check: caught by the gradient
        return torch.tensor(_port()(x, filters, bias).detach().numpy())
    with pytest.raises(check.WrongAnswer, match="no gradient flows"):
        check.ported_transpose_layer_function(copied)


def test_chapter10_crop_and_no_crop_reject_wrong_answers():
    with pytest.raises(check.WrongAnswer, match="same_transpose_crop"):
        check.same_transpose_crop_function(lambda i, o, k, s: (1, 1))
    with pytest.raises(check.WrongAnswer, match="calls"):
        check.same_transpose_crop_function(
            lambda i, o, k, s: __import__("tconv").port.conv2d_transpose_tf_to_torch)
    with pytest.raises(check.WrongAnswer, match="no_crop_port"):
        check.same_without_crop_function(lambda k, s: ((k - s) // 2, (k - s) % 2))  # a = -1 case
    with pytest.raises(check.WrongAnswer, match="no_crop_port"):
        check.same_without_crop_function(lambda k, s: None)


# ---------------------------------------------------------------- chapter 11


def test_chapter11_fractions_reject_guesses_without_revealing():
    for guess in (0, 1, 0.75, 0.25, 14 / 16):  # 0/1, the share of zeros, one axis only
        with pytest.raises(check.WrongAnswer, match="too") as caught:
            check.scatter_inside_fraction_answer(guess, input_size=4, kernel_size=4, stride=2,
                                                 padding=1)
        assert "0.76" not in str(caught.value)
    for guess in (0.5, 1 / 9, 1 / 16):  # half, 1/(c_in + 1), 1/(2 c_in)
        with pytest.raises(check.WrongAnswer, match="too"):
            check.placement_share_answer(guess, batch=2, in_channels=8, out_channels=8,
                                         kernel_size=4, side=64)
    with pytest.raises(check.WrongAnswer, match="between 0 and 1"):
        check.placement_share_answer(17, batch=2, in_channels=8, out_channels=8, kernel_size=4,
                                     side=64)


def test_chapter11_design_must_meet_the_conditions():
    check.cheaper_zero_insertion_answer((2, 1, 1), input_size=16)
    for design in ((4, 2, 1), (3, 1, 1), (1, 1, 0), (3, 1, 3), (20, 1, 19)):
        with pytest.raises(check.WrongAnswer):
            check.cheaper_zero_insertion_answer(design, input_size=16)
    with pytest.raises(check.WrongAnswer, match="three whole numbers"):
        check.cheaper_zero_insertion_answer((3.0, 1, 2), input_size=16)


def test_chapter11_place_catches_wrong_placements():
    def no_crop(stamps, stride, padding):
        n, c, k, _, h, w = stamps.shape
        full = np.zeros((n, c, (h - 1) * stride + k, (w - 1) * stride + k))
        for u in range(k):
            for v in range(k):
                full[:, :, u:u + (h - 1) * stride + 1:stride,
                     v:v + (w - 1) * stride + 1:stride] += stamps[:, :, u, v]
        return full
    with pytest.raises(check.WrongAnswer, match=r"no_crop\(stamps"):
        check.place_stamps_function(no_crop)

    def rotated(stamps, stride, padding):  # taps placed in 180°-rotated order
        full = no_crop(stamps[:, :, ::-1, ::-1], stride, padding)
        return full[:, :, padding:full.shape[2] - padding, padding:full.shape[3] - padding]
    with pytest.raises(check.WrongAnswer, match=r"rotated\(stamps"):
        check.place_stamps_function(rotated)


# ---------------------------------------------------------------- chapter 12


def test_chapter12_parameter_count_names_the_mistake_not_the_count():
    truth = 12 * 3 * 9 + 12 + 24 * 4 * 9 + 1176 * 10 + 10
    check.parameter_count_answer(truth)
    assert sum(p.numel() for p in check.count_exercise_stack().parameters()) == truth
    for guess, message in [(truth + 24 * 8 * 9, "groups=3"), (truth + 24, "bias=False"),
                           (truth + 24 * 8 * 9 + 24, "groups=3"), (truth - 10, "too small"),
                           (0, "too small"), (10 ** 6, "too large")]:
        with pytest.raises(check.WrongAnswer, match=message) as caught:
            check.parameter_count_answer(guess)
        assert str(truth) not in str(caught.value)
    with pytest.raises(check.WrongAnswer, match="whole number"):
        check.parameter_count_answer(truth + 0.5)


def test_chapter12_bug_check_needs_the_count_and_a_working_lenet():
    from torch import nn

    def lenet(pad=2, fc1=400, extra=()):
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=pad), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), *extra, nn.Flatten(),
            nn.Linear(fc1, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    check.lenet_bug_answer(256, lenet())
    check.lenet_bug_answer(256, lenet(pad=0, fc1=256))
    with pytest.raises(check.WrongAnswer, match="expects") as caught:
        check.lenet_bug_answer(400, lenet())
    assert "256" not in str(caught.value)
    for guess in (0, 1, 16, 1024):
        with pytest.raises(check.WrongAnswer, match="too") as caught:
            check.lenet_bug_answer(guess, lenet())
        assert "256" not in str(caught.value)
    with pytest.raises(check.WrongAnswer, match="still fails"):
        check.lenet_bug_answer(256, lenet(pad=0))  # the bug itself
    with pytest.raises(check.WrongAnswer, match="AdaptiveAvgPool2d"):
        check.lenet_bug_answer(256, lenet(pad=0, extra=(nn.AdaptiveAvgPool2d(5),)))
    with pytest.raises(check.WrongAnswer, match="LazyLinear"):
        check.lenet_bug_answer(256, nn.Sequential(*list(lenet(pad=0))[:7], nn.LazyLinear(120),
                                                  nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                                  nn.Linear(84, 10)))
    narrow = nn.Sequential(nn.Conv2d(1, 6, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                           nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 4 * 4, 120),
                           nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    with pytest.raises(check.WrongAnswer, match="keep LeNet-5's two"):
        check.lenet_bug_answer(256, narrow)
    with pytest.raises(check.WrongAnswer, match="torch.nn.Module"):
        check.lenet_bug_answer(256, "lenet")


def test_chapter12_design_must_keep_every_row():
    for k, p in [(5, 0), (7, 1), (9, 2), (11, 3)]:
        check.wide_input_design_answer(k, p, 1024)
    for design, message in [((5, 2), "32×32 maps"), ((4, 0), "drops its last row"),
                            ((6, 1), "drops its last row"), ((3, 3), "padding < kernel_size"),
                            ((5.0, 0), "should be ints"), ((41, 4), "does not fit"),
                            ((1, 0), "3136")]:
        with pytest.raises(check.WrongAnswer, match=message):
            check.wide_input_design_answer(*design, 1024)
    for guess in (3136, 64 * 5 * 5, 1600, 0):
        with pytest.raises(check.WrongAnswer, match="too") as caught:
            check.wide_input_design_answer(5, 0, guess)
        assert "1024" not in str(caught.value)


def test_chapter12_receptive_field_catches_common_slips():
    def sum_of_kernels(layers):  # forgets that strides multiply the steps
        return 1 + sum(k - 1 for k, s in layers), 1
    with pytest.raises(check.WrongAnswer, match=r"sum_of_kernels\("):
        check.receptive_field_function(sum_of_kernels)

    def last_stride_only(layers):
        size, jump = 1, 1
        for k, s in layers:
            size, jump = size + (k - 1) * jump, s
        return size, jump
    with pytest.raises(check.WrongAnswer, match=r"last_stride_only\("):
        check.receptive_field_function(last_stride_only)
    with pytest.raises(check.NotAnswered, match="ch12-receptive: receptive_field: not answered"):
        check.receptive_field_function(lambda layers: None)
    with pytest.raises(check.WrongAnswer, match="pair of ints"):  # None on a later case only
        check.receptive_field_function(lambda layers: (3, 1) if layers == [(3, 1)] else None)


# ---------------------------------------------------------------- chapter 13


def test_chapter13_field_names_the_forgotten_pool_or_border_not_the_count():
    check.field_pixels_answer(100, 256)
    for corner, centre, message in [(64, 256, "one unit of conv2"), (100, 196, "one unit of conv2"),
                                    (256, 256, "zero padding"), (81, 256, "too small"),
                                    (100, 289, "too large"), (100, 0, "too small")]:
        with pytest.raises(check.WrongAnswer, match=message) as caught:
            check.field_pixels_answer(corner, centre)
        assert "100" not in str(caught.value) and "256" not in str(caught.value)
    with pytest.raises(check.WrongAnswer, match="whole number"):
        check.field_pixels_answer(100.5, 256)


def test_chapter13_switches_are_flat_and_not_revealed():
    check.relu_switches_answer(np.array([[5, 2], [8, 10]]), [[5, 3], [13, 10]])
    with pytest.raises(check.WrongAnswer, match="row \\* 4 \\+ column"):
        check.relu_switches_answer([[3, 0], [0, 0]], [[5, 3], [13, 10]])  # inside each window
    for after, before in [([[5, 3], [13, 10]], [[5, 3], [13, 10]]),   # the ReLU forgotten
                          ([[5, 2], [8, 10]], [[5, 2], [8, 10]]),     # the same both ways
                          ([[5, 2], [8, 11]], [[5, 3], [13, 10]])]:   # the tie to the last one
        with pytest.raises(check.WrongAnswer, match="too (large|small)") as caught:
            check.relu_switches_answer(after, before)
        assert "expected" not in str(caught.value)
    with pytest.raises(check.WrongAnswer, match="shape"):
        check.relu_switches_answer([5, 2, 8, 10], [[5, 3], [13, 10]])


def test_chapter13_back_through_conv_catches_the_turned_kernel_and_the_stride():
    import torch
    import torch.nn.functional as F

    from tconv import models

    def right(h, conv, input_shape):
        sizes = [(o - 1) * s - 2 * p + d * (k - 1) + 1 for o, s, p, d, k in
                 zip(h.shape[2:], conv.stride, conv.padding, conv.dilation, conv.kernel_size)]
        return F.conv_transpose2d(h, conv.weight, stride=conv.stride, padding=conv.padding,
                                  dilation=conv.dilation,
                                  output_padding=[i - s for i, s in zip(input_shape[2:], sizes)])
    check.back_through_conv_function(right)

    def turned(h, conv, input_shape):
        flipped = torch.flip(conv.weight, dims=(2, 3))
        sizes = [(o - 1) * s - 2 * p + d * (k - 1) + 1 for o, s, p, d, k in
                 zip(h.shape[2:], conv.stride, conv.padding, conv.dilation, conv.kernel_size)]
        return F.conv_transpose2d(h, flipped, stride=conv.stride, padding=conv.padding,
                                  dilation=conv.dilation,
                                  output_padding=[i - s for i, s in zip(input_shape[2:], sizes)])
    with pytest.raises(check.WrongAnswer, match="turned by 180°"):
        check.back_through_conv_function(turned)

    def buggy(h, conv, input_shape):  # the exercise's code: turned kernel, stride ignored
        flipped = torch.flip(conv.weight, dims=(2, 3))
        return F.conv_transpose2d(h, flipped, padding=conv.padding)
    with pytest.raises(check.WrongAnswer, match="turned by 180°"):
        check.back_through_conv_function(buggy)

    def no_stride(h, conv, input_shape):
        return F.conv_transpose2d(h, conv.weight, padding=conv.padding, dilation=conv.dilation)
    with pytest.raises(check.WrongAnswer, match=r"stride=2.*has shape"):
        check.back_through_conv_function(no_stride)

    def no_output_padding(h, conv, input_shape):
        return F.conv_transpose2d(h, conv.weight, stride=conv.stride, padding=conv.padding,
                                  dilation=conv.dilation)
    with pytest.raises(check.WrongAnswer, match="has shape"):
        check.back_through_conv_function(no_output_padding)

    def by_autograd(h, conv, input_shape):
        x = torch.zeros(input_shape, dtype=h.dtype, requires_grad=True)
        return torch.autograd.grad(conv(x), x, h)[0]
    with pytest.raises(check.WrongAnswer, match="calls grad"):
        check.back_through_conv_function(by_autograd)
    with pytest.raises(check.WrongAnswer, match="calls conv_backward"):
        check.back_through_conv_function(lambda h, conv, shape: models.conv_backward(h, conv, shape))


def test_chapter13_switchless_unpooling_and_the_prediction():
    import torch
    import torch.nn.functional as F

    def spread(h, shape):
        return h.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3) / 4

    def corner(h, shape):
        out = torch.zeros(shape)
        out[:, :, ::2, ::2] = h
        return out
    check.switchless_unpool_answer(spread, "proportional")
    check.switchless_unpool_answer(corner, "proportional")
    for wrong in ("identical", "unrelated", "mirrored"):
        with pytest.raises(check.WrongAnswer, match="not what happens"):
            check.switchless_unpool_answer(spread, wrong)
    with pytest.raises(check.WrongAnswer, match="should be one of"):
        check.switchless_unpool_answer(spread, "same")
    with pytest.raises(check.WrongAnswer, match="not linear"):
        check.switchless_unpool_answer(lambda h, shape: spread(h, shape) ** 2, "proportional")
    with pytest.raises(check.WrongAnswer, match="outside the 2×2 window"):
        check.switchless_unpool_answer(
            lambda h, shape: F.interpolate(h, size=shape[2:], mode="bilinear"), "proportional")
    with pytest.raises(check.WrongAnswer, match="loses the value"):
        check.switchless_unpool_answer(lambda h, shape: torch.zeros(shape), "proportional")
    with pytest.raises(check.WrongAnswer, match="shape"):
        check.switchless_unpool_answer(lambda h, shape: h, "proportional")
    with pytest.raises(check.WrongAnswer, match="calls max_unpool2d"):
        check.switchless_unpool_answer(lambda h, shape: F.max_unpool2d(h, h.long(), 2),
                                       "proportional")


# ---------------------------------------------------------------- chapter 14


def test_chapter14_flat_upsamplers_counts_mistakes_only():
    check.flat_upsamplers_answer({"C", "E", "F"})
    check.flat_upsamplers_answer("cef")
    for guess in ({"A", "C", "E", "F"}, {"C", "E"}, set(), set("ABCDEF"), {"B", "C", "E", "F"}):
        with pytest.raises(check.WrongAnswer, match=r"holds|misses") as caught:
            check.flat_upsamplers_answer(guess)
        assert "'C'" not in str(caught.value)
    with pytest.raises(check.WrongAnswer, match="not among"):
        check.flat_upsamplers_answer({"G"})


def test_chapter14_output_padding_design():
    for k, p, design in [(4, 1, (1, 1)), (2, 0, (1, 1)), (6, 2, (1, 1))]:
        check.output_padding_design_answer((1, 0), k, p, design)
    for answer, message in [(((1, 1), 4, 1, (1, 1)), "paddings_27 is not right"),
                            (((0, 1), 4, 1, (1, 1)), "paddings_27 is not right"),
                            (((1, 0), 3, 1, (1, 0)), "still needs output_padding"),
                            (((1, 0), 4, 0, (0, 0)), "28 -> 13"),
                            (((1, 0), 4, 1, (0, 0)), "paddings_27_design"),
                            (((1, 0), 1, 0, (0, 0)), "at least 2"),
                            (((1, 0), 4, 1, (2, 0)), "0 or 1"),
                            (((1, 0), 4.0, 1, (1, 1)), "should be ints")]:
        with pytest.raises(check.WrongAnswer, match=message):
            check.output_padding_design_answer(*answer)


def _keras_decoder(crop=((1, 0), (1, 0)), swap=False):
    import keras

    def build(model):
        layers = [keras.Input((7, 7, model.up2.in_channels))]
        for up, activation in ((model.up2, "relu"), (model.up1, "sigmoid")):
            layers += [keras.layers.Conv2DTranspose(up.out_channels, 3, strides=2),
                       keras.layers.Cropping2D(crop), keras.layers.Activation(activation)]
        ported = keras.Sequential(layers)
        for up, layer in ((model.up2, ported.layers[0]), (model.up1, ported.layers[3])):
            w = up.weight.detach().numpy()
            kernel = w.T if swap else w.transpose(2, 3, 1, 0)  # .T reverses every axis
            layer.set_weights([kernel, up.bias.detach().numpy()])
        return ported
    return build


def test_chapter14_ported_decoder_names_each_bug():
    check.ported_decoder_function(_keras_decoder())
    with pytest.raises(check.WrongAnswer, match="shifted by one pixel"):
        check.ported_decoder_function(_keras_decoder(crop=((0, 1), (0, 1))))
    with pytest.raises(check.WrongAnswer, match="rows and columns are swapped"):
        check.ported_decoder_function(_keras_decoder(swap=True))
    with pytest.raises(check.WrongAnswer, match="not a Keras model"):
        check.ported_decoder_function(lambda model: model)
    with pytest.raises(check.WrongAnswer, match="expected"):
        check.ported_decoder_function(_keras_decoder(crop=((0, 0), (0, 0))))


def test_chapter14_psnr_by_hand_never_shows_the_value():
    import math

    check.psnr_by_hand_answer(10 * math.log10(196), 6.0206)
    check.psnr_by_hand_answer(22.9, 6.0)  # rounded to one decimal
    for patch, gain, message in [(45.84, 6.02, "already a square"), (10.0, 6.02, "too small"),
                                 (30.0, 6.02, "too large"), (22.92, 3.01, "squared"),
                                 (22.92, 2.0, "too small"), (22.92, "six", "number")]:
        with pytest.raises(check.WrongAnswer, match=message) as caught:
            check.psnr_by_hand_answer(patch, gain)
        assert "22.9" not in str(caught.value) and "6.02" not in str(caught.value)


# ---------------------------------------------------------------- chapter 15


def test_chapter15_sizes_names_the_level_not_the_size():
    sizes = [(30, 84), (15, 42), (7, 21), (3, 10)]
    paddings = [(0, 0), (1, 0), (1, 1)]
    check.unet_sizes_answer(sizes, paddings)
    for wrong_sizes, message in [([(30, 84), (15, 42), (8, 21), (4, 11)], r"sizes\[2\]: the height"),
                                 ([(30, 84), (15, 42), (7, 21), (3, 11)], r"sizes\[3\]: the width"),
                                 ([(28, 56)] + sizes[1:], r"sizes\[0\]"),
                                 (sizes[:3], "4 pairs")]:
        with pytest.raises(check.WrongAnswer, match=message):
            check.unet_sizes_answer(wrong_sizes, paddings)
    for wrong_paddings, message in [([(0, 0), (0, 0), (1, 1)], r"paddings\[1\]: the height"),
                                    ([(0, 0), (1, 0), (1, 0)], r"paddings\[2\]: the width"),
                                    ([(0, 0), (1, 0), (2, 1)], "0 or 1"),
                                    ([(0, 0), (1, 1), (0, 0)], r"paddings\[1\]")]:
        with pytest.raises(check.WrongAnswer, match=message) as caught:
            check.unet_sizes_answer(sizes, wrong_paddings)
        assert "(1, 1)" not in str(caught.value)
    with pytest.raises(check.WrongAnswer, match="whole number"):
        check.unet_sizes_answer([(30, 84), (15, 42), (7.5, 21), (3, 10)], paddings)


def test_chapter15_iou_catches_slips_without_the_values():
    from tconv.data import digit_canvases, load_mnist

    _, (x_test, y_test) = load_mnist()
    masks = digit_canvases(x_test, y_test, 50, seed=1)[1]
    ious = [10 / 12, 3 / 5, 2 / 4]
    accuracy = float(np.mean(masks == 0))
    miou = accuracy / 11
    check.iou_answer(ious, accuracy, miou, masks)
    check.iou_answer(np.array(ious), np.float32(accuracy), miou, masks)
    for wrong, message in [([10 / 11, 3 / 5, 2 / 4], r"ious\[0\].*too large"),
                           ([10 / 12, 3 / 8, 2 / 4], r"ious\[1\].*too small"),
                           ([10 / 12, 3 / 5, 2 / 2], r"ious\[2\].*too large"),  # 2/|truth|
                           ([10 / 12, 3 / 5], "three numbers"), (0.6, "list of three")]:
        with pytest.raises(check.WrongAnswer, match=message):
            check.iou_answer(wrong, accuracy, miou, masks)
    for lazy, message in [((1.0, miou), "lazy_accuracy is too large"),
                          ((100 * accuracy, miou), "percentage"),
                          ((accuracy, accuracy), "lazy_mean_iou is too large"),  # no mean
                          ((accuracy, accuracy / 10), "lazy_mean_iou is too large"),  # 10 classes
                          ((accuracy, 0.0), "too small")]:
        with pytest.raises(check.WrongAnswer, match=message) as caught:
            check.iou_answer(ious, *lazy, masks)
        assert f"{accuracy:.3f}"[:5] not in str(caught.value)


def test_chapter15_strided_up_needs_the_shape_and_no_holes():
    from torch import nn

    check.strided_up_answer(nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1,
                                               output_padding=(0, 1)))
    check.strided_up_answer(nn.ConvTranspose2d(64, 32, 5, stride=2, padding=2,
                                               output_padding=(0, 1)))
    for up, message in [(nn.ConvTranspose2d(64, 32, 2, stride=2), "8×14"),
                        (nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1), "width should"),
                        (nn.ConvTranspose2d(64, 32, 1, stride=2, output_padding=(0, 1)), "holes"),
                        (nn.ConvTranspose2d(64, 32, 3, stride=1, padding=1), "stride"),
                        (nn.ConvTranspose2d(32, 32, 3, stride=2, padding=1,
                                            output_padding=(0, 1)), "64"),
                        (nn.Conv2d(64, 32, 3), "ConvTranspose2d")]:
        with pytest.raises(check.WrongAnswer, match=message):
            check.strided_up_answer(up)


def test_chapter15_merge_catches_the_misaligned_skip():
    import torch
    import torch.nn.functional as F

    def buggy_merge(up, x, skip):
        y = up(x)
        y = F.pad(y, (0, skip.shape[3] - y.shape[3], skip.shape[2] - y.shape[2], 0))
        return torch.cat([skip, y], dim=1)

    def cropped_skip(up, x, skip):
        y = up(x)
        return torch.cat([skip[:, :, :y.shape[2], :y.shape[3]], y], dim=1)

    def upsampled_first(up, x, skip):
        y = F.pad(up(x), (0, skip.shape[3] - up(x).shape[3], 0, skip.shape[2] - up(x).shape[2]))
        return torch.cat([y, skip], dim=1)

    def fixed(up, x, skip):
        y = up(x)
        y = F.pad(y, (0, skip.shape[3] - y.shape[3], 0, skip.shape[2] - y.shape[2]))
        return torch.cat([skip, y], dim=1)

    check.merge_function(fixed)
    for fn, message in [(buggy_merge, "shifted"), (cropped_skip, "returns shape"),
                        (upsampled_first, "should be the skip")]:
        with pytest.raises(check.WrongAnswer, match=message):
            check.merge_function(fn)
    with pytest.raises(check.NotAnswered, match="ch15-skip: fixed_merge: not answered"):
        check.merge_function(lambda up, x, skip: None)
    with pytest.raises(check.WrongAnswer, match="should return a tensor, not ndarray"):
        check.merge_function(lambda up, x, skip: fixed(up, x, skip).numpy())
