"""ngdsim: read the HDF5 output of the ngdsim Monte Carlo simulator and plot it.

    import ngdsim
    r = ngdsim.load("run.h5")          # r.config, r.summary, r.observables["f/mean"], r.step
    s = ngdsim.load_sweep("sweep.h5")  # s.table["p_flat(0.1)"], s.labels, s.points[i]

Figures: ``ngdsim-plot FILE.h5 [-o DIR] [--pdf]`` (module ngdsim.plot).
"""
from .io import (FINAL_CLASSES, QUANTILE_LEVELS, NgdsimFileError, Result, SweepResult, load,
                 load_any, load_sweep, read_final)
from .stats import Z95, wilson

__version__ = "0.1.0"

__all__ = ["load", "load_sweep", "load_any", "read_final", "Result", "SweepResult",
           "NgdsimFileError", "wilson", "Z95", "QUANTILE_LEVELS", "FINAL_CLASSES"]
