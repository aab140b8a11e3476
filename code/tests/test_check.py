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


def test_function_check_names_the_failing_case():
    with pytest.raises(check.WrongAnswer, match=r"conv2d_output_size\(i=5, k=1, s=1, p=0, d=1\)"):
        check.conv2d_output_size_function(lambda i, k, s, p, d: i - k)  # forgot the +1
    with pytest.raises(check.WrongAnswer, match="raised ZeroDivisionError"):
        check.same_padding_function(lambda i, k, s: 1 / 0)


def test_symmetric_same_padding_is_caught():
    with pytest.raises(check.WrongAnswer, match="same_padding"):
        check.same_padding_function(lambda i, k, s: (1, 1))


def test_flipped_kernel_is_caught():
    def true_convolution(x, weight, bias, stride, padding):
        return conv2d(x, weight[:, :, ::-1, ::-1], bias, stride=stride, padding=padding)
    with pytest.raises(check.WrongAnswer, match="case"):
        check.conv2d_function(true_convolution)


def test_input_sizes():
    check.input_sizes_answer([12, 13, 14], output_size=4, kernel_size=3, stride=3)
    with pytest.raises(check.WrongAnswer, match=r"missing \[8\]"):
        check.input_sizes_answer([7], output_size=3, kernel_size=3, stride=2)
    with pytest.raises(check.WrongAnswer, match=r"\[9\] give other sizes"):
        check.input_sizes_answer([7, 8, 9], output_size=3, kernel_size=3, stride=2)


def test_chapter2_checks_reject_wrong_answers():
    with pytest.raises(check.WrongAnswer, match="the shape of C"):
        check.conv_matrix_shape_answer((16, 4), (1, 1, 3, 3), 4)
    with pytest.raises(check.WrongAnswer, match="nonzeros"):
        check.conv_matrix_nnz_function(lambda n, k, p: (n - k + 1) ** 2 * k * k)  # ignores p
    with pytest.raises(check.WrongAnswer, match="conv_matrix_1d"):
        check.conv_matrix_1d_function(lambda kernel, n: np.zeros((n - len(kernel) + 1, n)))
    with pytest.raises(check.WrongAnswer, match="kernel_from_matrix"):
        check.kernel_from_matrix_function(lambda C, k, n: np.zeros((k, k)))
    with pytest.raises(check.WrongAnswer, match="im2col_bytes"):
        check.im2col_bytes_function(lambda n, c, h, w, k, s, p, itemsize: n * c * h * w * itemsize)


# ---------------------------------------------------------------- chapter 3


def test_chapter3_checks_reject_wrong_answers():
    with pytest.raises(check.WrongAnswer, match="the shape of Cᵀ"):
        check.transpose_matrix_shape_answer((4, 16), (1, 1, 3, 3), (4, 4))
    with pytest.raises(check.WrongAnswer, match=r"conv_transpose_by_matrix\(y of shape"):
        check.conv_transpose_by_matrix_function(lambda y, kernel: np.zeros((2, 2)))
    with pytest.raises(check.WrongAnswer, match="your gradient"):
        check.input_gradient_answer(np.zeros((1, 3, 3)), (1, 3, 3), np.ones((1, 1, 2, 2)),
                                    np.ones((1, 2, 2)))
    with pytest.raises(check.WrongAnswer, match="output_padding"):
        check.gradient_output_padding_answer(0, 6, 3, stride=2, padding=1)


# ---------------------------------------------------------------- chapter 4


def test_chapter4_checks_reject_wrong_answers():
    from tconv.transpose import conv_transpose2d

    def no_crop(x, w, stride, padding):  # forgets that padding crops
        return conv_transpose2d(x[None], w[None, None], stride=stride)[0]
    with pytest.raises(check.WrongAnswer, match="padding=1"):
        check.conv_transpose_loops_function(no_crop)
    with pytest.raises(check.WrongAnswer, match="zero_inserted_size"):
        check.zero_inserted_size_function(lambda i, k, s, p: i * s + 2 * (k - 1 - p))
    with pytest.raises(check.WrongAnswer, match="groups=2"):
        check.conv_weight_of_transpose_function(
            lambda weight, groups: weight.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])
    with pytest.raises(check.WrongAnswer, match="scatter_multiply_adds"):
        check.scatter_multiply_adds_function(
            lambda n, c_in, c_out, h, w, k, groups: n * c_in * c_out * h * w * k * k)


# ---------------------------------------------------------------- chapter 5


def test_chapter5_checks_reject_wrong_answers():
    with pytest.raises(check.WrongAnswer, match="conv_transpose_output_size"):
        check.conv_transpose_output_size_function(
            lambda i, k, s, p, output_padding: (i - 1) * s - 2 * p + k)  # forgets it
    with pytest.raises(check.WrongAnswer, match="remainder"):
        check.remainder_function(lambda i, k, s, p: (i - k) % s)
    with pytest.raises(check.WrongAnswer, match="output_padding"):
        check.output_padding_function(lambda i, o, k, s, p: 0)


# ---------------------------------------------------------------- chapter 6


