"""ngdsim-plot: figures from an ngdsim output file.

    ngdsim-plot FILE.h5 [-o DIR] [--pdf] [--dpi 100] [--points]

Run files ("ngdsim-run") give

    p_flat.png      P(flat, eps) and P(min, eps) against the step, 95% Wilson bands
    quantiles.png   median and 5-95% / 25-75% bands of f, phi and flat_distance, with alpha_k
    survival.png    fraction not yet settled at a flat minimum against the step
    attractors.png  final fraction at each flat minimum, 95% Wilson intervals
    landscape.png   2-D landscapes only: contours of f, {g = 0}, flat minima, sampled
                    paths, and the density of the final points

Sweep files ("ngdsim-sweep") give

    sweep_p_flat.png  P(flat, eps) against the first varied setting (a line per value of
                      the second, if any), 95% Wilson bands
    sweep_p_min.png   the same for P(min, eps)

and with --points also every point's run figures in DIR/points/NNN/. With --pdf each
figure is written as a PDF too. The default DIR is FILE's name without ".h5" plus
"-plots", beside FILE.

Exit status: 0 written; 2 the file is missing, not an ngdsim output, truncated or
damaged (one line on stderr); 1 other failures (matplotlib missing, DIR not writable, a
plotting error: one line, the traceback with NGDSIM_PLOT_DEBUG=1).
"""
import argparse
import os
import shutil
import sys

import numpy as np

from .io import NgdsimFileError, Result, SweepResult, load_any, read_final
from .landscapes import constraint_2d
from .stats import wilson

#: Okabe & Ito's colour-blind-safe palette (yellow last: weak on white)
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
             "#F0E442"]

#: figure name -> size in inches; the PNG is (width * dpi) x (height * dpi) pixels
FIGSIZE = {
    "p_flat": (12, 5),
    "quantiles": (15, 5),
    "survival": (7, 5),
    "attractors": (8, 5),
    "landscape": (13, 6),
    "sweep_p_flat": (14, 5),
    "sweep_p_min": (14, 5),
}
DEFAULT_DPI = 100
HISTOGRAM_FLOOR = 1e-20  # the log histograms' bin 0 is "below 1e-20"

RUN_FIGURES = ("p_flat", "quantiles", "survival", "attractors", "landscape")
SWEEP_FIGURES = ("sweep_p_flat", "sweep_p_min")

_RC = {
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 8.5,
    "legend.framealpha": 0.85,
    "image.cmap": "viridis",
}


def pixel_size(name, dpi=DEFAULT_DPI):
    """(width, height) in pixels of figure ``name`` saved at ``dpi``."""
    w, h = FIGSIZE[name]
    return int(round(w * dpi)), int(round(h * dpi))


# -- text --------------------------------------------------------------------------
def _g(v):
    try:
        return f"{float(v):g}"
    except (TypeError, ValueError):
        return str(v)


def _landscape_text(config):
    params = {k[len("param."):]: v for k, v in config.items() if k.startswith("param.")}
    parts = []
    for k in sorted(params):
        v = str(params[k])
        parts.append(f"{k}={v if len(v) <= 16 else v[:14] + '..'}")
    name = str(config.get("landscape", "?"))
    return f"{name} ({', '.join(parts)})" if parts else name


def _optimizer_text(config, varied=()):
    opt = str(config.get("optimizer", "?"))
    extra = {"sam": "rho", "perturbed": "sigma"}.get(opt)
    text = opt.upper() if opt in ("ngd", "gd", "sam") else opt
    if extra:
        text += f" ({extra} = {'varied' if extra in varied else _g(config.get(extra))})"
    return text


def _schedule_text(config, varied=()):
    a0 = "varied" if "alpha0" in varied else _g(config.get("alpha0"))
    p = "varied" if "p" in varied else _g(config.get("p"))
    return rf"$\alpha_k = \alpha_0/(k+1)^p$, $\alpha_0$ = {a0}, p = {p}"


