"""`python3 -m ngdsim ...` is `ngdsim-plot ...` (FILE.h5, or compare FILE ...)."""
import sys

from .plot import main

sys.exit(main())
