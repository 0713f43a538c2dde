"""Reading ngdsim HDF5 output (filetype "ngdsim-run" and "ngdsim-sweep") into plain
numpy arrays.

Everything is read eagerly when the file is opened, so a file that is not an ngdsim
output, or is truncated or damaged, fails in :func:`load` / :func:`load_sweep` with a
:class:`NgdsimFileError` and not later while plotting.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

RUN_FILETYPE = "ngdsim-run"
SWEEP_FILETYPE = "ngdsim-sweep"
PARTIAL_SWEEP_FILETYPE = "ngdsim-sweep-partial"

#: quantile levels of the */quantiles observables (columns of the [R, 5] arrays)
QUANTILE_LEVELS = np.array([0.05, 0.25, 0.5, 0.75, 0.95])

#: the per-trajectory quantities with summary statistics under /observables/<name>/
STAT_QUANTITIES = ("f", "phi", "flat_distance", "min_distance", "grad_norm")

_ATTRACTOR_FIELDS = ("position", "final_count", "final_fraction", "wilson_low", "wilson_high")
_FINAL_FIELDS = ("position", "class", "attractor", "last_entry")
# What every run (and sweep point) has; a file without one of them is damaged.
_REQUIRED_OBSERVABLES = ("f/mean", "flat_fraction", "min_fraction", "diverged_count",
                         "survival")

#: meaning of the values in final["class"]
FINAL_CLASSES = {0: "flat(eps[0])", 1: "min(eps[0]) but not flat", 2: "neither", 3: "diverged"}


class NgdsimFileError(Exception):
    """The file is missing, not HDF5, truncated, or not an ngdsim output."""


def _h5py():
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - h5py is a dependency
        raise ImportError("ngdsim needs h5py: pip install h5py") from e
    return h5py


def _plain(value):
    """HDF5 attribute value -> str, Python scalar or numpy array."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SO":
            return [_plain(v) for v in value.tolist()]
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _attrs(obj) -> Dict[str, Any]:
    return {k: _plain(v) for k, v in obj.attrs.items()}


def _text(dataset) -> str:
    v = dataset[()]
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray):  # pragma: no cover - stored as a scalar string
        v = v.tolist()
    return str(v)


