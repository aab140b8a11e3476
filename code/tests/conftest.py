import os
import sys

# TensorFlow writes its start-up messages (oneDNN, CPU features) to stderr unless told not to
# before it is imported; oneDNN's reordered sums would also change the last bits of results.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from hypothesis import settings

sys.path.insert(0, os.path.dirname(__file__))  # for `strategies`

# Deterministic runs: the same examples on every machine and in CI.
settings.register_profile("course", max_examples=150, deadline=None, derandomize=True,
                          print_blob=True)
settings.load_profile("course")
