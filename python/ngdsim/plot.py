"""ngdsim-plot: figures from ngdsim output files.

    ngdsim-plot FILE.h5 [-o DIR] [--points] [OPTIONS]
    ngdsim-plot compare FILE[:POINT] ... [--label TEXT ...] [-o DIR] [OPTIONS]

Run files ("ngdsim-run") give, with their panels' names in brackets,

    p_flat.png      [flat, min] P(flat, eps) and P(min, eps) against the step, 95% Wilson bands
    quantiles.png   [f, phi, distance] median and 5-95% / 25-75% bands of f, phi and
                    flat_distance; alpha_k beside the distance, which NGD oscillates at
    survival.png    [survival] fraction not yet settled at a flat minimum against the step
    attractors.png  [attractors] final fraction at each flat minimum, 95% Wilson intervals
    landscape.png   [paths, density] 2-D landscapes only: contours of f, {g = 0}, flat
                    minima, sampled paths; the density of the final points (the sampled
                    paths' end points when the run was made without --save-final)
    sharpness.png   [eos, norm] bnreg only: the spherical sharpness S(theta), S*(1+phi)
                    and 2/eff_lr against the step (the edge of stability is where 2/eff_lr
                    meets S), S* marked; |w| against the step
    saddle.png      [err, lam_next, escaped] msense only: quantiles of err = |UU^T - X*|_F
                    and of lam_next = lambda_{r+1}(UU^T) against the step, and the escaped
                    fraction with the predicted escape step (ipgd) and the measured median
                    marked

Sweep files ("ngdsim-sweep") give

    sweep_p_flat.png  [flat] P(flat, eps) against the first varied setting (a line per value
                      of the second, if any), 95% Wilson bands, a panel per eps
    sweep_p_min.png   [min] the same for P(min, eps)

and with --points also every point's run figures in DIR/points/NNN/. The compare mode
overlays several runs (or sweep points, FILE:POINT; a sweep file alone means all its
points) in compare.png [flat, min, f, phi, distance, survival; by default flat, distance,
survival], labelled by the settings that differ between them unless --label is given.

Options of every mode: --eps (the eps to plot), --panels (figures or panels by name),
--size (column, twocolumn or WxH inches), --format (png, pdf, svg), --dpi. Each figure
has a short title and a caption line with the landscape, optimizer, schedule, N and K.
The default DIR is FILE's name without ".h5" plus "-plots", beside FILE (compare:
compare-plots beside the first file).

Exit status: 0 written; 2 a bad option, or a file that is missing, not an ngdsim output,
truncated or damaged (one line on stderr); 1 other failures (matplotlib missing, DIR not
writable, a plotting error: one line, the traceback with NGDSIM_PLOT_DEBUG=1). With
NGDSIM_PLOT_CHECK=1 every figure is checked before it is saved (not blank, no text
outside the canvas; see figure_problems) and a failed check is a plotting error.
"""
import argparse
import functools
import math
import os
import re
import shutil
import sys
from dataclasses import dataclass
from typing import FrozenSet, Optional, Sequence, Tuple, Union

import numpy as np

from .io import NgdsimFileError, Result, SweepResult, load_any, read_final
from .landscapes import constraint_2d
from .stats import wilson

#: Okabe & Ito's colour-blind-safe palette (yellow last: weak on white)
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
             "#F0E442"]

#: figure name -> size in inches with all its panels, without --size; the PNG is
#: (width * dpi) x (height * dpi) pixels
FIGSIZE = {
    "p_flat": (12, 5),
    "quantiles": (15, 5),
    "survival": (7, 5),
    "attractors": (8, 5),
    "landscape": (13, 6),
    "sharpness": (12, 5),
    "saddle": (15, 5),
    "sweep_p_flat": (14, 5),
    "sweep_p_min": (14, 5),
    "compare": (15, 5),
}
DEFAULT_DPI = 100
#: --size column / twocolumn: the text widths of a two-column paper, in inches
COLUMN_WIDTH, TWOCOLUMN_WIDTH = 3.4, 7.0
#: the resolution of the PNGs of --size figures (made for print) unless --dpi says
PAPER_DPI = 300
HISTOGRAM_FLOOR = 1e-20  # the log histograms' bin 0 is "below 1e-20"

#: figure -> its panels, in drawing order
RUN_PANELS = {"p_flat": ("flat", "min"), "quantiles": ("f", "phi", "distance"),
              "survival": ("survival",), "attractors": ("attractors",),
              "landscape": ("paths", "density"), "sharpness": ("eos", "norm"),
              "saddle": ("err", "lam_next", "escaped")}
SWEEP_PANELS = {"sweep_p_flat": ("flat",), "sweep_p_min": ("min",)}
COMPARE_PANELS = {"compare": ("flat", "min", "f", "phi", "distance", "survival")}
COMPARE_DEFAULT = ("flat", "distance", "survival")
RUN_FIGURES = tuple(RUN_PANELS)
SWEEP_FIGURES = tuple(SWEEP_PANELS)
FORMATS = ("png", "pdf", "svg")

_RC = {
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 8.5,
    "legend.framealpha": 0.85,
    "image.cmap": "viridis",
}
# Figures for a paper are printed at their size: 7-8 pt text is what journals ask for.
_RC_PAPER = {**_RC, "font.size": 7.5, "axes.titlesize": 8, "axes.labelsize": 7.5,
             "xtick.labelsize": 7, "ytick.labelsize": 7, "legend.fontsize": 6.5,
             "legend.handlelength": 1.6, "legend.borderpad": 0.3, "legend.labelspacing": 0.3,
             "xtick.major.size": 2.5, "ytick.major.size": 2.5, "xtick.minor.size": 1.5,
             "ytick.minor.size": 1.5, "axes.linewidth": 0.6}


def pixel_size(name, dpi=DEFAULT_DPI):
    """(width, height) in pixels of figure ``name`` (all panels, no --size) at ``dpi``."""
    w, h = FIGSIZE[name]
    return int(round(w * dpi)), int(round(h * dpi))


class FigureProblem(RuntimeError):
    """A figure failed the check of figure_problems (NGDSIM_PLOT_CHECK=1)."""


# -- options -----------------------------------------------------------------------
@dataclass(frozen=True)
class Options:
    """How to draw: the options every mode shares (see parse_size and friends)."""
    size: Union[None, str, Tuple[float, float]] = None  # None, "column", "twocolumn", (w, h)
    dpi: Optional[int] = None  # None: DEFAULT_DPI, or PAPER_DPI with a size
    formats: Tuple[str, ...] = ("png",)
    eps: Optional[float] = None  # None: every eps (run, sweep) or the first (compare)
    panels: Optional[FrozenSet[str]] = None  # figure and panel names; None: the defaults
    check: bool = False

    @property
    def paper(self):
        return self.size is not None

    @property
    def resolution(self):
        return self.dpi if self.dpi else (PAPER_DPI if self.paper else DEFAULT_DPI)

    def lw(self, width):
        """a line width scaled to the size: thinner lines on a figure for print"""
        return width * (0.65 if self.paper else 1.0)

    def caption_size(self):
        return 6.5 if self.paper else 8.5

    def title_size(self):
        return 9 if self.paper else 12


def _options(dpi=None, pdf=False, eps=None, panels=None, size=None, formats=None):
    fmts = tuple(formats) if formats else ("png",)
    if pdf and "pdf" not in fmts:
        fmts += ("pdf",)
    if isinstance(size, str) and size not in ("column", "twocolumn"):
        size = parse_size(size)
    if isinstance(panels, str):
        panels = parse_list(panels)
    return Options(size=size, dpi=dpi, formats=fmts, eps=eps,
                   panels=None if panels is None else frozenset(panels),
                   check=os.environ.get("NGDSIM_PLOT_CHECK", "") not in ("", "0"))


def parse_size(text):
    """'column', 'twocolumn' or 'WxH' (inches, each 1 to 40) -> that, or (W, H).
    Raises ValueError naming what is allowed."""
    if text in ("column", "twocolumn"):
        return text
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*[xX]\s*(\d+(?:\.\d*)?|\.\d+)\s*", str(text))
    if m:
        w, h = float(m.group(1)), float(m.group(2))
        if 1 <= w <= 40 and 1 <= h <= 40:
            return (w, h)
    raise ValueError(f"'{text}' is not column ({COLUMN_WIDTH} in wide), twocolumn "
                     f"({TWOCOLUMN_WIDTH} in wide) or WxH in inches, each 1 to 40 (e.g. 6x4)")


