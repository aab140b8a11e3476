import os
import sys

from hypothesis import settings

sys.path.insert(0, os.path.dirname(__file__))  # for `strategies`

# Deterministic runs: the same examples on every machine and in CI.
settings.register_profile("course", max_examples=150, deadline=None, derandomize=True,
                          print_blob=True)
settings.load_profile("course")