def title_for(r: Result, varied=()):
    """Two-line figure title: landscape, optimizer, schedule, N and K."""
    c = r.config
    land = "varied landscape parameter(s)" if any(v.startswith("param.") for v in varied) \
        else None
    line1 = " · ".join(x for x in (_landscape_text(c), land, _optimizer_text(c, varied),
                                    _schedule_text(c, varied)) if x)
    init = "varied" if "init" in varied else c.get("init", "?")
    line2 = f"N = {r.trajectories} trajectories, K = {r.steps} steps, init {init}"
    if r.label and not varied:
        line2 = f"{r.label}: " + line2
    return f"{line1}\n{line2}"


# -- figure plumbing ---------------------------------------------------------------
class _Figures:
    def __init__(self, outdir, dpi, pdf):
        self.outdir, self.dpi, self.pdf = outdir, dpi, pdf
        self.written = []

    def new(self, name, ncols=1, nrows=1, **kw):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        fig = Figure(figsize=FIGSIZE[name], dpi=self.dpi, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
        return fig, axes

    def save(self, fig, name):
        os.makedirs(self.outdir, exist_ok=True)
        for ext in ("png", "pdf") if self.pdf else ("png",):
            path = os.path.join(self.outdir, f"{name}.{ext}")
            fig.savefig(path, dpi=self.dpi, format=ext)
            self.written.append(path)


def _logx(ax):
    ax.set_xscale("log")
    ax.set_xlabel("step k + 1  (log scale)")


def _cycle(i):
    return OKABE_ITO[i % len(OKABE_ITO)]


# -- run figures -------------------------------------------------------------------
def _fig_p_flat(figs, r: Result):
    fig, axes = figs.new("p_flat", ncols=2, sharey=True)
    x = r.step + 1.0
    n = r.trajectories
    alpha = r.observables.get("alpha")
    ngd = r.config.get("optimizer") == "ngd"
    for ax, kind, what in ((axes[0, 0], "flat", "a flat minimum"),
                           (axes[0, 1], "min", "a global minimum (any)")):
        counts = np.asarray(r.observables[f"{kind}_count"], dtype=float).reshape(len(x), -1)
        for j, e in enumerate(r.eps[:counts.shape[1]]):
            colour = _cycle(j)
            lo, hi = wilson(counts[:, j], n)
            ax.fill_between(x, lo, hi, color=colour, alpha=0.25, linewidth=0)
            ax.plot(x, counts[:, j] / n, color=colour, lw=1.6,
                    label=rf"$\varepsilon$ = {_g(e)}")
            if ngd and kind == "flat" and alpha is not None:
                below = np.nonzero(np.asarray(alpha) <= e)[0]
                if below.size:
                    ax.axvline(x[below[0]], color=colour, ls=":", lw=1.2,
                               label=rf"first k with $\alpha_k \leq$ {_g(e)}")
        div = r.observables.get("diverged_count")
        if div is not None and np.max(div) > 0:
            ax.plot(x, np.asarray(div, float) / n, color="black", ls="--", lw=1.2,
                    label="diverged")
        _logx(ax)
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"P({kind}, ε): fraction of the N trajectories within ε of {what}"
                     "\n(shaded: 95% Wilson interval)")
        ax.legend(loc="best")
    axes[0, 0].set_ylabel("probability (fraction of N)")
    fig.suptitle(title_for(r))
    figs.save(fig, "p_flat")


def _positive(v):
    v = np.asarray(v, dtype=float)
    # no value (every trajectory diverged) stays a gap; zero and tiny go to the floor
    return np.where(np.isfinite(v), np.maximum(v, HISTOGRAM_FLOOR), np.nan)


