"""The peer implementation for bench/cpu_vs_numpy.py: the same NGD study as
`ngdsim run` (product n=2 q=2, alpha_k = alpha0/(k+1)^p, box init, the same
log record schedule and the same statistics at every recorded step), written
the way a researcher would write it in NumPy: vectorized over trajectories.

It is a benchmark peer, not a reference for bits: its random numbers come from
NumPy's generator, not Philox, so only the statistics agree (within Monte Carlo
error), not individual paths.
"""
import numpy as np

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
EDGES = 10.0 ** (-20 + np.arange(241) / 8.0)  # ngdsim's log-histogram edges


def record_steps(K, R=200):
    n = R - 1
    s = {0, K}
    for i in range(n):
        s.add(int(round(K ** (i / (n - 1)))))
    return np.array(sorted(s))


def stats(v, valid):
    v = v[valid & np.isfinite(v)]
    hist = np.bincount(np.searchsorted(EDGES, v, side="right"), minlength=242)
    if v.size == 0:
        return hist, (0, np.nan, np.nan, np.nan, np.nan)
    return hist, (v.size, v.mean(), v.var(ddof=1) if v.size > 1 else 0.0, v.min(), v.max())


def run(N, K, alpha0=1.0, p=0.5, lo=-2.0, hi=2.0, eps=(0.1, 0.01, 0.001), seed=1, bound=1e6,
        record=None, dtype=np.float64):
    """record: the recorded steps (default: log:200's); [0, K] is ngdsim's list:0.
    dtype: np.float64 or np.float32, the precision of the step."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(lo, hi, size=(2, N)).astype(dtype)
    one = x.dtype.type(1)
    div = np.zeros(N, dtype=bool)
    alpha = (alpha0 / np.arange(1, K + 1, dtype=np.float64) ** p).astype(dtype)
    rec = record_steps(K) if record is None else np.asarray(record)
    out = []
    settle = np.full(N, -1)
    k = 0
    for r, k_end in enumerate(rec):
        while k < k_end:
            g = x[0] * x[1] - 1.0
            grad = np.stack((x[1], x[0]))
            n2 = grad[0] ** 2 + grad[1] ** 2
            sgn = np.where(g < 0, -one, one)  # in the step's precision
            zero = (g == 0) & ~div
            if zero.any():  # random Bouligand sign at g == 0 exactly
                sgn[zero] = rng.choice((-1.0, 1.0), size=zero.sum())
            crit = (n2 == 0) & ~div
            d = grad * (sgn / np.sqrt(n2))
            if crit.any():  # random unit direction at a critical point of g
                z = rng.standard_normal((2, crit.sum()))
                d[:, crit] = z / np.sqrt((z**2).sum(0))
            xn = x - alpha[k] * d
            bad = ~(np.abs(xn) <= bound).all(0)
            x = np.where(div, x, xn)
            div |= bad
            k += 1
        # statistics at the recorded step: the same quantities as ngdsim
        g = x[0] * x[1] - 1.0
        gn = np.sqrt(x[0] ** 2 + x[1] ** 2)
        s = np.where(x < 0, -1.0, 1.0)
        odd = s[0] * s[1] < 0
        flip = np.argmin(np.abs(x), axis=0)
        s[flip[odd], np.nonzero(odd)[0]] *= -1
        flat = np.sqrt(((x - s) ** 2).sum(0))
        q = {
            "f": g * g,
            "phi": (x[0] ** 2 - x[1] ** 2) ** 2,
            "flat_distance": flat,
            "min_distance": np.abs(g) / gn,
            "grad_norm": 2 * np.abs(g) * gn,
        }
        ok = ~div
        row = {"step": k_end}
        for name, v in q.items():
            hist, mom = stats(v, ok)
            cum = np.cumsum(hist)
            row[name] = (mom, [int(np.searchsorted(cum, qq * cum[-1])) for qq in QUANTILES])
        row["flat"] = [int((ok & (flat <= e)).sum()) for e in eps]
        row["min"] = [int((ok & (q["min_distance"] <= e)).sum()) for e in eps]
        row["diverged"] = int(div.sum())
        inside = ok & (flat <= eps[0])
        attractor = (s[0] < 0).astype(int)
        row["attractor"] = np.bincount(attractor[inside], minlength=2)
        settle = np.where(inside, np.where(settle < 0, r, settle), -1)
        out.append(row)
    return out, settle


if __name__ == "__main__":
    import sys
    import time

    N, K = int(sys.argv[1]), int(sys.argv[2])
    t = time.perf_counter()
    rows, _ = run(N, K)
    dt = time.perf_counter() - t
    print(f"numpy: N={N} K={K} {dt:.2f} s, {N * K / dt:.4g} trajectory-steps/s, "
          f"P(flat,0.1)={rows[-1]['flat'][0] / N:.4f}")