@dataclass
class Result:
    """One ngdsim study (a run file, or one point of a sweep).

    Attributes
    ----------
    config : dict
        every attribute of /parameters (landscape, optimizer, alpha0, p, steps,
        trajectories, seed, init, eps, "param.n", ...) plus ``"config"``, the
        resolved TOML text (also in :attr:`config_text`).
    summary : dict
        every attribute of /summary (eps, p_flat, p_flat_low, p_flat_high, p_min, ...).
    observables : dict name -> ndarray
        the ``value`` array of every observable, keyed like "f/mean", "f/quantiles",
        "flat_fraction", "survival", "alpha"; the first axis is the record index.
    step, time : ndarray [R]
        the common record axes: step index k and gradient-flow time t_k.
    axes : dict name -> (step, time)
        each observable's own axes (the same as step/time in files written so far).
    histogram_edges : ndarray [241]
        edges of the log bins of the */histogram observables.
    attractors : dict
        position [A, d], final_count, final_fraction, wilson_low, wilson_high [A].
    sample_paths : dict or None
        position [R, S, d], id [S], step [R], time [R].
    final : dict or None
        position [N, d], class [N], attractor [N], last_entry [N]; None when the run
        was made without --save-final or loaded with ``final=False``.
    first_entry_count, last_entry_count : ndarray [E, R + 1] or None
        /settling: row e (eps[e]), column r < R the trajectories whose first entry into
        the eps[e]-ball of the flat set was recorded step r (``step[r]``), or which stayed
        inside from step[r] through K (last entry); column R: never / not inside at K.
        See :meth:`settling_quantile`. None for files written before /settling existed.
    only_for : dict name -> landscape
        the observables that exist for one landscape only (bnreg's "sharpness",
        "eos_ratio", "fit_count", ...), each with that landscape's name; the others are
        recorded for every landscape. A file of another landscape has no such entry at
        all, never an array of zeros. :attr:`quantities` lists the statistics' names.
    data : dict name -> ndarray
        the datasets of /parameters: for bnreg the data set ``X`` [n, d], ``y`` [n],
        ``theta_star`` and ``w_tilde_star`` [d]; empty for the other landscapes.
    """

    path: str
    filetype: str
    version: str
    config: Dict[str, Any]
    config_text: str
    summary: Dict[str, Any]
    observables: Dict[str, np.ndarray]
    step: np.ndarray
    time: np.ndarray
    axes: Dict[str, Tuple[np.ndarray, np.ndarray]]
    histogram_edges: Optional[np.ndarray]
    attractors: Dict[str, np.ndarray]
    sample_paths: Optional[Dict[str, np.ndarray]]
    final: Optional[Dict[str, np.ndarray]]
    has_final: bool = False
    label: Optional[str] = None
    first_entry_count: Optional[np.ndarray] = None
    last_entry_count: Optional[np.ndarray] = None
    only_for: Dict[str, str] = field(default_factory=dict)
    data: Dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def quantities(self) -> Tuple[str, ...]:
        """The per-trajectory quantities recorded with full statistics (<name>/mean, ...,
        <name>/histogram): the five of every landscape first, then the landscape's own."""
        names = [n[:-len("/mean")] for n in self.observables if n.endswith("/mean")]
        common = [n for n in STAT_QUANTITIES if n in names]
        return tuple(common + [n for n in names if n not in common])

    def settling_quantile(self, q: float, eps: Optional[float] = None,
                          kind: str = "last") -> float:
        """The q-quantile over all N trajectories of the step of the first or last entry
        into the eps-ball of the flat set (eps: one of :attr:`eps`, default the first),
        at record resolution; ``inf`` when it lies beyond step K. For q = 0.5 and 0.9 it
        is /summary's ``<kind>_entry_median`` / ``<kind>_entry_q90``."""
        if kind not in ("first", "last"):
            raise ValueError(f"kind must be 'first' or 'last', not {kind!r}")
        counts = self.first_entry_count if kind == "first" else self.last_entry_count
        if counts is None:
            raise NgdsimFileError(f"{self.path}: no /settling (written by an older ngdsim)")
        if not 0.0 < q <= 1.0:
            raise ValueError(f"q must lie in (0, 1], not {q}")
        row = 0 if eps is None else self._eps_index(eps)
        seen = np.cumsum(counts[row, :-1])
        rank = max(1.0, np.ceil(q * self.trajectories))
        r = int(np.searchsorted(seen, rank))  # the first record with seen >= rank
        return float(self.step[r]) if r < len(seen) else float("inf")

    def _eps_index(self, eps: float) -> int:
        hits = np.flatnonzero(np.isclose(self.eps, eps, rtol=1e-12, atol=0.0))
        if len(hits) == 0:
            raise ValueError(f"eps = {eps} is not one of this file's eps {list(self.eps)}")
        return int(hits[0])

    # -- convenience -------------------------------------------------------------
    @property
    def eps(self) -> np.ndarray:
        """the distance thresholds (columns of flat_count, flat_fraction, ...)."""
        e = self.summary.get("eps", self.config.get("eps"))
        return np.atleast_1d(np.asarray(e, dtype=float))

    @property
    def trajectories(self) -> int:
        """N, the number of trajectories."""
        return int(self.summary.get("trajectories", self.config.get("trajectories")))

    @property
    def steps(self) -> int:
        """K, the number of steps."""
        return int(self.summary.get("steps", self.config.get("steps")))

    @property
    def dimension(self) -> int:
        """d, the dimension of x."""
        if "dimension" in self.config:
            return int(self.config["dimension"])
        return int(self.attractors["position"].shape[1])

    @property
    def landscape_params(self) -> Dict[str, str]:
        """landscape parameters ("n", "q", "a", ...) as the strings stored in the file."""
        return {k[len("param."):]: v for k, v in self.config.items() if k.startswith("param.")}

    def __getitem__(self, name: str) -> np.ndarray:
        return self.observables[name]

    def to_xarray(self):
        """The observables, attractors, sampled paths and final state as an
        ``xarray.Dataset`` with labelled dimensions ``step`` (coordinates step and
        time), ``eps``, ``quantile``, ``bin``, ``attractor``, ``sample``, ``dim`` and
        ``trajectory``; variables are named like :attr:`observables` ("f/mean"),
        "attractors/<field>", "sample_paths/position" and "final/<field>"; the
        dataset's attrs hold the configuration and the summary.

        Raises ImportError when xarray is not installed.
        """
        try:
            import xarray as xr
        except ImportError as e:
            raise ImportError(
                "Result.to_xarray() needs xarray, which is not installed: pip install xarray"
            ) from e
        return _to_xarray(xr, self)