def _fig_quantiles(figs, r: Result):
    panels = [("f", r"loss $f(x_k) = |g(x_k)|^q$"),
              ("phi", r"implicit regularizer $\varphi(x_k)$"),
              ("flat_distance", r"distance to the nearest flat minimum (units of x)")]
    fig, axes = figs.new("quantiles", ncols=3)
    x = r.step + 1.0
    alpha = r.observables.get("alpha")
    for i, (ax, (q, label)) in enumerate(zip(axes[0], panels)):
        key = f"{q}/quantiles"
        if key not in r.observables:
            ax.set_visible(False)
            continue
        qs = _positive(r.observables[key])
        colour = _cycle(i)
        ax.fill_between(x, qs[:, 0], qs[:, 4], color=colour, alpha=0.2, linewidth=0,
                        label="5–95% of trajectories")
        ax.fill_between(x, qs[:, 1], qs[:, 3], color=colour, alpha=0.4, linewidth=0,
                        label="25–75%")
        ax.plot(x, qs[:, 2], color=colour, lw=1.8, label="median")
        if alpha is not None:
            ax.plot(x, _positive(alpha), color="black", ls="--", lw=1.2,
                    label=r"$\alpha_k$ (NGD oscillates at about $\alpha_k$)"
                    if r.config.get("optimizer") == "ngd" else r"$\alpha_k$ (step size)")
        _logx(ax)
        ax.set_yscale("log")
        ax.set_ylabel(label + "  (log scale)")
        ax.set_title(f"{q}: quantiles over the non-diverged trajectories"
                     + (f"\n(values below {HISTOGRAM_FLOOR:g} drawn at {HISTOGRAM_FLOOR:g})"
                        if i == 0 else "\n "))
        ax.legend(loc="best")
    fig.suptitle(title_for(r))
    figs.save(fig, "quantiles")


def _fig_survival(figs, r: Result):
    fig, axes = figs.new("survival")
    ax = axes[0, 0]
    x = r.step + 1.0
    n = r.trajectories
    s = np.asarray(r.observables["survival"], dtype=float)
    lo, hi = wilson(np.round(s * n), n)
    ax.fill_between(x, lo, hi, color=_cycle(0), alpha=0.25, linewidth=0,
                    label="95% Wilson interval")
    ax.plot(x, s, color=_cycle(0), lw=1.8, label="survival S(k)")
    e0 = _g(r.eps[0])
    if "flat_fraction" in r.observables:
        never = 1.0 - np.asarray(r.observables["flat_fraction"]).reshape(len(x), -1)[-1, 0]
        ax.axhline(never, color=_cycle(1), ls="--", lw=1.2,
                   label=rf"not within $\varepsilon$ = {e0} of a flat minimum at K")
    _logx(ax)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(f"fraction of N not yet settled (ε = {e0})")
    ax.set_title("survival: last entry into the ε-ball of a flat minimum\n"
                 "(staying inside to step K) is later than k, or never")
    ax.legend(loc="best")
    fig.suptitle(title_for(r), fontsize=9)
    figs.save(fig, "survival")


def _fig_attractors(figs, r: Result):
    att = r.attractors
    if "final_fraction" not in att or np.size(att["final_fraction"]) == 0:
        return False
    frac = np.asarray(att["final_fraction"], dtype=float)
    n_att = frac.size
    lo = np.asarray(att.get("wilson_low", frac), dtype=float)
    hi = np.asarray(att.get("wilson_high", frac), dtype=float)
    fig, axes = figs.new("attractors")
    ax = axes[0, 0]
    idx = np.arange(n_att)
    colours = [_cycle(i % 6) for i in idx] if n_att <= 12 else _cycle(0)
    ax.bar(idx, frac, color=colours, alpha=0.85, width=0.75 if n_att > 1 else 0.4)
    ax.errorbar(idx, frac, yerr=[np.clip(frac - lo, 0, None), np.clip(hi - frac, 0, None)],
                fmt="none", ecolor="black" if n_att <= 32 else "0.4",
                capsize=4 if n_att <= 32 else 0, lw=1.2 if n_att <= 32 else 0.6,
                label="95% Wilson interval")
    p_flat = r.summary.get("p_flat")
    e0 = _g(r.eps[0])
    if p_flat is not None and n_att > 1:
        ax.axhline(float(np.atleast_1d(p_flat)[0]) / n_att, color="black", ls="--", lw=1,
                   label=rf"equal share: P(flat, {e0}) / {n_att}")
    pos = att.get("position")
    if pos is not None and n_att <= 12 and pos.shape[1] <= 4:
        ax.set_xticks(idx)
        ax.set_xticklabels([f"#{i}\n(" + ", ".join(_g(round(v, 3)) for v in p) + ")"
                            for i, p in enumerate(pos)], fontsize=8)
    ax.set_xlabel("flat minimum (attractor id and position)")
    ax.set_ylabel(f"fraction of N within ε = {e0} at step K")
    ax.set_ylim(0, max(1e-3, float(np.max(hi))) * 1.15)
    ax.set_title("where the trajectories end: fraction at each flat minimum")
    ax.legend(loc="best")
    fig.suptitle(title_for(r), fontsize=9)
    figs.save(fig, "attractors")
    return True


