"""`python3 -m ngdsim FILE.h5 ...` is `ngdsim-plot FILE.h5 ...`."""
import sys

from .plot import main

sys.exit(main())
