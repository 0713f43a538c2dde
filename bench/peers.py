"""The same NGD study as `ngdsim run` (product n=2 q=2, alpha_k = alpha0/(k+1)^p,
box init, log record schedule, the statistics of docs/output.md at every
recorded step) written with JAX (jit + vmap + lax.fori_loop) and with PyTorch
(batched tensors), the peers of bench/gpu_bench.py. Like bench/numpy_ngd.py they
use their own random numbers, so they agree with ngdsim statistically, not bit for bit.
"""
import numpy as np

from numpy_ngd import EDGES, QUANTILES, record_steps

NBINS = len(EDGES) + 1


def run_jax(N, K, alpha0=1.0, p=0.5, eps=(0.1, 0.01, 0.001), seed=1, bound=1e6, record=None,
            dtype="float64"):
    """record: the recorded steps (default: log:200's; [0, K] is ngdsim's list:0); dtype:
    "float64" or "float32", the precision of the step."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    dt = jnp.dtype(dtype)
    alpha = (alpha0 / (jnp.arange(K, dtype=jnp.float64) + 1.0) ** p).astype(dt)
    edges = jnp.asarray(EDGES)
    eps_a = jnp.asarray(eps)

    def direction(xi):  # one trajectory; vmapped below
        g = xi[0] * xi[1] - 1.0
        grad = jnp.stack((xi[1], xi[0]))
        n = jnp.sqrt(grad @ grad)
        return grad * (jnp.where(g < 0, -1.0, 1.0) / n), g == 0.0

    def step(k, state):
        x, div, key = state
        d, zero = jax.vmap(direction)(x)
        key, sub = jax.random.split(key)
        flip = jnp.where(zero & jax.random.bernoulli(sub, 0.5, zero.shape), -1.0, 1.0)
        xn = x - alpha[k] * d * flip[:, None]
        bad = ~jnp.all(jnp.abs(xn) <= bound, axis=1)
        return jnp.where(div[:, None], x, xn), div | (bad & ~div), key

    @jax.jit
    def advance(x, div, key, k0, k1):
        return jax.lax.fori_loop(k0, k1, step, (x, div, key))

    @jax.jit
    def statistics(x, div, settle, r):
        g = x[:, 0] * x[:, 1] - 1.0
        gn = jnp.sqrt(x[:, 0] ** 2 + x[:, 1] ** 2)
        s = jnp.where(x < 0, -1.0, 1.0)
        odd = s[:, 0] * s[:, 1] < 0
        flip = jnp.argmin(jnp.abs(x), axis=1)
        s = s * jnp.where(odd[:, None] & (jnp.arange(2)[None, :] == flip[:, None]), -1.0, 1.0)
        flat = jnp.sqrt(((x - s) ** 2).sum(1))
        qs = jnp.stack((g * g, (x[:, 0] ** 2 - x[:, 1] ** 2) ** 2, flat, jnp.abs(g) / gn,
                        2 * jnp.abs(g) * gn))
        ok = ~div[None, :] & jnp.isfinite(qs)
        cnt = ok.sum(1)
        mean = jnp.where(ok, qs, 0).sum(1) / cnt
        var = jnp.where(ok, (qs - mean[:, None]) ** 2, 0).sum(1) / (cnt - 1)
        lo = jnp.where(ok, qs, jnp.inf).min(1)
        hi = jnp.where(ok, qs, -jnp.inf).max(1)
        bins = jnp.where(ok, jnp.searchsorted(edges, qs, side="right"), NBINS)
        hist = jax.vmap(lambda b: jnp.bincount(b, length=NBINS + 1))(bins)[:, :NBINS]
        flat_c = ((flat[None, :] <= eps_a[:, None]) & ~div[None, :]).sum(1)
        min_c = ((qs[3][None, :] <= eps_a[:, None]) & ok[3][None, :]).sum(1)
        inside = ~div & (flat <= eps[0])
        attractor = jnp.bincount(jnp.where(inside, (s[:, 0] < 0).astype(int), 2), length=3)[:2]
        settle = jnp.where(inside, jnp.where(settle < 0, r, settle), -1)
        return (cnt, mean, var, lo, hi, hist, flat_c, min_c, div.sum(), attractor), settle

    key = jax.random.PRNGKey(seed)
    key, sub = jax.random.split(key)
    x = jax.random.uniform(sub, (N, 2), dt, -2.0, 2.0)
    div = jnp.zeros(N, bool)
    settle = jnp.full(N, -1)
    rows, k = [], 0
    for r, k_end in enumerate(record_steps(K) if record is None else record):
        x, div, key = advance(x, div, key, k, int(k_end))
        k = int(k_end)
        row, settle = statistics(x, div, settle, r)
        rows.append(row)
    jax.block_until_ready(rows[-1])
    hist = np.asarray(rows[-1][5])
    cum = np.cumsum(hist, axis=1)  # quantile bins, as the other implementations report
    _ = [np.argmax(cum >= q * cum[:, -1:], axis=1) for q in QUANTILES]
    return float(rows[-1][6][0]) / N


def run_jax_bare(N, K, alpha0=1.0, p=0.5, seed=1, bound=1e6, dtype="float64"):
    """The NGD step alone, as fast as JAX runs it: coordinates in separate arrays, one
    jitted fori_loop over all K steps, no statistics, and no random sign at g == 0 (+1
    there: less work than ngdsim does, which favours JAX). The strongest JAX peer for
    runs without statistics."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    dt = jnp.dtype(dtype)
    alpha = (alpha0 / (jnp.arange(K, dtype=jnp.float64) + 1.0) ** p).astype(dt)
    one = jnp.asarray(1, dt)

    def step(k, s):
        x, y, div = s
        g = x * y - one
        sg = jnp.where(g < 0, -one, one) / jnp.sqrt(x * x + y * y)
        xn, yn = x - alpha[k] * (y * sg), y - alpha[k] * (x * sg)
        bad = ~((jnp.abs(xn) <= bound) & (jnp.abs(yn) <= bound))
        return jnp.where(div, x, xn), jnp.where(div, y, yn), div | bad

    @jax.jit
    def advance(x, y):
        return jax.lax.fori_loop(0, K, step, (x, y, jnp.zeros(x.shape, bool)))

    kx, ky = jax.random.split(jax.random.PRNGKey(seed))
    x = jax.random.uniform(kx, (N,), dt, -2.0, 2.0)
    y = jax.random.uniform(ky, (N,), dt, -2.0, 2.0)
    return float(advance(x, y)[2].mean())