def _bbox(arrays):
    lo, hi = np.full(2, np.inf), np.full(2, -np.inf)
    for e in arrays:
        e = np.asarray(e, dtype=float).reshape(-1, 2)
        e = e[np.all(np.isfinite(e), axis=1)]
        if e.size:
            lo = np.minimum(lo, e.min(axis=0))
            hi = np.maximum(hi, e.max(axis=0))
    return lo, hi


def _frame(ends, base):
    """Plot range (lo, hi) per axis: the box around ``base`` (flat minima, initial box,
    path starts) widened to the central 96% of the end points, but to at most three
    times the base box (trajectories running away are clipped, not followed); padded."""
    lo, hi = _bbox(base)
    if not np.all(np.isfinite(lo)):
        lo, hi = np.full(2, -1.0), np.full(2, 1.0)
    span = np.maximum(hi - lo, 1.0)
    centre = (hi + lo) / 2
    if len(ends):
        elo, ehi = np.percentile(ends, 2, axis=0), np.percentile(ends, 98, axis=0)
        lo = np.maximum(np.minimum(lo, elo), centre - 1.5 * span)
        hi = np.minimum(np.maximum(hi, ehi), centre + 1.5 * span)
    span = np.maximum(hi - lo, 0.5)
    centre = (hi + lo) / 2
    return centre - 0.55 * span, centre + 0.55 * span


def _init_box(config):
    init = str(config.get("init", ""))
    if init.startswith("box:"):
        try:
            a, b = (float(v) for v in init[4:].split(","))
            return np.array([[a, a], [b, b]])
        except ValueError:
            return np.empty((0, 2))
    return np.empty((0, 2))