def parse_formats(text):
    """'png,pdf' -> ("png", "pdf"); ValueError naming the allowed formats."""
    fmts = parse_list(text)
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise ValueError(f"'{text}' is not a comma-separated list of {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(fmts))


def parse_list(text):
    return [p.strip() for p in str(text).split(",") if p.strip()]


def panel_names(mode, points=False):
    """The names --panels accepts in ``mode`` ("run", "sweep", "compare"), figures first."""
    tables = {"run": [RUN_PANELS], "sweep": [SWEEP_PANELS] + ([RUN_PANELS] if points else []),
              "compare": [COMPARE_PANELS]}[mode]
    names = []
    for table in tables:
        for fig, panels in table.items():
            for n in (fig,) + panels:
                if n not in names:
                    names.append(n)
    return names


def _chosen(figure, panels, opts, default=None):
    """The panels of ``figure`` to draw, in order: all (or ``default``) without --panels;
    all when the figure is named; else those named."""
    if opts.panels is None:
        return tuple(default or panels)
    if figure in opts.panels:
        return tuple(panels)
    return tuple(p for p in panels if p in opts.panels)


def _eps_index(value, available):
    """Index of ``value`` in ``available`` (to rounding), or None."""
    for i, e in enumerate(np.atleast_1d(available)):
        if np.isclose(e, value, rtol=1e-9, atol=0):
            return i
    return None


def _eps_list(values):
    return ", ".join(_g(e) for e in np.atleast_1d(values))


def _missing_eps(value, name, available):
    return f"{_g(value)} is not an eps of {name} (its eps: {_eps_list(available)})"


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
    extra = {"sam": "rho", "perturbed": "sigma", "ipgd": "sigma"}.get(opt)
    text = opt.upper() if opt in ("ngd", "gd", "sam") else opt
    if extra:
        text += f" ({extra} = {'varied' if extra in varied else _g(config.get(extra))})"
    return text


def _schedule_text(config, varied=()):
    a0 = "varied" if "alpha0" in varied else _g(config.get("alpha0"))
    p = "varied" if "p" in varied else _g(config.get("p"))
    return rf"$\alpha_k = \alpha_0/(k+1)^p$ ($\alpha_0$ = {a0}, p = {p})"


def caption_parts(r: Result, varied=()):
    """The details of a run for a figure's caption: landscape, optimizer, schedule, N and
    K, the initial distribution; settings in ``varied`` read "varied"."""
    c = r.config
    land = _landscape_text(c)
    if any(v.startswith("param.") for v in varied):
        land += " (parameters varied)"
    init = "varied" if "init" in varied else c.get("init", "?")
    parts = [land, _optimizer_text(c, varied), _schedule_text(c, varied),
             f"N = {r.trajectories}, K = {r.steps}", f"init {init}"]
    if r.label and not varied:
        parts.insert(0, f"point {r.label}")
    return parts


def title_for(r: Result, varied=()):
    """The details of a run on one line (what the caption of its figures says)."""
    return " · ".join(caption_parts(r, varied))


# -- figure plumbing ---------------------------------------------------------------
#: the smallest panel (inches, without the title and caption) that holds its labels
MIN_PANEL = (2.4, 1.0)
_TITLE_AND_CAPTION = 0.7  # inches of height


class SizeError(ValueError):
    """--size leaves too little room for the panels of a figure."""


def _grid(n, width, height, aspect):
    """(rows, cols) for n panels on width x height inches whose panels come closest to
    width / height = aspect, among the grids whose panels are at least MIN_PANEL.
    Raises SizeError when none is."""
    def panel(cols):
        rows = math.ceil(n / cols)
        return width / cols, (height - _TITLE_AND_CAPTION) / rows

    roomy = [c for c in range(1, n + 1)
             if panel(c)[0] >= MIN_PANEL[0] and panel(c)[1] >= MIN_PANEL[1]]
    if not roomy:
        raise SizeError(f"{_g(width)}x{_g(height)} in is too small for {n} panels (each needs "
                        f"{_g(MIN_PANEL[0])} x {_g(MIN_PANEL[1])} in besides the title and "
                        "caption): a larger --size or fewer --panels")
    cols = min(roomy, key=lambda c: abs(math.log(panel(c)[0] / panel(c)[1]) - math.log(aspect)))
    return math.ceil(n / cols), cols


class _Figures:
    """Makes the figures at the chosen size and writes them in the chosen formats."""

    def __init__(self, outdir, opts: Options):
        self.outdir, self.opts = outdir, opts
        self.written = []

    def layout(self, name, n, total, square=False):
        """((width, height) inches, (rows, cols)) for n of the figure's total panels."""
        size = self.opts.size
        if size is None:  # the screen sizes: FIGSIZE's panel width, at most 3 panels a row
            w, h = FIGSIZE[name]
            cols = min(n, max(total, 3))
            rows = math.ceil(n / cols)
            return (w * cols / total, h * rows), (rows, cols)
        if size == "column":  # stacked: a column is too narrow for panels side by side
            return (COLUMN_WIDTH, n * (3.1 if square else 2.2) + 0.7), (n, 1)
        if size == "twocolumn":
            cols = min(n, 3)
            rows = math.ceil(n / cols)
            panel_h = (TWOCOLUMN_WIDTH / cols) * (0.95 if square else 0.8)
            return (TWOCOLUMN_WIDTH, rows * min(panel_h, 3.2) + 0.7), (rows, cols)
        w, h = size
        return (w, h), _grid(n, w, h, 1.1 if square else 1.4)

    def new(self, name, n, total, square=False):
        """A figure with n panel axes (a flat list)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        figsize, (rows, cols) = self.layout(name, n, total, square)
        fig = Figure(figsize=figsize, dpi=self.opts.resolution, layout="constrained")
        FigureCanvasAgg(fig)
        grid = fig.subplots(rows, cols, squeeze=False)
        axes = list(grid.flat)
        for ax in axes[n:]:  # a grid with more cells than panels
            fig.delaxes(ax)
        return fig, axes[:n]

    def titles(self, fig, title, parts):
        """The short title on top and the details (``parts``) as a caption at the bottom,
        wrapped to the figure's width; constrained layout leaves room for both."""
        fig.suptitle(_wrap(fig, [title], self.opts.title_size()), fontsize=self.opts.title_size())
        fig.supxlabel(_wrap(fig, parts, self.opts.caption_size()),
                      fontsize=self.opts.caption_size(), color="0.25")

    def save(self, fig, name):
        _fit_labels(fig)
        if self.opts.check:
            problems = figure_problems(fig)
            if problems:
                raise FigureProblem(f"{name}: " + "; ".join(problems))
        os.makedirs(self.outdir, exist_ok=True)
        for ext in self.opts.formats:
            path = os.path.join(self.outdir, f"{name}.{ext}")
            fig.savefig(path, dpi=self.opts.resolution, format=ext)
            self.written.append(path)


def _text_width(fig, text, fontsize):
    t = fig.text(0, 0, text, fontsize=fontsize)
    try:
        return t.get_window_extent(fig.canvas.get_renderer()).width
    finally:
        t.remove()


def _words(text):
    """text split at spaces, but never inside $...$ (mathtext must stay whole)"""
    words, current, math_mode = [], "", False
    for ch in text:
        if ch == " " and not math_mode:
            words.append(current)
            current = ""
            continue
        math_mode ^= ch == "$"
        current += ch
    return [w for w in words + [current] if w]


def _wrap(fig, parts, fontsize, sep=" · ", room=None):
    """``parts`` joined by sep, broken into lines that fit ``room`` pixels (default the
    figure's width): between parts where possible, else between the words of a part too
    long for a line."""
    room = 0.96 * fig.get_figwidth() * fig.dpi if room is None else room

    def fits(text):
        return _text_width(fig, text, fontsize) <= room

    lines = []
    for part in parts:
        if lines and fits(lines[-1] + sep + part):
            lines[-1] += sep + part
        elif fits(part):
            lines.append(part)
        else:
            for i, word in enumerate(_words(part)):
                glue = sep if i == 0 else " "
                if lines and (i > 0 or lines[-1]) and fits(lines[-1] + glue + word):
                    lines[-1] += glue + word
                else:
                    lines.append(word)
    return "\n".join(lines)


def _fit_labels(fig):
    """Break the titles and axis labels that are longer than their axes into lines: on a
    narrow or short panel they would run into the neighbours or off the canvas. Lays the
    figure out once to measure."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        box = ax.get_window_extent(renderer)
        for text, room in ((ax.title, box.width), (ax.xaxis.label, box.width),
                           (ax.yaxis.label, box.height)):
            label = text.get_text()
            if not label or "\n" in label:
                continue
            if _text_width(fig, label, text.get_fontsize()) > 1.02 * room:
                text.set_text(_wrap(fig, [label], text.get_fontsize(), room=room))
        # A legend wider than its panel (a small --size) spills over the neighbour or
        # off the canvas: smaller text, down to what still reads in print.
        legend = ax.get_legend()
        if legend is not None:
            width = legend.get_window_extent(renderer).width
            size = legend.get_texts()[0].get_fontsize() if legend.get_texts() else 0
            if size and width > box.width:
                size = max(5.0, size * box.width / width)
                for t in legend.get_texts():
                    t.set_fontsize(size)


def _drawn_texts(fig):
    """The visible, non-empty Text artists of the last draw. Tick labels count only for
    ticks inside their axis's view: matplotlib keeps labels of ticks beyond it, undrawn."""
    from matplotlib.axis import Tick, XTick
    from matplotlib.text import Text
    undrawn = set()
    for tick in fig.findobj(Tick):
        axis = tick.axes.xaxis if isinstance(tick, XTick) else tick.axes.yaxis
        lo, hi = sorted(axis.get_view_interval())
        slack = 1e-9 * max(abs(hi - lo), abs(hi), abs(lo))
        if not (tick.get_visible() and lo - slack <= tick.get_loc() <= hi + slack):
            undrawn.update({id(tick.label1), id(tick.label2)})
    texts = []
    for t in fig.findobj(Text):
        if id(t) in undrawn or not t.get_visible() or not t.get_text().strip():
            continue
        if t.axes is not None and not t.axes.get_visible():
            continue
        texts.append(t)
    return texts


def figure_problems(fig, tol=1.0):
    """What is wrong with ``fig`` once drawn: a blank canvas (one colour, or almost no
    variation), or a visible text lying outside the canvas by more than ``tol`` pixels.
    An empty list when it looks right."""
    fig.canvas.draw()
    width, height = fig.canvas.get_width_height()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3].reshape(-1, 3)
    problems = []
    if len(np.unique(pixels[:: max(1, len(pixels) // 200000)], axis=0)) < 2 \
            or pixels.std() < 1.0:
        problems.append("the canvas is blank")
    renderer = fig.canvas.get_renderer()
    for t in _drawn_texts(fig):
        bb = t.get_window_extent(renderer)
        if bb.x0 < -tol or bb.y0 < -tol or bb.x1 > width + tol or bb.y1 > height + tol:
            text = t.get_text().replace("\n", " ")
            problems.append(f"text '{text[:60]}' lies outside the {width} x {height} px canvas "
                            f"(x {bb.x0:.0f} to {bb.x1:.0f}, y {bb.y0:.0f} to {bb.y1:.0f})")
    return problems


def _logx(ax):
    ax.set_xscale("log")
    ax.set_xlabel("step k + 1  (log scale)")


def _cycle(i):
    return OKABE_ITO[i % len(OKABE_ITO)]


def _band(ax, x, lo, hi, colour, opts, line_width):
    """A filled 95% Wilson band with thin edges of its own, so that a band about as narrow
    as its curve still shows. Returns True when the band nowhere reaches 1.5 pt beyond
    either side of the curve's line, so hides behind it (the legend says so then)."""
    ax.fill_between(x, lo, hi, color=colour, alpha=0.3, linewidth=0)
    for edge in (lo, hi):
        ax.plot(x, edge, color=colour, lw=opts.lw(0.6), alpha=0.8)
    y0, y1 = ax.get_ylim()
    axes_pt = ax.get_position().height * ax.figure.get_figheight() * 72
    widest = np.nanmax(np.asarray(hi, float) - np.asarray(lo, float)) if len(x) else 0.0
    return widest / (y1 - y0) * axes_pt < opts.lw(line_width) + 2 * 1.5


#: the caption's note where every band of a figure with several hides behind its line
#: (in the legend it would make the legend wide enough to cover the curves)
NARROW_BANDS = "the 95% Wilson bands are narrower than the lines"


def _band_proxy(narrow=False, plural=True, colour="0.6"):
    """a legend entry for the band(s); a single band's says when it is narrow"""
    from matplotlib.patches import Patch
    label = ("shaded: 95% Wilson bands" if plural
             else "95% Wilson band" + (" (narrower than the line)" if narrow else ""))
    return Patch(facecolor=colour, edgecolor=colour, alpha=0.4, label=label)


def _legend(ax, extra=(), **kw):
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=list(handles) + list(extra), loc=kw.pop("loc", "best"), **kw)


def _positive(v):
    v = np.asarray(v, dtype=float)
    # no value (every trajectory diverged) stays a gap; zero and tiny go to the floor
    return np.where(np.isfinite(v), np.maximum(v, HISTOGRAM_FLOOR), np.nan)


#: panel -> (observable, title, y label) of the quantile panels
_QUANTITIES = {
    "f": ("f/quantiles", r"loss $f = |g|^q$ (bnreg: $L(w)$)", r"$f(x_k)$  (log scale)"),
    "phi": ("phi/quantiles", r"implicit regularizer $\varphi$", r"$\varphi(x_k)$  (log scale)"),
    "distance": ("flat_distance/quantiles", "distance to the flat minima",
                 "distance in x  (log scale)"),
}

_PROBABILITY_TITLES = {"flat": "P(flat, ε): near a flat minimum",
                       "min": "P(min, ε): near any global minimum"}


def _alpha_label(config):
    return (r"$\alpha_k$ (NGD oscillates at about $\alpha_k$)"
            if config.get("optimizer") == "ngd" else r"step size $\alpha_k$")


# -- run figures -------------------------------------------------------------------
def _run_eps_columns(r: Result, opts: Options):
    """The eps columns to draw: the one of --eps, else all."""
    if opts.eps is None:
        return list(range(len(r.eps)))
    i = _eps_index(opts.eps, r.eps)
    if i is None:
        raise ValueError(_missing_eps(opts.eps, r.path, r.eps))
    return [i]


def _fig_p_flat(figs, r: Result):
    opts = figs.opts
    panels = _chosen("p_flat", RUN_PANELS["p_flat"], opts)
    if not panels:
        return False
    fig, axes = figs.new("p_flat", len(panels), 2)
    x = r.step + 1.0
    n = r.trajectories
    alpha = r.observables.get("alpha")
    ngd = r.config.get("optimizer") == "ngd"
    columns = _run_eps_columns(r, opts)
    narrow = True
    for ax, kind in zip(axes, panels):
        ax.set_ylim(-0.02, 1.02)
        _logx(ax)
        counts = np.asarray(r.observables[f"{kind}_count"], dtype=float).reshape(len(x), -1)
        for shown, j in enumerate(columns):
            colour = _cycle(shown)
            lo, hi = wilson(counts[:, j], n)
            narrow &= _band(ax, x, lo, hi, colour, opts, 1.6)
            ax.plot(x, counts[:, j] / n, color=colour, lw=opts.lw(1.6),
                    label=rf"$\varepsilon$ = {_g(r.eps[j])}")
            if ngd and kind == "flat" and alpha is not None:
                below = np.nonzero(np.asarray(alpha) <= r.eps[j])[0]
                if below.size:
                    ax.axvline(x[below[0]], color=colour, ls=":", lw=opts.lw(1.2),
                               label=rf"first k with $\alpha_k \leq$ {_g(r.eps[j])}")
        div = r.observables.get("diverged_count")
        if div is not None and np.max(div) > 0:
            ax.plot(x, np.asarray(div, float) / n, color="black", ls="--", lw=opts.lw(1.2),
                    label="diverged")
        ax.set_title(_PROBABILITY_TITLES[kind])
        ax.set_ylabel("probability (fraction of N)")
        _legend(ax, [_band_proxy()])
    title = " and ".join(f"P({k}, ε)" for k in panels) + " over the steps"
    figs.titles(fig, title, caption_parts(r) + ([NARROW_BANDS] if narrow else []))
    figs.save(fig, "p_flat")
    return True


def _quantile_bands(ax, x, qs, colour, opts):
    """The median of quantiles qs [R, 5] over the 25-75% and 5-95% bands."""
    ax.fill_between(x, qs[:, 0], qs[:, 4], color=colour, alpha=0.2, linewidth=0,
                    label="5–95% of trajectories")
    ax.fill_between(x, qs[:, 1], qs[:, 3], color=colour, alpha=0.4, linewidth=0,
                    label="25–75%")
    ax.plot(x, qs[:, 2], color=colour, lw=opts.lw(1.8), label="median")


def _own_figure(figs, r: Result, name, needs, columns):
    """A figure of a landscape's own quantities: (fig, axes, panels) when r records
    `needs` and some of the figure's panels are chosen, else None."""
    if needs not in r.observables:
        return None
    panels = _chosen(name, RUN_PANELS[name], figs.opts)
    if not panels:
        return None
    fig, axes = figs.new(name, len(panels), columns)
    return fig, axes, panels


def _fig_quantiles(figs, r: Result):
    opts = figs.opts
    panels = [p for p in _chosen("quantiles", RUN_PANELS["quantiles"], opts)
              if _QUANTITIES[p][0] in r.observables]
    if not panels:
        return False
    fig, axes = figs.new("quantiles", len(panels), 3)
    x = r.step + 1.0
    alpha = r.observables.get("alpha")
    for ax, panel in zip(axes, panels):
        key, title, ylabel = _QUANTITIES[panel]
        qs = _positive(r.observables[key])
        _quantile_bands(ax, x, qs, _cycle(RUN_PANELS["quantiles"].index(panel)), opts)
        # NGD's distance to the flat minima oscillates at about alpha_k; alpha_k has no
        # such meaning for f or phi, so only the distance panel shows it.
        if panel == "distance" and alpha is not None:
            ax.plot(x, _positive(alpha), color="black", ls="--", lw=opts.lw(1.2),
                    label=_alpha_label(r.config))
        _logx(ax)
        ax.set_yscale("log")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        _legend(ax)
    parts = caption_parts(r) + ["quantiles over the non-diverged trajectories"]
    if "f" in panels:
        parts.append(f"values below {HISTOGRAM_FLOOR:g} drawn at {HISTOGRAM_FLOOR:g}")
    figs.titles(fig, "Quantiles over the trajectories", parts)
    figs.save(fig, "quantiles")
    return True


def _fig_sharpness(figs, r: Result):
    """bnreg: the sharpness against 2/eff_lr (the edge of stability), and |w|."""
    opts = figs.opts
    made = _own_figure(figs, r, "sharpness", "sharpness/quantiles", 2)
    if made is None:
        return False
    fig, axes, panels = made
    x = r.step + 1.0
    s_star = float(r.summary.get("S_star", np.nan))
    for ax, panel in zip(axes, panels):
        _logx(ax)
        if panel == "eos":
            for i, (key, label) in enumerate((("sharpness", r"$S(\theta_k)$, spherical sharpness"),
                                              ("sharpness_gamma", r"$S^*(1+\varphi_k)$"),
                                              ("two_over_eff_lr", r"$2/\eta_{\mathrm{eff}}$"))):
                if f"{key}/quantiles" not in r.observables:
                    continue
                qs = np.asarray(r.observables[f"{key}/quantiles"], dtype=float)
                colour = _cycle(i)
                ax.fill_between(x, qs[:, 1], qs[:, 3], color=colour, alpha=0.25, linewidth=0)
                ax.plot(x, qs[:, 2], color=colour, lw=opts.lw(1.6), label=label + " (median)")
            if np.isfinite(s_star):
                ax.axhline(s_star, color="black", ls=":", lw=opts.lw(1.2),
                           label=rf"$S^*$ = {_g(s_star)} (flattest minimizer)")
            ax.set_yscale("log")
            ax.set_ylabel("sharpness  (log scale)")
            ax.set_title("edge of stability: 2/eff_lr meets S")
        else:
            qs = _positive(r.observables["norm/quantiles"])
            ax.fill_between(x, qs[:, 0], qs[:, 4], color=_cycle(3), alpha=0.2, linewidth=0,
                            label="5–95% of trajectories")
            ax.plot(x, qs[:, 2], color=_cycle(3), lw=opts.lw(1.6), label="median")
            ax.set_yscale("log")
            ax.set_ylabel(r"$|w_k|$  (log scale)")
            ax.set_title("norm of the weights")
        _legend(ax)
    figs.titles(fig, "Sharpness and the effective learning rate",
                caption_parts(r) + ["bands: 25–75% of the non-diverged trajectories"])
    figs.save(fig, "sharpness")
    return True


def _fig_saddle(figs, r: Result):
    """msense: err and lam_next against the step, and the escape from U = 0."""
    opts = figs.opts
    made = _own_figure(figs, r, "saddle", "lam_next/quantiles", 3)
    if made is None:
        return False
    fig, axes, panels = made
    x = r.step + 1.0
    n = r.trajectories
    # values below the first histogram edge (1e-30 on msense) are drawn at it
    floor = float(r.histogram_edges[0]) if r.histogram_edges is not None else 1e-30
    predicted = float(r.summary.get("esc_step_predicted", np.nan))
    median = float(r.summary.get("esc_step_median", np.nan))
    titles = {"err": (r"$\|UU^T - X^*\|_F$: distance to the ground truth", "err  (log scale)"),
              "lam_next": (r"$\lambda_{r+1}(UU^T)$: weight beyond rank r",
                           "lam_next  (log scale)")}
    for i, (ax, panel) in enumerate(zip(axes, panels)):
        _logx(ax)
        colour = _cycle(i)
        if panel in titles:
            qs = np.asarray(r.observables[f"{panel}/quantiles"], dtype=float)
            qs = np.where(np.isfinite(qs), np.maximum(qs, floor), np.nan)
            _quantile_bands(ax, x, qs, colour, opts)
            if panel == "lam_next":
                for j, tau in enumerate(np.atleast_1d(r.summary.get("tau", []))):
                    ax.axhline(float(tau), color="black", ls=":" if j else "--",
                               lw=opts.lw(1.0), label=rf"$\tau$ = {_g(float(tau))}")
            ax.set_yscale("log")
            ax.set_title(titles[panel][0])
            ax.set_ylabel(titles[panel][1])
        else:
            counts = np.asarray(r.observables["escaped_count"], dtype=float)
            lo, hi = wilson(counts, n)
            _band(ax, x, lo, hi, colour, opts, 1.6)
            ax.plot(x, counts / n, color=colour, lw=opts.lw(1.6), label="escaped")
            ax.set_ylim(-0.02, 1.02)
            if np.isfinite(predicted):
                ax.axvline(predicted + 1, color="black", ls="--", lw=opts.lw(1.2),
                           label=f"predicted escape step {predicted:.0f}")
            if np.isfinite(median):
                ax.axvline(median + 1, color=colour, ls=":", lw=opts.lw(1.2),
                           label=f"median escape step {median:.0f}")
            rho = r.summary.get("escape_radius", np.nan)
            ax.set_title(rf"escaped from $U = 0$: $|U|_F \geq$ {_g(float(rho))} $|U^*|_F$")
            ax.set_ylabel("probability (fraction of N)")
        _legend(ax)
    figs.titles(fig, "Escape from the saddle and low rank",
                caption_parts(r) + ["quantiles over the non-diverged trajectories",
                                    "x axis: k + 1"])
    figs.save(fig, "saddle")
    return True


def _survival_note(e0):
    return (f"S(k): the fraction whose last entry into the ε = {e0} ball of a flat minimum "
            "(staying inside to step K) is later than k, or never; stored for the first ε")


def _fig_survival(figs, r: Result):
    opts = figs.opts
    if not _chosen("survival", RUN_PANELS["survival"], opts):
        return False
    fig, (ax,) = figs.new("survival", 1, 1)
    ax.set_ylim(-0.02, 1.02)
    _logx(ax)
    x = r.step + 1.0
    n = r.trajectories
    s = np.asarray(r.observables["survival"], dtype=float)
    lo, hi = wilson(np.round(s * n), n)
    narrow = _band(ax, x, lo, hi, _cycle(0), opts, 1.8)
    ax.plot(x, s, color=_cycle(0), lw=opts.lw(1.8), label="survival S(k)")
    e0 = _g(r.eps[0])
    if "flat_fraction" in r.observables:
        never = 1.0 - np.asarray(r.observables["flat_fraction"]).reshape(len(x), -1)[-1, 0]
        ax.axhline(never, color=_cycle(1), ls="--", lw=opts.lw(1.2),
                   label=rf"not within $\varepsilon$ of a flat minimum at K")
    ax.set_ylabel("fraction of N not yet settled")
    ax.set_title(rf"survival S(k), $\varepsilon$ = {e0}")
    # S(k) falls from 1, leaving the lower left empty, or, when it falls in the first
    # half of the (log) steps, the upper right
    below = np.nonzero(s < 0.5)[0]
    early = below.size and np.log(x[below[0]]) < 0.5 * np.log(x[-1])
    _legend(ax, [_band_proxy(narrow, plural=False, colour=_cycle(0))],
            loc="upper right" if early else "lower left")
    parts = caption_parts(r) + [_survival_note(e0)]
    if narrow:
        parts.append(f"the 95% Wilson band is ±{_g(f'{np.max(hi - lo) / 2:.1g}')} at most")
    figs.titles(fig, "Settling at a flat minimum", parts)
    figs.save(fig, "survival")
    return True


def _fig_attractors(figs, r: Result):
    opts = figs.opts
    att = r.attractors
    if not _chosen("attractors", RUN_PANELS["attractors"], opts):
        return False
    if "final_fraction" not in att or np.size(att["final_fraction"]) == 0:
        return False
    frac = np.asarray(att["final_fraction"], dtype=float)
    n_att = frac.size
    lo = np.asarray(att.get("wilson_low", frac), dtype=float)
    hi = np.asarray(att.get("wilson_high", frac), dtype=float)
    fig, (ax,) = figs.new("attractors", 1, 1)
    idx = np.arange(n_att)
    few = n_att <= 32
    colours = [_cycle(i % 6) for i in idx] if n_att <= 12 else _cycle(0)
    ax.bar(idx, frac, color=colours, alpha=0.85, width=0.75 if n_att > 1 else 0.4)
    ax.errorbar(idx, frac, yerr=[np.clip(frac - lo, 0, None), np.clip(hi - frac, 0, None)],
                fmt="none", ecolor="black" if few else "0.4", capsize=4 if few else 0,
                lw=opts.lw(1.2 if few else 0.6), label="95% Wilson interval")
    p_flat = r.summary.get("p_flat")
    e0 = _g(r.eps[0])
    if p_flat is not None and n_att > 1:
        ax.axhline(float(np.atleast_1d(p_flat)[0]) / n_att, color="black", ls="--",
                   lw=opts.lw(1), label=rf"equal share: P(flat, {e0}) / {n_att}")
    pos = att.get("position")
    if pos is not None and n_att <= 12 and pos.shape[1] <= 4:
        ax.set_xticks(idx)
        ax.set_xticklabels([f"#{i}\n(" + ", ".join(_g(round(v, 3)) for v in p) + ")"
                            for i, p in enumerate(pos)], fontsize="small")
    ax.set_xlabel("flat minimum (id and position)")
    ax.set_ylabel(rf"fraction of N within $\varepsilon$ = {e0} at K")
    ax.set_ylim(0, max(1e-3, float(np.max(hi))) * 1.2)
    _legend(ax)
    figs.titles(fig, "Where the trajectories end", caption_parts(r)
                + ["the first ε only (stored for it)"])
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
    opts = figs.opts
    panels = _chosen("landscape", RUN_PANELS["landscape"], opts)
    if r.dimension != 2 or not panels:
        return False
    flat = np.asarray(r.attractors.get("position", np.empty((0, 2))), dtype=float)
    paths = None
    if r.sample_paths is not None:
        paths = np.asarray(r.sample_paths["position"], dtype=float)  # [R, S, 2]
    # The right panel: the density of all N final points, or (a run without
    # --save-final) the end points of the sampled paths, each drawn.
    all_final = final_position is not None
    if all_final:
        ends = np.asarray(final_position, dtype=float)
    elif paths is not None:
        ends = paths[-1]
    else:
        ends = np.empty((0, 2))
    ends = ends[np.all(np.isfinite(ends), axis=1)]
    starts = np.empty((0, 2)) if paths is None else paths[0]
    lo, hi = _frame(ends, [flat, _init_box(r.config), starts])

    fig, axes = figs.new("landscape", len(panels), 2, square=True)
    panel_axes = dict(zip(panels, axes))
    gfun = constraint_2d(str(r.config.get("landscape")), r.landscape_params)
    q = float(r.landscape_params.get("q", 2))
    gx = np.linspace(lo[0], hi[0], 301)
    gy = np.linspace(lo[1], hi[1], 301)
    X, Y = np.meshgrid(gx, gy)
    G = None if gfun is None else gfun(X, Y)

    def draw_minima(ax, lw, hollow=False):
        if G is not None:
            ax.contour(X, Y, G, levels=[0.0], colors="black", linewidths=opts.lw(lw))
            ax.plot([], [], color="black", lw=opts.lw(lw), label="global minima {g = 0}")
        if flat.size:
            size = 0.5 if opts.paper else 1.0
            if hollow:  # let the density underneath show
                ax.scatter(flat[:, 0], flat[:, 1], marker="o", s=200 * size, facecolor="none",
                           edgecolor=OKABE_ITO[1], linewidth=opts.lw(1.6), zorder=5,
                           label="flat minima")
            else:
                ax.scatter(flat[:, 0], flat[:, 1], marker="*", s=260 * size,
                           color=OKABE_ITO[1], edgecolor="black", linewidth=opts.lw(0.8),
                           zorder=5, label="flat minima")

    ax = panel_axes.get("paths")
    if ax is not None:
        if G is not None:
            F = np.abs(G) ** q
            logf = np.log10(np.maximum(F, 1e-300))
            top = np.nanpercentile(logf, 99)
            bottom = max(np.nanpercentile(logf, 1), top - 8)
            step = 0.5 if top - bottom <= 8 else 1.0
            levels = np.arange(np.floor(bottom / step) * step, top + step, step)
            cs = ax.contourf(X, Y, np.clip(logf, bottom, top), levels=levels, cmap="Greys",
                             alpha=0.55)
            fig.colorbar(cs, ax=ax, label=r"$\log_{10} f$,  $f = |g|^q$", shrink=0.9)
            ax.set_title("contours of f, sampled paths")
        else:
            ax.set_title(f"sampled paths (f of {r.config.get('landscape')}: no formula)")
        if paths is not None:
            for s in range(paths.shape[1]):
                p = paths[:, s, :]
                p = p[np.all(np.isfinite(p), axis=1)]
                if not len(p):
                    continue
                c = OKABE_ITO[[0, 2, 3, 5, 4][s % 5]]
                ax.plot(p[:, 0], p[:, 1], color=c, lw=opts.lw(0.7), alpha=0.75)
                ax.plot(p[0, 0], p[0, 1], "o", color=c, ms=3 * (0.7 if opts.paper else 1))
                ax.plot(p[-1, 0], p[-1, 1], "x", color=c, ms=4 * (0.7 if opts.paper else 1))
            ax.plot([], [], color=OKABE_ITO[0], lw=opts.lw(0.7),
                    label=f"{paths.shape[1]} sampled paths (o start, x end)")
        draw_minima(ax, 1.8)

    ax2 = panel_axes.get("density")
    outside = 0
    zoomed = None  # the inset's half-width
    if ax2 is not None:
        if all_final and len(ends):
            H, xe, ye = np.histogram2d(ends[:, 0], ends[:, 1], bins=160,
                                       range=[[lo[0], hi[0]], [lo[1], hi[1]]])
            outside = len(ends) - int(H.sum())
            Hm = np.ma.masked_less_equal(H.T, 0)
            if Hm.count():
                norm = LogNorm(vmin=1, vmax=max(2.0, float(H.max())))
                mesh = ax2.pcolormesh(xe, ye, Hm, cmap="viridis", norm=norm)
                fig.colorbar(mesh, ax=ax2, label="trajectories per bin (log scale)",
                             shrink=0.9)
                zoomed = _zoom_inset(ax2, ends, r.attractors, lo, hi, norm, gfun, opts)
            ax2.set_title(rf"density of the final points $x_K$ (N = {len(ends)})")
        elif len(ends):
            inside = np.all((ends >= lo) & (ends <= hi), axis=1)
            outside = int(np.count_nonzero(~inside))
            ax2.scatter(ends[:, 0], ends[:, 1], marker="x", s=18 * (0.5 if opts.paper else 1),
                        color=OKABE_ITO[0], linewidth=opts.lw(1.0), zorder=4,
                        label="end points of the sampled paths")
            ax2.set_title(f"end points of the {len(ends)} sampled paths")
        else:
            ax2.set_title("no final points stored")
        draw_minima(ax2, 1.0, hollow=True)

    for a in axes:
        a.set_xlim(lo[0], hi[0])
        a.set_ylim(lo[1], hi[1])
        a.set_aspect("equal", adjustable="box")
        a.set_xlabel(r"$x_1$")
        a.set_ylabel(r"$x_2$")
        a.grid(False)
        _legend(a, loc="upper right")
    parts = caption_parts(r)
    if zoomed is not None:
        parts.append(f"inset: the final points within {_g(f'{zoomed:.2g}')} of the "
                     "most visited flat minimum, on finer bins")
    if ax2 is not None and not all_final:
        parts.append("no /final positions in the file (run without --save-final): "
                     "the sampled paths' end points are drawn instead")
    if outside:
        parts.append(f"{outside} end points outside the frame")
    figs.titles(fig, "Paths on the landscape", parts)
    figs.save(fig, "landscape")
    return True


def _zoom_inset(ax, ends, attractors, lo, hi, norm, gfun, opts):
    """An inset with the density around the most visited flat minimum, where the final
    points gather in a few bins of the whole frame (NGD's last steps, about alpha_K,
    are far smaller than the landscape). Placed in the emptiest corner but the legend's
    (upper right). Returns its half-width, or None where the points are not gathered."""
    flat = np.asarray(attractors.get("position", np.empty((0, 2))), dtype=float)
    frac = np.asarray(attractors.get("final_fraction", []), dtype=float)
    if not len(flat) or len(flat) != len(frac) or not len(ends):
        return None
    centre = flat[int(np.argmax(frac))]
    dist = np.hypot(*(ends - centre).T)
    apart = [np.hypot(*(f - centre)) for f in flat if np.any(f != centre)]
    near = dist[dist < (0.5 * min(apart) if apart else 0.25 * np.min(hi - lo))]
    if len(near) < 10:
        return None
    half = 1.2 * float(np.percentile(near, 95))
    if not 0 < half < 0.06 * float(np.min(hi - lo)):
        return None
    corners = {(0.03, 0.03), (0.59, 0.03), (0.03, 0.59)}

    def crowd(corner):
        box_lo = lo + np.asarray(corner) * (hi - lo)
        box_hi = box_lo + 0.38 * (hi - lo)

        def inside(points):
            return np.count_nonzero(np.all((points >= box_lo) & (points <= box_hi), axis=-1))
        # covering a flat minimum (the zoomed one above all) is worse than any end point
        return inside(ends) + len(ends) * (inside(flat) + inside(centre[None, :]))

    corner = min(sorted(corners), key=crowd)
    inset = ax.inset_axes([corner[0], corner[1], 0.38, 0.38])
    window = [[centre[0] - half, centre[0] + half], [centre[1] - half, centre[1] + half]]
    H, xe, ye = np.histogram2d(ends[:, 0], ends[:, 1], bins=60, range=window)
    inset.pcolormesh(xe, ye, np.ma.masked_less_equal(H.T, 0), cmap="viridis", norm=norm)
    if gfun is not None:
        X, Y = np.meshgrid(np.linspace(*window[0], 101), np.linspace(*window[1], 101))
        inset.contour(X, Y, gfun(X, Y), levels=[0.0], colors="black", linewidths=opts.lw(0.8))
    inset.scatter([centre[0]], [centre[1]], marker="o", s=60 * (0.5 if opts.paper else 1),
                  facecolor="none", edgecolor=OKABE_ITO[1], linewidth=opts.lw(1.2))
    inset.set_xlim(*window[0])
    inset.set_ylim(*window[1])
    inset.set_aspect("equal")
    inset.grid(False)
    # no tick labels: they would collide with the frame's; the caption gives the scale
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("white")
    ax.indicate_inset_zoom(inset, edgecolor="0.3")
    return half


def plot_run(r: Result, outdir, dpi=None, pdf=False, final_position=None, **options):
    """Write the run figures of ``r`` into ``outdir``; returns the paths written.

    ``options``: eps (one eps of the file), panels (names, see panel_names("run")),
    size ("column", "twocolumn", "WxH" or (w, h) inches), formats (of png, pdf, svg).
    ``final_position`` [N, 2] gives the landscape's density; without it the sampled
    paths' end points are drawn."""
    return _plot_run(r, outdir, _options(dpi, pdf, **options), final_position)


def _plot_run(r, outdir, opts, final_position=None):
    import matplotlib as mpl
    from cycler import cycler
    figs = _Figures(outdir, opts)
    with mpl.rc_context({**(_RC_PAPER if opts.paper else _RC),
                         "axes.prop_cycle": cycler(color=OKABE_ITO)}):
        _fig_p_flat(figs, r)
        _fig_quantiles(figs, r)
        _fig_survival(figs, r)
        _fig_attractors(figs, r)
        _fig_landscape(figs, r, final_position)
        _fig_sharpness(figs, r)
        _fig_saddle(figs, r)
    return figs.written


# -- sweep figures -----------------------------------------------------------------
def _fig_sweep(figs, s: SweepResult, kind, name):
    opts = figs.opts
    eps_cols = [c for c in s.columns if c.startswith(f"p_{kind}(")]
    if opts.eps is not None:
        i = _eps_index(opts.eps, [float(c[len(f"p_{kind}("):-1]) for c in eps_cols])
        if i is None:
            raise ValueError(_missing_eps(opts.eps, s.path, s.eps))
        eps_cols = [eps_cols[i]]
    if not s.varied or not eps_cols or not _chosen(name, SWEEP_PANELS[name], opts):
        return False
    key1 = s.varied[0]
    key2 = s.varied[1] if len(s.varied) > 1 else None
    fig, axes = figs.new(name, len(eps_cols), len(s.eps) or len(eps_cols))
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
        order = list(dict.fromkeys(v2))
        groups = [(v, np.array([i for i, w in enumerate(v2) if w == v])) for v in order]
    meaning = {"p": "step-size exponent p", "alpha0": r"step-size scale $\alpha_0$",
               "rho": r"SAM radius $\rho$", "sigma": r"perturbation scale $\sigma$",
               "init": "initial distribution"}.get(key1, key1)
    narrow = True
    for ax, col in zip(axes, eps_cols):
        e = col[len(f"p_{kind}("):-1]
        ax.set_ylim(-0.02, 1.02)
        for gi, (v, rows) in enumerate(groups):
            rows = rows[np.argsort(xvals[rows], kind="stable")]
            colour = _cycle(gi)
            y = s.table[col][rows]
            lo = s.table.get(f"p_{kind}_low({e})")
            hi = s.table.get(f"p_{kind}_high({e})")
            if lo is not None and hi is not None:
                narrow &= _band(ax, xvals[rows], lo[rows], hi[rows], colour, opts, 1.6)
                ax.errorbar(xvals[rows], y, yerr=[np.clip(y - lo[rows], 0, None),
                                                  np.clip(hi[rows] - y, 0, None)],
                            fmt="none", ecolor=colour, capsize=3, lw=opts.lw(1))
            label = f"P({kind}, {e})" if v is None else f"{key2} = {_g(v)}"
            ax.plot(xvals[rows], y, "o-", color=colour, lw=opts.lw(1.6),
                    ms=5 * (0.7 if opts.paper else 1), label=label)
            # Points where eps < alpha_K: the trajectories still move by about alpha_K
            # per step, so the probability there is not convergence; drawn hollow.
            alpha_k = s.table.get("alpha_K")
            if alpha_k is not None:
                under = rows[float(e) < alpha_k[rows]]
                if len(under):
                    ax.plot(xvals[under], s.table[col][under], "o",
                            ms=9 * (0.7 if opts.paper else 1), mfc="white", mec=colour,
                            mew=opts.lw(1.6), zorder=5,
                            label=r"$\varepsilon < \alpha_K$: still moving" if gi == 0 else None)
        if ticks is not None:
            ax.set_xticks(ticks[0])
            ax.set_xticklabels(ticks[1], rotation=20)
        elif np.all(xvals > 0) and xvals.max() / xvals.min() >= 20:
            ax.set_xscale("log")
        ax.set_xlabel(f"{key1}: {meaning}" if meaning != key1 else key1)
        ax.set_ylabel(f"P({kind}, ε) at step K")
        ax.set_title(rf"$\varepsilon$ = {e}")
        _legend(ax, [_band_proxy()])
    title = f"P({kind}, ε) against {key1}" + (f", a line per {key2}" if key2 else "")
    parts = caption_parts(s.points[0], s.varied)
    parts.append(f"P({kind}, ε): within ε of " + ("a flat minimum" if kind == "flat"
                                                  else "a global minimum") + " at step K")
    figs.titles(fig, title, parts + ([NARROW_BANDS] if narrow else []))
    figs.save(fig, name)
    return True


def plot_sweep(s: SweepResult, outdir, dpi=None, pdf=False, points=False, **options):
    """Write the sweep figures of ``s`` into ``outdir`` (and, with ``points``, every
    point's run figures into outdir/points/NNN); returns the paths written. ``options``
    as for plot_run."""
    return _plot_sweep(s, outdir, _options(dpi, pdf, **options), points)


def _plot_sweep(s, outdir, opts, points=False):
    import matplotlib as mpl
    from cycler import cycler
    figs = _Figures(outdir, opts)
    with mpl.rc_context({**(_RC_PAPER if opts.paper else _RC),
                         "axes.prop_cycle": cycler(color=OKABE_ITO)}):
        _fig_sweep(figs, s, "flat", "sweep_p_flat")
        _fig_sweep(figs, s, "min", "sweep_p_min")
    written = list(figs.written)
    if points:
        for i, r in enumerate(s.points):
            final = None
            if r.dimension == 2 and r.has_final:
                final = (r.final or read_final(s.path, point=i) or {}).get("position")
            written += _plot_run(r, os.path.join(outdir, "points", f"{i:03d}"), opts, final)
    return written


# -- compare -----------------------------------------------------------------------
#: settings that may tell compared runs apart, with their short names in labels
_LABEL_KEYS = (("landscape", "landscape"), ("optimizer", "optimizer"), ("p", "p"),
               ("alpha0", "alpha0"), ("rho", "rho"), ("sigma", "sigma"), ("init", "init"),
               ("trajectories", "N"), ("steps", "K"), ("seed", "seed"),
               ("precision", "precision"))


def default_labels(results: Sequence[Result], names: Sequence[str]):
    """Short labels telling ``results`` apart: the settings that differ between them
    ("p=0.5, alpha0=1"), else ``names`` (file names); made unique with the names."""
    if len(results) < 2:
        return list(names)
    optimizers = {str(r.config.get("optimizer")) for r in results}
    keys = [(k, short) for k, short in _LABEL_KEYS
            if not (k == "rho" and "sam" not in optimizers)
            and not (k == "sigma" and not {"perturbed", "ipgd"} & set(optimizers))]
    params = sorted({k for r in results for k in r.config if k.startswith("param.")})
    keys[1:1] = [(k, k[len("param."):]) for k in params]

    def value(r, k):
        return _g(r.config[k]) if k in r.config else "-"

    differing = [(k, short) for k, short in keys
                 if len({value(r, k) for r in results}) > 1]
    if not differing:
        return list(names)
    labels = [", ".join(f"{short}={value(r, k)}" for k, short in differing) for r in results]
    if len(set(labels)) < len(labels):
        labels = [f"{label} ({name})" for label, name in zip(labels, names)]
    return labels


def _common_caption(results: Sequence[Result]):
    """What the compared runs share, for the caption (what differs is in the labels)."""
    def same(fn):
        texts = {fn(r) for r in results}
        return texts.pop() if len(texts) == 1 else None
    parts = [same(lambda r: _landscape_text(r.config)),
             same(lambda r: _optimizer_text(r.config)),
             same(lambda r: _schedule_text(r.config)),
             same(lambda r: f"N = {r.trajectories}"), same(lambda r: f"K = {r.steps}"),
             same(lambda r: f"init {r.config.get('init', '?')}")]
    return [p for p in parts if p] or ["settings in the legend"]


def compare_eps(results: Sequence[Result], names: Sequence[str], eps=None):
    """The eps of the P(flat, eps) / P(min, eps) panels: ``eps`` (ValueError naming a run
    without it), else the first eps of the first run that every run has."""
    if eps is not None:
        for r, name in zip(results, names):
            if _eps_index(eps, r.eps) is None:
                raise ValueError(_missing_eps(eps, name, r.eps))
        return float(eps)
    for e in results[0].eps:
        if all(_eps_index(e, r.eps) is not None for r in results):
            return float(e)
    raise ValueError("the runs have no eps in common: "
                     + "; ".join(f"{n}: {_eps_list(r.eps)}" for r, n in zip(results, names)))


def plot_compare(results: Sequence[Result], labels: Sequence[str], outdir, dpi=None,
                 pdf=False, **options):
    """Overlay ``results`` (runs or sweep points), labelled ``labels``, in
    outdir/compare.png: the panels flat, min, f, phi, distance, survival (by default flat,
    distance, survival). ``options`` as for plot_run. Returns the paths written."""
    return _plot_compare(results, labels, outdir, _options(dpi, pdf, **options))


def _plot_compare(results, labels, outdir, opts):
    import matplotlib as mpl
    figs = _Figures(outdir, opts)
    panels = _chosen("compare", COMPARE_PANELS["compare"], opts, default=COMPARE_DEFAULT)
    if not panels:
        return []
    eps = compare_eps(results, labels, opts.eps) if {"flat", "min"} & set(panels) else None
    with mpl.rc_context(_RC_PAPER if opts.paper else _RC):
        fig, axes = figs.new("compare", len(panels), len(COMPARE_DEFAULT))
        banded = []  # whether each panel with Wilson bands has them all narrow
        for k, (ax, panel) in enumerate(zip(axes, panels)):
            _logx(ax)
            # the runs' labels once, in the first panel: repeated they would hide the curves
            shown = labels if k == 0 else [None] * len(labels)
            if panel in ("flat", "min"):
                banded.append(_compare_probability(ax, results, shown, panel, eps, opts))
            elif panel == "survival":
                banded.append(_compare_survival(ax, results, shown, opts))
            else:
                _compare_quantile(ax, results, shown, panel, opts)
        parts = _common_caption(results)
        for kind, what in (("flat", "a flat minimum"), ("min", "any global minimum")):
            if kind in panels:
                parts.append(f"P({kind}, ε): the fraction within ε of {what}")
        if banded and all(banded):
            parts.append(NARROW_BANDS)
        figs.titles(fig, f"Comparison of {len(results)} runs", parts)
        figs.save(fig, "compare")
    return figs.written


def _style(i, opts, width=1.6):
    """colour and line style of compared run i: the palette, then dashed, dotted"""
    return dict(color=_cycle(i), ls=("-", "--", ":")[(i // len(OKABE_ITO)) % 3],
                lw=opts.lw(width))


def _compare_probability(ax, results, labels, kind, eps, opts):
    ax.set_ylim(-0.02, 1.02)
    narrow = True
    for i, (r, label) in enumerate(zip(results, labels)):
        j = _eps_index(eps, r.eps)
        x = r.step + 1.0
        counts = np.asarray(r.observables[f"{kind}_count"], float).reshape(len(x), -1)[:, j]
        lo, hi = wilson(counts, r.trajectories)
        narrow &= _band(ax, x, lo, hi, _cycle(i), opts, 1.6)
        ax.plot(x, counts / r.trajectories, label=label, **_style(i, opts))
    ax.set_title(f"P({kind}, ε = {_g(eps)})")
    ax.set_ylabel("probability (fraction of N)")
    _legend(ax, [_band_proxy()])
    return narrow


def _compare_quantile(ax, results, labels, panel, opts):
    key, title, ylabel = _QUANTITIES[panel]
    for i, (r, label) in enumerate(zip(results, labels)):
        if key not in r.observables:
            continue
        x = r.step + 1.0
        qs = _positive(r.observables[key])
        ax.fill_between(x, qs[:, 1], qs[:, 3], color=_cycle(i), alpha=0.13, linewidth=0)
        ax.plot(x, qs[:, 2], label=label, **_style(i, opts, 1.8))
    extra = []
    if panel == "distance":
        alphas = [np.asarray(r.observables["alpha"], float) for r in results
                  if "alpha" in r.observables]
        same = all(a.shape == alphas[0].shape and np.allclose(a, alphas[0]) for a in alphas)
        for i, r in enumerate(results):
            if "alpha" in r.observables and (i == 0 or not same):
                ax.plot(r.step + 1.0, _positive(r.observables["alpha"]),
                        color="black" if same else _cycle(i), ls=(0, (4, 2)),
                        lw=opts.lw(1.0), alpha=0.9)
        if alphas:
            from matplotlib.lines import Line2D
            label = _alpha_label(results[0].config)
            extra.append(Line2D([], [], color="black", ls=(0, (4, 2)), lw=opts.lw(1.0),
                                label=label if same else label + ", each run's"))
    from matplotlib.patches import Patch
    extra.append(Patch(facecolor="0.6", alpha=0.4, label="25–75%; lines: median"))
    ax.set_yscale("log")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    _legend(ax, extra)


def _compare_survival(ax, results, labels, opts):
    ax.set_ylim(-0.02, 1.02)
    firsts = {_g(r.eps[0]) for r in results}
    narrow = True
    for i, (r, label) in enumerate(zip(results, labels)):
        x = r.step + 1.0
        s = np.asarray(r.observables["survival"], dtype=float)
        lo, hi = wilson(np.round(s * r.trajectories), r.trajectories)
        narrow &= _band(ax, x, lo, hi, _cycle(i), opts, 1.6)
        ax.plot(x, s, label=label, **_style(i, opts))
    ax.set_title(rf"survival S(k), $\varepsilon$ = {firsts.pop()}"
                 if len(firsts) == 1 else r"survival S(k), each run's first $\varepsilon$")
    ax.set_ylabel("fraction of N not yet settled")
    _legend(ax, [_band_proxy()])
    return narrow


def split_item(spec):
    """'FILE' or 'FILE:POINT' -> (path, point or None). A path that exists as given is a
    file even when it contains ':'."""
    spec = str(spec)
    if not os.path.exists(spec):
        path, colon, point = spec.rpartition(":")
        if colon and path and point.isdigit():
            return path, int(point)
    return spec, None


def load_items(specs):
    """[(Result, name)] for compare: a run file, a sweep point (FILE:POINT), or every
    point of a sweep file. Raises NgdsimFileError for unreadable files or points."""
    items = []
    for spec in specs:
        path, point = split_item(spec)
        obj = load_any(path, final=False)
        base = os.path.basename(path)
        if isinstance(obj, SweepResult):
            if point is not None and not 0 <= point < len(obj.points):
                raise NgdsimFileError(f"{spec}: no point {point} (the sweep has points 0 to "
                                      f"{len(obj.points) - 1})")
            chosen = range(len(obj.points)) if point is None else [point]
            items += [(obj.points[i], f"{base}:{i}") for i in chosen]
        else:
            if point is not None:
                raise NgdsimFileError(f"{spec}: {path} is a run file, without points "
                                      "(FILE:POINT is for sweep files)")
            items.append((obj, base))
    return items


def plot_file(path, outdir=None, dpi=None, pdf=False, points=False, **options):
    """Load ``path`` (run or sweep) and write its figures; returns the paths written.
    Raises ngdsim.NgdsimFileError for files that are not readable ngdsim output."""
    result = load_any(path, final=False)
    if outdir is None:
        outdir = default_outdir(path)
    opts = _options(dpi, pdf, **options)
    if isinstance(result, SweepResult):
        return _plot_sweep(result, outdir, opts, points)
    return _plot_run(result, outdir, opts, _final_position(result, path))


def _final_position(result, path):
    if result.dimension == 2 and result.has_final:
        return (read_final(path) or {}).get("position")
    return None


def default_outdir(path):
    stem = os.path.basename(str(path))
    for ext in (".h5", ".hdf5", ".hdf"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    return os.path.join(os.path.dirname(os.path.abspath(str(path))), stem + "-plots")


# -- command line ------------------------------------------------------------------
_USAGE = ("ngdsim-plot FILE.h5 [-o DIR] [--points] [OPTIONS]\n"
          "       ngdsim-plot compare FILE[:POINT] ... [--label TEXT ...] [-o DIR] [OPTIONS]")


def _add_common(parser):
    parser.add_argument("-o", "--outdir", metavar="DIR",
                        help="output folder (default: FILE without .h5, plus -plots; "
                             "compare: compare-plots beside the first file)")
    parser.add_argument("--eps", type=float, metavar="VALUE",
                        help="plot this eps of the file(s) only (default: every eps; "
                             "compare: the first eps of the first file). Survival and "
                             "attractors are stored for the first eps only")
    parser.add_argument("--panels", metavar="LIST",
                        help="comma-separated figures or panels to draw: run files "
                             "p_flat (flat, min), quantiles (f, phi, distance), survival, "
                             "attractors, landscape (paths, density); sweep files "
                             "sweep_p_flat (flat), sweep_p_min (min); compare: flat, min, f, "
                             "phi, distance, survival (default flat,distance,survival)")
    parser.add_argument("--size", metavar="SIZE",
                        help=f"column ({COLUMN_WIDTH} in wide, panels stacked), twocolumn "
                             f"({TWOCOLUMN_WIDTH} in wide) or WxH in inches; figures for "
                             f"print: 7-8 pt text, {PAPER_DPI} dpi PNGs (default: screen sizes)")
    parser.add_argument("--format", metavar="FMT", default="png",
                        help="comma-separated file formats of png, pdf, svg (default png)")
    parser.add_argument("--pdf", action="store_true",
                        help="also write each figure as PDF (the same as adding pdf to "
                             "--format)")
    parser.add_argument("--dpi", type=int,
                        help=f"PNG resolution, 10 to 1200 (default {DEFAULT_DPI}, "
                             f"{PAPER_DPI} with --size)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="do not list the files written")


def _parsers():
    plot = argparse.ArgumentParser(
        prog="ngdsim-plot", usage=_USAGE,
        description="Figures (PNG, PDF, SVG) from an ngdsim run or sweep file; "
                    "`ngdsim-plot compare` overlays several runs or sweep points.",
        epilog="run files: p_flat.png quantiles.png survival.png attractors.png "
               "landscape.png (2-D landscapes); sweep files: sweep_p_flat.png "
               "sweep_p_min.png; compare: compare.png. Exit status 2: a bad option or not "
               "a readable ngdsim file.")
    plot.add_argument("file", help="ngdsim output file (.h5)")
    plot.add_argument("--points", action="store_true",
                      help="sweep files: also every point's run figures in DIR/points/NNN/")
    _add_common(plot)
    compare = argparse.ArgumentParser(
        prog="ngdsim-plot compare",
        usage="ngdsim-plot compare FILE[:POINT] ... [--label TEXT ...] [-o DIR] [OPTIONS]",
        description="Overlay several ngdsim runs in compare.png: P(flat, eps) with 95% "
                    "Wilson bands, the median and quartiles of the distance to the flat "
                    "minima, and the survival curve.")
    compare.add_argument("files", nargs="+", metavar="FILE[:POINT]",
                         help="run files, sweep points (sweep.h5:3 is point 3) or sweep "
                              "files (all their points)")
    compare.add_argument("--label", action="append", metavar="TEXT",
                         help="the curves' labels, one per run or point, in order (default: "
                              "the settings that differ between them, else the file names)")
    _add_common(compare)
    return plot, compare


def _parsed(parser, option, parse, text):
    """parse(text), or the parser's one-line error naming the option."""
    try:
        return parse(text)
    except ValueError as e:
        parser.error(f"argument {option}: {e}")


def _check_options(parser, args, mode, points=False):
    """The options that need no file, as Options; bad values end in parser.error."""
    if args.dpi is not None and not 10 <= args.dpi <= 1200:
        parser.error(f"argument --dpi: {args.dpi} is not from 10 to 1200")
    formats = _parsed(parser, "--format", parse_formats, args.format)
    size = None if args.size is None else _parsed(parser, "--size", parse_size, args.size)
    panels = None
    if args.panels is not None:
        panels = parse_list(args.panels)
        allowed = panel_names(mode, points)
        unknown = [p for p in panels if p not in allowed]
        if unknown or not panels:
            parser.error(f"argument --panels: '{args.panels}' names "
                         + (f"'{unknown[0]}', not a figure or panel of {mode} files"
                            if unknown else "nothing")
                         + f" (allowed: {', '.join(allowed)})")
    if args.eps is not None and not (np.isfinite(args.eps) and args.eps > 0):
        parser.error(f"argument --eps: {args.eps} is not a number > 0")
    return _options(args.dpi, args.pdf, eps=args.eps, panels=panels, size=size,
                    formats=formats)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    plot_parser, compare_parser = _parsers()
    compare = bool(argv) and argv[0] == "compare"
    parser = compare_parser if compare else plot_parser
    args = parser.parse_args(argv[1:] if compare else argv)

    try:
        if compare:
            items = load_items(args.files)
            result = None
        else:
            result = load_any(args.file, final=False)
    except NgdsimFileError as e:
        print(f"ngdsim-plot: error: {e}", file=sys.stderr)
        return 2
    mode = "compare" if compare else ("sweep" if isinstance(result, SweepResult) else "run")
    opts = _check_options(parser, args, mode, getattr(args, "points", False))
    if compare:
        results = [r for r, _ in items]
        names = [n for _, n in items]
        if args.label and len(args.label) != len(results):
            parser.error(f"argument --label: {len(args.label)} labels for {len(results)} "
                         "runs (give one per run or sweep point, or none)")
        labels = args.label or default_labels(results, names)
        try:
            if {"flat", "min"} & set(_chosen("compare", COMPARE_PANELS["compare"], opts,
                                             COMPARE_DEFAULT)):
                compare_eps(results, names, opts.eps)
        except ValueError as e:
            parser.error(f"argument --eps: {e}")
        outdir = args.outdir or os.path.join(
            os.path.dirname(os.path.abspath(split_item(args.files[0])[0])), "compare-plots")
        plot = functools.partial(_plot_compare, results, labels, outdir, opts)
        what = "the comparison"
    else:
        available = result.eps
        if opts.eps is not None and _eps_index(opts.eps, available) is None:
            parser.error(f"argument --eps: {_missing_eps(opts.eps, args.file, available)}")
        outdir = args.outdir if args.outdir else default_outdir(args.file)
        if mode == "sweep":
            plot = functools.partial(_plot_sweep, result, outdir, opts, args.points)
        else:
            plot = functools.partial(_plot_run, result, outdir, opts,
                                     _final_position(result, args.file))
        what = args.file
    try:
        import matplotlib
        matplotlib.use("Agg")
    except ImportError:
        print("ngdsim-plot: error: matplotlib is required: pip install matplotlib",
              file=sys.stderr)
        return 1
    before = _files_under(outdir)
    # All the figures or none: a failure removes what this run had written.
    try:
        status = _plot_main(plot, what, outdir, args)
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


def _plot_main(plot, what, outdir, args):
    try:
        written = plot()
    except NgdsimFileError as e:
        print(f"ngdsim-plot: error: {e}", file=sys.stderr)
        return 2
    except SizeError as e:  # known only once a figure's panels are
        print(f"ngdsim-plot: error: argument --size: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"ngdsim-plot: error: cannot write the figures to {outdir}: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # a plotting failure: one line, traceback on request
        if os.environ.get("NGDSIM_PLOT_DEBUG"):
            raise
        print(f"ngdsim-plot: error: plotting {what} failed: {type(e).__name__}: {e} "
              "(set NGDSIM_PLOT_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1
    if not written:  # only --panels can choose nothing that applies
        print(f"ngdsim-plot: error: --panels {args.panels}: nothing to draw for {what} "
              "(landscape, paths and density need a 2-D landscape)", file=sys.stderr)
        return 2
    if not args.quiet:
        for path in written:
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
