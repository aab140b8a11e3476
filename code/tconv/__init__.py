"""tconv: the helper package of the course *Transposed convolution, from C to Cᵀ*.

Small NumPy modules, one topic each, checked against PyTorch:

- :mod:`tconv.shapes`: output sizes, TensorFlow's SAME padding, argument checks.
- :mod:`tconv.conv`: :func:`conv2d`, the convolution of deep-learning frameworks.
- :mod:`tconv.matrix`: :func:`conv_matrix` (the matrix C), :func:`conv_transpose_matrix`
  (its transpose) and :func:`im2col`.
- :mod:`tconv.transpose`: :func:`conv_transpose2d`, multiplication by Cᵀ, three ways.
- :mod:`tconv.upsample`: overlap maps, bilinear kernels, resizing, pixel shuffle.
- :mod:`tconv.pooling`: max pooling with positions, max and average unpooling.
- :mod:`tconv.port`: TensorFlow and PyTorch calls converted into each other, and checked.
- :mod:`tconv.plot`: the figures of the chapters.
- :mod:`tconv.data`: the course's data files, checksummed.
- :mod:`tconv.models`: LeNet-5 and a wider LeNet, as PyTorch modules (needs PyTorch).
- :mod:`tconv.train`: deterministic training, accuracy, confusion matrix, and a cache of
  trained weights (needs PyTorch).
- :mod:`tconv.check`: automatic checks for the exercises.
"""

from .conv import conv2d
from .matrix import conv_matrix, conv_transpose_matrix, im2col
from .shapes import (conv2d_output_size, conv_transpose2d_output_size, output_padding_for_size,
                     same_padding)
from .transpose import conv_transpose2d

__all__ = [
    "conv2d", "conv2d_output_size", "conv_matrix", "conv_transpose2d",
    "conv_transpose2d_output_size", "conv_transpose_matrix", "im2col",
    "output_padding_for_size", "same_padding",
]
__version__ = "0.1.0"