def _fig_landscape(figs, r: Result, final_position=None):
    from matplotlib.colors import LogNorm
    if r.dimension != 2:
        return False
    flat = np.asarray(r.attractors.get("position", np.empty((0, 2))), dtype=float)
    paths = None
    if r.sample_paths is not None:
        paths = np.asarray(r.sample_paths["position"], dtype=float)  # [R, S, 2]
    if final_position is not None:
        ends = np.asarray(final_position, dtype=float)
        ends_what = f"final points $x_K$ of all N = {len(ends)} trajectories"
    elif paths is not None:
        ends = paths[-1]
        ends_what = (f"last points of the {paths.shape[1]} sampled paths\n"
                     "(the run was made without --save-final)")
    else:
        ends = np.empty((0, 2))
        ends_what = "no final points stored"
    ends = ends[np.all(np.isfinite(ends), axis=1)]
    starts = np.empty((0, 2)) if paths is None else paths[0]
    lo, hi = _frame(ends, [flat, _init_box(r.config), starts])

    fig, axes = figs.new("landscape", ncols=2)
    gfun = constraint_2d(str(r.config.get("landscape")), r.landscape_params)
    q = float(r.landscape_params.get("q", 2))
    gx = np.linspace(lo[0], hi[0], 301)
    gy = np.linspace(lo[1], hi[1], 301)
    X, Y = np.meshgrid(gx, gy)
    G = None if gfun is None else gfun(X, Y)

    def draw_minima(ax, lw, hollow=False):
        if G is not None:
            ax.contour(X, Y, G, levels=[0.0], colors="black", linewidths=lw)
            ax.plot([], [], color="black", lw=lw, label="global minima {g = 0}")
        if flat.size:
            if hollow:  # let the density underneath show
                ax.scatter(flat[:, 0], flat[:, 1], marker="o", s=200, facecolor="none",
                           edgecolor=OKABE_ITO[1], linewidth=1.6, zorder=5,
                           label="flat minima")
            else:
                ax.scatter(flat[:, 0], flat[:, 1], marker="*", s=260, color=OKABE_ITO[1],
                           edgecolor="black", linewidth=0.8, zorder=5, label="flat minima")

    ax = axes[0, 0]
    if G is not None:
        F = np.abs(G) ** q
        logf = np.log10(np.maximum(F, 1e-300))
        top = np.nanpercentile(logf, 99)
        bottom = max(np.nanpercentile(logf, 1), top - 8)
        step = 0.5 if top - bottom <= 8 else 1.0
        levels = np.arange(np.floor(bottom / step) * step, top + step, step)
        cs = ax.contourf(X, Y, np.clip(logf, bottom, top), levels=levels, cmap="Greys",
                         alpha=0.55)
        fig.colorbar(cs, ax=ax, label=r"$\log_{10} f$,  $f = |g|^q$")
        ax.set_title("contours of f, sampled paths (o start, x end)")
    else:
        ax.set_title(f"sampled paths (o start, x end); no formula for "
                     f"{r.config.get('landscape')} in Python: f not drawn")
    if paths is not None:
        for s in range(paths.shape[1]):
            p = paths[:, s, :]
            p = p[np.all(np.isfinite(p), axis=1)]
            if not len(p):
                continue
            c = OKABE_ITO[[0, 2, 3, 5, 4][s % 5]]
            ax.plot(p[:, 0], p[:, 1], color=c, lw=0.7, alpha=0.75)
            ax.plot(p[0, 0], p[0, 1], "o", color=c, ms=3)
            ax.plot(p[-1, 0], p[-1, 1], "x", color=c, ms=4)
        ax.plot([], [], color=OKABE_ITO[0], lw=0.7, label=f"{paths.shape[1]} sampled paths")
    draw_minima(ax, 1.8)

    ax2 = axes[0, 1]
    if len(ends):
        H, xe, ye = np.histogram2d(ends[:, 0], ends[:, 1], bins=160,
                                   range=[[lo[0], hi[0]], [lo[1], hi[1]]])
        outside = len(ends) - int(H.sum())
        Hm = np.ma.masked_less_equal(H.T, 0)
        if Hm.count():
            mesh = ax2.pcolormesh(xe, ye, Hm, cmap="viridis",
                                  norm=LogNorm(vmin=1, vmax=max(2.0, float(H.max()))))
            fig.colorbar(mesh, ax=ax2, label="trajectories per bin (log scale)")
        ax2.set_title(f"density of the {ends_what}"
                      + (f"\n({outside} outside the frame)" if outside else ""))
    else:
        ax2.set_title(ends_what)
    draw_minima(ax2, 1.0, hollow=True)

    for a in (ax, ax2):
        a.set_xlim(lo[0], hi[0])
        a.set_ylim(lo[1], hi[1])
        a.set_aspect("equal", adjustable="box")
        a.set_xlabel(r"$x_1$")
        a.set_ylabel(r"$x_2$")
        a.grid(False)
        a.legend(loc="upper right")
    fig.suptitle(title_for(r))
    figs.save(fig, "landscape")
    return True


def plot_run(r: Result, outdir, dpi=DEFAULT_DPI, pdf=False, final_position=None):
    """Write the run figures of ``r`` into ``outdir``; returns the paths written."""
    import matplotlib as mpl
    from cycler import cycler
    figs = _Figures(outdir, dpi, pdf)
    with mpl.rc_context({**_RC, "axes.prop_cycle": cycler(color=OKABE_ITO)}):
        _fig_p_flat(figs, r)
        _fig_quantiles(figs, r)
        _fig_survival(figs, r)
        _fig_attractors(figs, r)
        _fig_landscape(figs, r, final_position)
    return figs.written


