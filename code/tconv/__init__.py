"""tconv: the helper package of the course *Transposed convolution, from C to Cᵀ*.

Small NumPy modules, one topic each, checked against PyTorch:

- :mod:`tconv.shapes`: output sizes, TensorFlow's SAME padding, argument checks.
- :mod:`tconv.conv`: :func:`conv2d`, the convolution of deep-learning frameworks.
- :mod:`tconv.matrix`: :func:`conv_matrix` (the matrix C) and :func:`im2col`.
- :mod:`tconv.plot`: the figures of the chapters.
- :mod:`tconv.data`: the course's data files, checksummed.
- :mod:`tconv.check`: automatic checks for the exercises.
"""

from .conv import conv2d
from .matrix import conv_matrix, im2col
from .shapes import conv2d_output_size, same_padding

__all__ = ["conv2d", "conv2d_output_size", "conv_matrix", "im2col", "same_padding"]
__version__ = "0.1.0"
