"""`python -m tests.benchmarks`: the whole suite (see tests/benchmarks/suite.py)."""

import sys

from tests.benchmarks.suite import main

sys.exit(main())