# -- sweep figures -----------------------------------------------------------------
def _fig_sweep(figs, s: SweepResult, kind, name):
    eps_cols = [c for c in s.columns if c.startswith(f"p_{kind}(")]
    if not s.varied or not eps_cols:
        return False
    key1 = s.varied[0]
    key2 = s.varied[1] if len(s.varied) > 1 else None
    fig, axes = figs.new(name, ncols=len(eps_cols), sharey=True)
    numeric = s.is_numeric(key1)
    xs_all = np.asarray(s.table[key1], dtype=float)
    if numeric:
        xvals = np.asarray(s.setting(key1), dtype=float)
        ticks = None
    else:  # categorical: positions 0..n-1, labelled with the values
        xvals = np.round(xs_all)
        ticks = (np.arange(len(s.values.get(key1, []))), s.values.get(key1, []))
    groups = [(None, np.arange(len(xvals)))]
    if key2 is not None:
        v2 = s.setting(key2)
        order = []
        for v in v2:
            if v not in order:
                order.append(v)
        groups = [(v, np.array([i for i, w in enumerate(v2) if w == v])) for v in order]
    for ax, col in zip(axes[0], eps_cols):
        e = col[len(f"p_{kind}("):-1]
        for gi, (v, rows) in enumerate(groups):
            rows = rows[np.argsort(xvals[rows], kind="stable")]
            colour = _cycle(gi)
            y = s.table[col][rows]
            lo = s.table.get(f"p_{kind}_low({e})")
            hi = s.table.get(f"p_{kind}_high({e})")
            if lo is not None and hi is not None:
                ax.fill_between(xvals[rows], lo[rows], hi[rows], color=colour, alpha=0.25,
                                linewidth=0)
                ax.errorbar(xvals[rows], y, yerr=[np.clip(y - lo[rows], 0, None),
                                                  np.clip(hi[rows] - y, 0, None)],
                            fmt="none", ecolor=colour, capsize=3, lw=1)
            label = f"P({kind}, {e})" if v is None else f"{key2} = {_g(v)}"
            ax.plot(xvals[rows], y, "o-", color=colour, lw=1.6, ms=5, label=label)
            # Points where eps < alpha_K: the trajectories still move by about alpha_K
            # per step, so the probability there is not convergence; drawn hollow.
            alpha_k = s.table.get("alpha_K")
            if alpha_k is not None:
                under = rows[float(e) < alpha_k[rows]]
                if len(under):
                    ax.plot(xvals[under], s.table[col][under], "o", ms=9, mfc="white",
                            mec=colour, mew=1.6, zorder=5,
                            label=rf"$\varepsilon < \alpha_K$: still moving, not converged"
                            if gi == 0 else None)
        if ticks is not None:
            ax.set_xticks(ticks[0])
            ax.set_xticklabels(ticks[1], rotation=20)
        elif np.all(xvals > 0) and xvals.max() / xvals.min() >= 20:
            ax.set_xscale("log")
        meaning = {"p": "step-size exponent p", "alpha0": r"step-size scale $\alpha_0$",
                   "rho": r"SAM radius $\rho$", "sigma": r"perturbation scale $\sigma$",
                   "init": "initial distribution"}.get(key1, key1)
        ax.set_xlabel(f"{key1}: {meaning}" if meaning != key1 else key1)
        ax.set_ylim(-0.02, 1.02)
        where = "a flat minimum" if kind == "flat" else "a global minimum"
        ax.set_title(f"P({kind}, ε = {e}) at step K: within ε of {where}\n"
                     "(bars and shading: 95% Wilson interval)")
        ax.legend(loc="best")
    axes[0, 0].set_ylabel(f"P({kind}, ε) (fraction of N)")
    base = s.points[0]
    fig.suptitle("sweep over " + " × ".join(s.varied) + ": " + title_for(base, s.varied))
    figs.save(fig, name)
    return True


def plot_sweep(s: SweepResult, outdir, dpi=DEFAULT_DPI, pdf=False, points=False):
    """Write the sweep figures of ``s`` into ``outdir`` (and, with ``points``, every
    point's run figures into outdir/points/NNN); returns the paths written."""
    import matplotlib as mpl
    from cycler import cycler
    figs = _Figures(outdir, dpi, pdf)
    with mpl.rc_context({**_RC, "axes.prop_cycle": cycler(color=OKABE_ITO)}):
        _fig_sweep(figs, s, "flat", "sweep_p_flat")
        _fig_sweep(figs, s, "min", "sweep_p_min")
    written = list(figs.written)
    if points:
        for i, r in enumerate(s.points):
            final = None
            if r.dimension == 2 and r.has_final:
                final = (r.final or read_final(s.path, point=i) or {}).get("position")
            written += plot_run(r, os.path.join(outdir, "points", f"{i:03d}"), dpi, pdf,
                                final_position=final)
    return written


