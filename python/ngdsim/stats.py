"""Small statistics helpers: the 95% Wilson score interval ngdsim reports."""
import numpy as np

#: two-sided 95% normal quantile, the z the simulator uses for its intervals
Z95 = 1.959963984540054


def wilson(successes, n, z=Z95):
    """Wilson score interval for a binomial proportion.

    ``successes`` and ``n`` may be scalars or arrays (broadcast together). Returns
    ``(low, high)`` as float arrays (0-d for scalar input). With p = k/n:

        centre    = (p + z^2/(2n)) / (1 + z^2/n)
        halfwidth = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/(4n^2))

    and the interval is [centre - halfwidth, centre + halfwidth] clipped to [0, 1].
    Where n == 0 nothing is known and the interval is [0, 1].
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    k, n = np.broadcast_arrays(k, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        z2n = z * z / n
        denom = 1.0 + z2n
        centre = (p + z2n / 2.0) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    empty = n <= 0
    low = np.where(empty, 0.0, low)
    high = np.where(empty, 1.0, high)
    # the exact ends: no successes -> low 0, all successes -> high 1
    low = np.where(~empty & (k <= 0), 0.0, low)
    high = np.where(~empty & (k >= n), 1.0, high)
    return low, high