def _dims_for(name: str, shape: Tuple[int, ...]) -> Tuple[str, ...]:
    if len(shape) == 1:
        return ("step",)
    last = name.rsplit("/", 1)[-1]
    if last == "quantiles":
        return ("step", "quantile")
    if last == "histogram":
        return ("step", "bin")
    if name == "attractor_count":
        return ("step", "attractor")
    if name in ("flat_count", "flat_fraction", "min_count", "min_fraction"):
        return ("step", "eps")
    return ("step",) + tuple(f"{name}_{i}" for i in range(1, len(shape)))


def _to_xarray(xr, r: Result):
    coords = {
        "step": ("step", r.step),
        "time": ("step", r.time),
        "eps": ("eps", r.eps),
        "quantile": ("quantile", QUANTILE_LEVELS),
    }
    d = int(r.attractors["position"].shape[1]) if "position" in r.attractors else r.dimension
    coords["dim"] = ("dim", [f"x{i + 1}" for i in range(d)])
    if "position" in r.attractors:
        coords["attractor"] = ("attractor", np.arange(r.attractors["position"].shape[0]))
    if r.histogram_edges is not None:
        e = np.asarray(r.histogram_edges, dtype=float)
        coords["bin_low"] = ("bin", np.concatenate([[0.0], e]))
        coords["bin_high"] = ("bin", np.concatenate([e, [np.inf]]))
    data = {}
    for name, value in r.observables.items():
        if name in r.axes and not np.array_equal(r.axes[name][0], r.step):
            continue  # not on the common record axis (never so far)
        data[name] = (_dims_for(name, value.shape), value)
    for k, v in r.attractors.items():
        data[f"attractors/{k}"] = (("attractor", "dim") if v.ndim == 2 else ("attractor",), v)
    if r.sample_paths is not None and np.array_equal(r.sample_paths["step"], r.step):
        data["sample_paths/position"] = (("step", "sample", "dim"), r.sample_paths["position"])
        coords["sample_id"] = ("sample", r.sample_paths["id"])
    if r.final is not None:
        for k, v in r.final.items():
            data[f"final/{k}"] = (("trajectory", "dim") if v.ndim == 2 else ("trajectory",), v)
    attrs = {}
    for prefix, d in (("", r.config), ("summary.", r.summary)):
        for k, v in d.items():
            attrs[prefix + k] = v
    attrs["filetype"] = r.filetype
    attrs["version"] = r.version
    return xr.Dataset(data_vars=data, coords=coords, attrs=attrs)


@dataclass
class SweepResult:
    """One ngdsim sweep file.

    Attributes
    ----------
    table : dict column -> ndarray [P]
        /sweep/table by column name ("p", "p_flat(0.1)", "p_flat_low(0.1)", ...). A
        varied setting with non-numeric values ("init") holds the index into
        ``values[key]``.
    columns : list of str
        the column names in table order.
    varied : list of str
        the varied settings (the leading columns), once or twice (a grid).
    values : dict key -> list of str
        the values each varied setting took (attributes ``values.KEY``).
    labels : list of str
        each point's label, e.g. "p=0.5".
    points : list of Result
        the load()-style result of each point (group /points/NNN), in table order.
    config_text : str
        /sweep/config, the sweep's TOML configuration.
    """

    path: str
    version: str
    table: Dict[str, np.ndarray]
    columns: List[str]
    varied: List[str]
    values: Dict[str, List[str]]
    labels: List[str]
    points: List[Result]
    config_text: str
    attrs: Dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, i: int) -> Result:
        return self.points[i]

    @property
    def eps(self) -> np.ndarray:
        """the thresholds of the p_flat(eps) columns, in column order."""
        return np.array([float(c[len("p_flat("):-1]) for c in self.columns
                         if c.startswith("p_flat(")])

    def is_numeric(self, key: str) -> bool:
        """Whether the varied setting ``key`` is stored by value (else by index)."""
        vals = self.values.get(key)
        if not vals:
            return True
        try:
            got = [float(v) for v in vals]
        except ValueError:
            return False
        # numeric: the table holds the values themselves
        return set(np.round(self.table[key], 12)) <= set(np.round(got, 12))

    def setting(self, key: str) -> list:
        """The value of varied setting ``key`` at each point: floats for numeric
        settings, the strings of ``values[key]`` otherwise."""
        col = self.table[key]
        if self.is_numeric(key):
            return [float(v) for v in col]
        return [self.values[key][int(round(v))] for v in col]


def _open(path):
    h5py = _h5py()
    try:
        return h5py.File(path, "r")
    except FileNotFoundError as e:
        raise NgdsimFileError(f"{path}: no such file") from e
    except IsADirectoryError as e:
        raise NgdsimFileError(f"{path}: is a directory") from e
    except OSError as e:
        msg = str(e).split("\n")[0]
        raise NgdsimFileError(
            f"{path}: not a readable HDF5 file (not HDF5, truncated or damaged: {msg})") from e


