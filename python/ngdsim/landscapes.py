"""The constraint functions g of ngdsim's landscapes, f = |g|^q, in numpy (for
drawing contours). Only what is needed for pictures of 2-D landscapes."""
import numpy as np


def _num(params, key, default):
    try:
        return float(params.get(key, default))
    except (TypeError, ValueError):
        return float(default)


def constraint_2d(landscape, params):
    """g(x, y) as a vectorised function for a 2-D landscape, or None where Python does
    not know it (bilinear with a random matrix, product with n != 2, unknown names).

    ``params`` are the landscape parameters as stored in the file ("n", "q", "a", ...).
    """
    if landscape == "product":
        if int(_num(params, "n", 2)) != 2:
            return None
        return lambda x, y: x * y - 1.0
    if landscape == "parabola":
        return lambda x, y: y - x * x
    if landscape == "cubic":
        return lambda x, y: x ** 3 + y ** 3 - 1.0
    if landscape == "quadric":
        a, b = _num(params, "a", 1.0), _num(params, "b", 4.0)
        return lambda x, y: a * x * x + b * y * y - 1.0
    if landscape == "cross":
        return lambda x, y: x * y
    return None  # bilinear: A is drawn from the seed by the simulator


def loss_2d(landscape, params):
    """f = |g|^q for a 2-D landscape, or None (see constraint_2d)."""
    g = constraint_2d(landscape, params)
    if g is None:
        return None
    q = _num(params, "q", 2.0)
    return lambda x, y: np.abs(g(x, y)) ** q