def test_chapter6_checks_reject_wrong_answers():
    with pytest.raises(check.WrongAnswer, match="overlap_count_1d"):
        check.overlap_count_1d_function(lambda n, k, s: np.ones((n - 1) * s + k))
    with pytest.raises(check.WrongAnswer, match="even_overlap"):
        check.even_overlap_function(lambda k, s: k >= s)
    with pytest.raises(check.WrongAnswer, match="bilinear_kernel"):
        check.bilinear_kernel_function(lambda factor: np.ones((2 * factor, 2 * factor)))
    with pytest.raises(check.WrongAnswer, match="pixel_shuffle"):
        check.pixel_shuffle_function(  # channels taken in the wrong order
            lambda x, r: x.reshape(x.shape[0], r, r, -1, *x.shape[2:])
            .transpose(0, 3, 4, 1, 5, 2).reshape(x.shape[0], -1, x.shape[2] * r, x.shape[3] * r))


# ---------------------------------------------------------------- chapter 7


def test_chapter7_checks_reject_wrong_answers():
    from tconv.pooling import max_pool2d

    def column_major(x):  # indices counted down the columns
        values, indices = max_pool2d(x[None], 2, return_indices=True)
        rows, cols = np.divmod(indices[0], x.shape[1])
        return values[0], cols * x.shape[0] + rows
    with pytest.raises(check.WrongAnswer, match="the indices"):
        check.max_pool_function(column_major)
    with pytest.raises(check.WrongAnswer, match="max unpooling to"):
        check.max_unpool_function(lambda values, indices, shape: np.zeros(shape))
    with pytest.raises(check.WrongAnswer, match="avg_pool_weight"):
        check.avg_pool_weight_function(lambda channels, k: np.ones((channels, 1, k, k)))
    with pytest.raises(check.WrongAnswer, match="your gradient"):
        check.max_pool_gradient_answer(np.zeros((1, 2, 2)), np.ones((1, 2, 2)),
                                       np.ones((1, 1, 1)))


# ---------------------------------------------------------------- chapter 8


def test_chapter8_checks_reject_wrong_answers():
    with pytest.raises(check.WrongAnswer, match="the accepted output sizes"):
        check.tf_output_sizes_answer([8], 4, 3, 2, "SAME")
    with pytest.raises(check.WrongAnswer, match="the filter of shape"):
        check.swapped_filter_function(lambda filters: filters)
    with pytest.raises(check.WrongAnswer, match="keras_output_size"):
        check.keras_output_size_function(lambda i, k, s, padding, output_padding: i * s)
    with pytest.raises(check.WrongAnswer, match="your gradient"):
        check.tf_input_gradient_answer(np.zeros((1, 3, 3, 1)), np.ones((1, 3, 3, 1)),
                                       np.ones((2, 2, 1, 1)), np.ones((1, 2, 2, 1)), 1, "VALID")


# ---------------------------------------------------------------- chapter 9


def test_chapter9_checks_reject_wrong_answers():
    import torch

    with pytest.raises(check.WrongAnswer, match="transpose_weight_shape"):
        check.transpose_weight_shape_function(lambda c_in, c_out, k, groups:
                                              (c_out, c_in // groups, k, k))
    with pytest.raises(check.WrongAnswer, match="an input of 1 gives"):
        check.doubling_layer_answer(3, 2, 1, 0)
    with pytest.raises(check.WrongAnswer, match="and back to"):
        check.round_trip_answer(3, 2, 1)

    def transposed_weight(conv):  # swaps the channel axes: the classic mistake
        layer = torch.nn.ConvTranspose2d(conv.out_channels, conv.in_channels, conv.kernel_size,
                                         stride=conv.stride, padding=conv.padding, bias=False)
        return layer
    with pytest.raises(check.WrongAnswer, match="Conv2d"):
        check.gradient_layer_function(transposed_weight)


# ---------------------------------------------------------------- chapter 10


def test_chapter10_checks_reject_wrong_answers():
    with pytest.raises(check.WrongAnswer, match="the conv2d filter"):
        check.conv_filter_to_torch_function(  # flips the kernel: wrong
            lambda filters: np.transpose(filters, (3, 2, 0, 1))[:, :, ::-1, ::-1])
    with pytest.raises(check.WrongAnswer, match="the conv2d_transpose filter"):
        check.transpose_filter_to_torch_function(lambda f: np.transpose(f, (2, 3, 0, 1)))
    with pytest.raises(check.WrongAnswer, match="same_transpose_crop"):
        check.same_transpose_crop_function(lambda i, o, k, s: (1, 1))


# ---------------------------------------------------------------- chapter 11


def test_chapter11_checks_reject_wrong_answers():
    with pytest.raises(check.WrongAnswer, match="conv_transpose_flops"):
        check.conv_transpose_flops_function(
            lambda n, c_in, c_out, h, w, k: n * c_in * c_out * h * w * k * k)  # forgot the 2
    with pytest.raises(check.WrongAnswer, match="zero_fraction"):
        check.zero_fraction_function(lambda i, s: 1 - 1 / s)
    with pytest.raises(check.WrongAnswer, match="zero_insertion_flops"):
        check.zero_insertion_flops_function(lambda n, c_in, c_out, h, w, k, s, p: 0)
    with pytest.raises(check.WrongAnswer, match="the nonzeros of Cᵀ"):
        check.conv_transpose_matrix_nnz_answer(64, (1, 1, 4, 4), (2, 2), stride=2, padding=1)