def run_torch(N, K, alpha0=1.0, p=0.5, eps=(0.1, 0.01, 0.001), seed=1, bound=1e6, record=None,
              dtype="float64"):
    """record and dtype as for run_jax."""
    import torch

    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dt = getattr(torch, dtype)
    gen = torch.Generator(device=dev).manual_seed(seed)
    alpha = (alpha0 / (torch.arange(K, dtype=dt) + 1.0) ** p).tolist()
    edges = torch.as_tensor(EDGES, device=dev)
    eps_t = torch.as_tensor(eps, device=dev)
    x = torch.rand((N, 2), dtype=dt, device=dev, generator=gen) * 4.0 - 2.0
    div = torch.zeros(N, dtype=torch.bool, device=dev)
    settle = torch.full((N,), -1, device=dev)
    k, flat_last = 0, None
    with torch.no_grad():
        for r, k_end in enumerate(record_steps(K) if record is None else record):
            while k < k_end:
                g = x[:, 0] * x[:, 1] - 1.0
                grad = x.flip(1)
                n = torch.sqrt((grad * grad).sum(1))
                sgn = torch.where(g < 0, -1.0, 1.0)
                zero = g == 0
                coin = torch.rand(N, dtype=dt, device=dev, generator=gen) < 0.5
                sgn = torch.where(zero & coin, -sgn, sgn)
                xn = x - alpha[k] * grad * (sgn / n)[:, None]
                bad = ~(xn.abs() <= bound).all(1)
                x = torch.where(div[:, None], x, xn)
                div |= bad
                k += 1
            g = x[:, 0] * x[:, 1] - 1.0
            gn = torch.sqrt((x * x).sum(1))
            s = torch.where(x < 0, -1.0, 1.0)
            odd = s[:, 0] * s[:, 1] < 0
            flip = x.abs().argmin(1)
            s = s * torch.where(odd[:, None] & (torch.arange(2, device=dev)[None, :] == flip[:, None]),
                                -1.0, 1.0)
            flat = torch.sqrt(((x - s) ** 2).sum(1))
            qs = torch.stack((g * g, (x[:, 0] ** 2 - x[:, 1] ** 2) ** 2, flat, g.abs() / gn,
                              2 * g.abs() * gn))
            ok = ~div[None, :] & torch.isfinite(qs)
            cnt = ok.sum(1)
            mean = torch.where(ok, qs, 0).sum(1) / cnt
            _var = torch.where(ok, (qs - mean[:, None]) ** 2, 0).sum(1) / (cnt - 1)
            _lo = torch.where(ok, qs, torch.inf).amin(1)
            _hi = torch.where(ok, qs, -torch.inf).amax(1)
            bins = torch.where(ok, torch.bucketize(qs, edges, right=True), NBINS)
            hist = torch.stack([torch.bincount(b, minlength=NBINS + 1) for b in bins])[:, :NBINS]
            _cum = hist.cumsum(1)
            flat_last = ((flat[None, :] <= eps_t[:, None]) & ~div[None, :]).sum(1)
            _min = ((qs[3][None, :] <= eps_t[:, None]) & ok[3][None, :]).sum(1)
            inside = ~div & (flat <= eps[0])
            _att = torch.bincount(torch.where(inside, (s[:, 0] < 0).long(), 2), minlength=3)[:2]
            settle = torch.where(inside, torch.where(settle < 0, r, settle), -1)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return float(flat_last[0]) / N