def plot_file(path, outdir=None, dpi=DEFAULT_DPI, pdf=False, points=False):
    """Load ``path`` (run or sweep) and write its figures; returns the paths written.
    Raises ngdsim.NgdsimFileError for files that are not readable ngdsim output."""
    result = load_any(path, final=False)
    if outdir is None:
        outdir = default_outdir(path)
    if isinstance(result, SweepResult):
        return plot_sweep(result, outdir, dpi, pdf, points)
    final = None
    if result.dimension == 2 and result.has_final:
        final = (read_final(path) or {}).get("position")
    return plot_run(result, outdir, dpi, pdf, final_position=final)


def default_outdir(path):
    stem = os.path.basename(str(path))
    for ext in (".h5", ".hdf5", ".hdf"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    return os.path.join(os.path.dirname(os.path.abspath(str(path))), stem + "-plots")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="ngdsim-plot",
        description="Figures (PNG, optionally PDF) from an ngdsim run or sweep file.",
        epilog="run files: p_flat.png quantiles.png survival.png attractors.png "
               "landscape.png (2-D landscapes); sweep files: sweep_p_flat.png "
               "sweep_p_min.png. Exit status 2: not a readable ngdsim file.")
    parser.add_argument("file", help="ngdsim output file (.h5)")
    parser.add_argument("-o", "--outdir", metavar="DIR",
                        help="output folder (default: FILE without .h5, plus -plots)")
    parser.add_argument("--pdf", action="store_true", help="also write each figure as PDF")
    parser.add_argument("--dpi", type=int, default=DEFAULT_DPI,
                        help=f"resolution (default {DEFAULT_DPI})")
    parser.add_argument("--points", action="store_true",
                        help="sweep files: also every point's run figures in DIR/points/NNN/")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not list the files written")
    args = parser.parse_args(argv)
    if args.dpi < 10 or args.dpi > 1200:
        parser.error("--dpi must be in 10..1200")

    try:
        result = load_any(args.file, final=False)
    except NgdsimFileError as e:
        print(f"ngdsim-plot: error: {e}", file=sys.stderr)
        return 2
    try:
        import matplotlib
        matplotlib.use("Agg")
    except ImportError:
        print("ngdsim-plot: error: matplotlib is required: pip install matplotlib",
              file=sys.stderr)
        return 1
    outdir = args.outdir if args.outdir else default_outdir(args.file)
    before = _files_under(outdir)
    # All the figures or none: a failure removes what this run had written.
    try:
        status = _plot_main(args, result, outdir)
    except BaseException:
        _remove_new_files(outdir, before)
        raise
    if status != 0:
        _remove_new_files(outdir, before)
    return status


def _files_under(outdir):
    """The files below outdir now (None: it does not exist)."""
    if not os.path.isdir(outdir):
        return None
    return {os.path.join(d, f) for d, _, fs in os.walk(outdir) for f in fs}


def _remove_new_files(outdir, before):
    after = _files_under(outdir) or set()
    for path in after - (before or set()):
        os.remove(path)
    if before is None and os.path.isdir(outdir):
        shutil.rmtree(outdir, ignore_errors=True)


def _plot_main(args, result, outdir):
    try:
        if isinstance(result, SweepResult):
            written = plot_sweep(result, outdir, args.dpi, args.pdf, args.points)
        else:
            final = None
            if result.dimension == 2 and result.has_final:
                final = (read_final(args.file) or {}).get("position")
            written = plot_run(result, outdir, args.dpi, args.pdf, final_position=final)
    except NgdsimFileError as e:
        print(f"ngdsim-plot: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"ngdsim-plot: error: cannot write the figures to {outdir}: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # a plotting failure: one line, traceback on request
        if os.environ.get("NGDSIM_PLOT_DEBUG"):
            raise
        print(f"ngdsim-plot: error: plotting {args.file} failed: {type(e).__name__}: {e} "
              "(set NGDSIM_PLOT_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1
    if not args.quiet:
        for path in written:
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