def _filetype(f, path) -> str:
    ft = _plain(f.attrs.get("filetype")) if "filetype" in f.attrs else None
    if ft == PARTIAL_SWEEP_FILETYPE:
        raise NgdsimFileError(
            f"{path}: the finished points of an interrupted sweep, not a complete output "
            f"(continue it with the same `ngdsim sweep` command and --resume)")
    if ft not in (RUN_FILETYPE, SWEEP_FILETYPE):
        raise NgdsimFileError(
            f"{path}: not an ngdsim output (HDF5 file attribute 'filetype' is "
            f"{'missing' if ft is None else repr(ft)}, expected '{RUN_FILETYPE}' or "
            f"'{SWEEP_FILETYPE}')")
    return ft


def _read_result(g, path, filetype, version, final=True, label=None) -> Result:
    for required in ("parameters", "summary", "observables", "attractors"):
        if required not in g:
            raise NgdsimFileError(f"{path}: not a complete ngdsim output (no /{required} group"
                                  f"{' in ' + g.name if g.name != '/' else ''})")
    params = g["parameters"]
    if "config" not in params:
        raise NgdsimFileError(f"{path}: not a complete ngdsim output (no {params.name}/config)")
    config = _attrs(params)
    config_text = _text(params["config"])
    config["config"] = config_text
    summary = _attrs(g["summary"])

    obs_group = g["observables"]
    observables, axes, only_for = {}, {}, {}
    edges = None
    h5py = _h5py()

    def walk(group, prefix):
        nonlocal edges
        for key in group.keys():
            obj = group[key]
            name = prefix + key
            if isinstance(obj, h5py.Dataset):
                if name == "histogram_edges":
                    edges = obj[()]
                continue
            if "only_for_landscape" in obj.attrs:
                only_for[name] = _plain(obj.attrs["only_for_landscape"])
            if "value" in obj and isinstance(obj["value"], h5py.Dataset):
                observables[name] = obj["value"][()]
                axes[name] = (obj["step"][()] if "step" in obj else None,
                              obj["time"][()] if "time" in obj else None)
            else:
                walk(obj, name + "/")

    # (not visititems: it skips hard-linked step/time datasets it has already seen)
    walk(obs_group, "")
    if not observables:
        raise NgdsimFileError(f"{path}: no observables in {obs_group.name}")
    missing = [n for n in _REQUIRED_OBSERVABLES if n not in observables]
    if edges is None:
        missing.append("histogram_edges")
    if missing:
        raise NgdsimFileError(f"{path}: not a complete ngdsim output (no "
                              f"{', '.join(obs_group.name + '/' + n for n in missing)})")
    ref = "f/mean"
    step, time = axes[ref]
    if step is None:
        raise NgdsimFileError(f"{path}: observable {ref} has no step axis")
    for name, (s, t) in list(axes.items()):
        axes[name] = (step if s is None else s, time if t is None else t)

    att = g["attractors"]
    missing = [k for k in _ATTRACTOR_FIELDS if k not in att]
    if missing:
        raise NgdsimFileError(f"{path}: not a complete ngdsim output (no "
                              f"{', '.join(att.name + '/' + k for k in missing)})")
    attractors = {k: att[k][()] for k in _ATTRACTOR_FIELDS}

    sample_paths = None
    if "particles/sample/position/value" in g:
        sp = g["particles/sample"]
        sample_paths = {
            "position": sp["position/value"][()],
            "id": sp["id"][()] if "id" in sp else np.arange(sp["position/value"].shape[1]),
            "step": sp["position/step"][()] if "step" in sp["position"] else step,
            "time": sp["position/time"][()] if "time" in sp["position"] else time,
        }

    has_final = "final" in g and "position" in g["final"]
    final_data = None
    if has_final and final:
        fg = g["final"]
        final_data = {k: fg[k][()] for k in _FINAL_FIELDS if k in fg}

    settling = g["settling"] if "settling" in g else None
    first_entry = settling["first_entry_count"][()] if settling is not None else None
    last_entry = settling["last_entry_count"][()] if settling is not None else None

    if label is None and "label" in g.attrs:
        label = _plain(g.attrs["label"])
    return Result(path=str(path), filetype=filetype, version=version, config=config,
                  config_text=config_text, summary=summary, observables=observables,
                  step=step, time=time, axes=axes, histogram_edges=edges,
                  attractors=attractors, sample_paths=sample_paths, final=final_data,
                  has_final=has_final, label=label, first_entry_count=first_entry,
                  last_entry_count=last_entry, only_for=only_for,
                  data={k: params[k][()] for k in params.keys()
                        if k != "config" and isinstance(params[k], h5py.Dataset)})


