"""ngdsim: run the ngdsim Monte Carlo simulator, read its HDF5 output and plot it.

    import ngdsim
    r = ngdsim.load("run.h5")          # r.config, r.summary, r.observables["f/mean"], r.step
    s = ngdsim.load_sweep("sweep.h5")  # s.table["p_flat(0.1)"], s.labels, s.points[i]
    r = ngdsim.run(trajectories=20000, steps=500, param={"n": 2})   # runs the binary
    s = ngdsim.sweep(vary={"p": [0.25, 0.5, 1]}, trajectories=20000, steps=500)

Figures: ``ngdsim-plot FILE.h5 [-o DIR] [--size column] [--format pdf]`` and
``ngdsim-plot compare A.h5 B.h5 ...`` (module ngdsim.plot).
"""
from .io import (FINAL_CLASSES, QUANTILE_LEVELS, NgdsimFileError, Result, SweepResult, load,
                 load_any, load_sweep, read_final)
from .launcher import NgdsimError, NgdsimInputError, NgdsimNotFoundError, find_exe, run, sweep
from .stats import Z95, wilson

__version__ = "0.1.0"

__all__ = ["load", "load_sweep", "load_any", "read_final", "Result", "SweepResult",
           "NgdsimFileError", "wilson", "Z95", "QUANTILE_LEVELS", "FINAL_CLASSES", "run",
           "sweep", "find_exe", "NgdsimError", "NgdsimInputError", "NgdsimNotFoundError"]