def _guard(fn, path):
    """Run fn(), turning any read failure into NgdsimFileError."""
    try:
        return fn()
    except NgdsimFileError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as e:
        msg = str(e).split("\n")[0] or type(e).__name__
        raise NgdsimFileError(f"{path}: damaged or incomplete ngdsim output ({msg})") from e


def load(path, final: bool = True) -> Result:
    """Read an ngdsim run file (filetype "ngdsim-run").

    ``final=False`` skips the per-trajectory /final datasets (N rows, possibly large);
    ``result.has_final`` still tells whether the file has them.
    Raises :class:`NgdsimFileError` for anything that is not a readable run file.
    """
    with _open(path) as f:
        def read():
            ft = _filetype(f, path)
            if ft != RUN_FILETYPE:
                raise NgdsimFileError(f"{path}: is an ngdsim sweep file; use ngdsim.load_sweep()")
            return _read_result(f, path, ft, str(_plain(f.attrs.get("version", ""))), final)
        return _guard(read, path)


def load_sweep(path, final: bool = True) -> SweepResult:
    """Read an ngdsim sweep file (filetype "ngdsim-sweep"): the table as a dict of
    column arrays, the varied settings and their values, the point labels and a
    :func:`load`-style :class:`Result` per point.

    Raises :class:`NgdsimFileError` for anything that is not a readable sweep file.
    """
    with _open(path) as f:
        def read():
            ft = _filetype(f, path)
            if ft != SWEEP_FILETYPE:
                raise NgdsimFileError(f"{path}: is an ngdsim run file; use ngdsim.load()")
            version = str(_plain(f.attrs.get("version", "")))
            if "sweep/table" not in f or "points" not in f:
                raise NgdsimFileError(f"{path}: not a complete ngdsim sweep (no /sweep/table "
                                      "or /points)")
            tab = f["sweep/table"]
            sattrs = _attrs(f["sweep"])
            tattrs = _attrs(tab)
            allattrs = {**sattrs, **tattrs}
            columns = [c.strip() for c in str(allattrs.get("columns", "")).split(",") if c.strip()]
            data = tab[()]
            if data.ndim != 2 or data.shape[1] != len(columns):
                raise NgdsimFileError(f"{path}: /sweep/table has shape {data.shape} but "
                                      f"{len(columns)} named columns")
            table = {c: data[:, i] for i, c in enumerate(columns)}
            first_stat = next((i for i, c in enumerate(columns) if c.startswith("p_flat")),
                              len(columns))
            varied = columns[:first_stat]
            values = {k[len("values."):]: [s.strip() for s in str(v).split("|")]
                      for k, v in allattrs.items() if k.startswith("values.")}
            names = sorted(f["points"].keys(), key=int)  # 1000 after 999, not after 100
            if len(names) != data.shape[0]:
                raise NgdsimFileError(f"{path}: {len(names)} point groups but "
                                      f"{data.shape[0]} table rows")
            points = [_read_result(f["points"][n], path, RUN_FILETYPE, version, final)
                      for n in names]
            labels = [p.label if p.label is not None else names[i] for i, p in enumerate(points)]
            config_text = _text(f["sweep/config"]) if "sweep/config" in f else ""
            return SweepResult(path=str(path), version=version, table=table, columns=columns,
                               varied=varied, values=values, labels=labels, points=points,
                               config_text=config_text, attrs=allattrs)
        return _guard(read, path)


def load_any(path, final: bool = True):
    """:func:`load` or :func:`load_sweep`, whichever the file's filetype asks for."""
    with _open(path) as f:
        ft = _guard(lambda: _filetype(f, path), path)
    return load_sweep(path, final) if ft == SWEEP_FILETYPE else load(path, final)


def read_final(path, point: Optional[int] = None) -> Optional[Dict[str, np.ndarray]]:
    """Just the /final datasets of a run file (or of sweep point ``point``); None if absent."""
    with _open(path) as f:
        def read():
            g = f if point is None else f["points"][sorted(f["points"].keys(), key=int)[point]]
            if "final" not in g:
                return None
            return {k: g["final"][k][()] for k in _FINAL_FIELDS if k in g["final"]}
        return _guard(read, path)
