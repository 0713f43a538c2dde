"""Running the ngdsim binary from Python.

    import ngdsim
    r = ngdsim.run(trajectories=20000, steps=500)                  # -> ngdsim.Result
    s = ngdsim.sweep(vary={"p": [0.25, 0.5, 1]}, trajectories=20000, steps=500)

The settings are the keys of ngdsim's TOML configuration (`ngdsim run --help`; a
landscape's parameters as ``param={"n": 3}``); they are written to a TOML file and given
to ``ngdsim run --config FILE --out OUT``, whose refusals come back as NgdsimInputError
with its one-line message. The binary is ``exe=``, else $NGDSIM_EXE, else ``ngdsim`` on
the PATH, else the build/ngdsim of the repository this package lies in.
"""
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from typing import Callable, Optional, Union

from .io import load, load_sweep

_REPO_BUILD = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                            "..", "build", "ngdsim"))


class NgdsimError(RuntimeError):
    """The ngdsim binary failed; the message is its one-line report ("ngdsim: ...")."""

    def __init__(self, message, status=None, stderr=""):
        super().__init__(message)
        self.status = status  # the binary's exit status (None: it never ran)
        self.stderr = stderr  # everything it wrote to stderr


class NgdsimInputError(NgdsimError, ValueError):
    """ngdsim refused the settings (exit status 2): the message is its "ngdsim: error:
    ..." line, which names the setting and what is allowed."""


class NgdsimNotFoundError(NgdsimError):
    """No ngdsim binary where it was looked for."""


def find_exe(exe=None):
    """The ngdsim binary: ``exe``, else $NGDSIM_EXE, else ``ngdsim`` on the PATH, else the
    repository's build/ngdsim. Raises NgdsimNotFoundError naming where it looked."""
    def runnable(path):
        return os.path.isfile(path) and os.access(path, os.X_OK)

    if exe is not None:
        found = shutil.which(str(exe)) if os.sep not in str(exe) else str(exe)
        if found and runnable(found):
            return found
        raise NgdsimNotFoundError(f"ngdsim binary not found: exe={str(exe)!r} is not an "
                                  "executable file")
    env = os.environ.get("NGDSIM_EXE")
    if env:
        if runnable(env):
            return env
        raise NgdsimNotFoundError(f"ngdsim binary not found: NGDSIM_EXE={env!r} is not an "
                                  "executable file")
    on_path = shutil.which("ngdsim")
    if on_path:
        return on_path
    if runnable(_REPO_BUILD):
        return _REPO_BUILD
    raise NgdsimNotFoundError(
        "ngdsim binary not found: pass exe=, set NGDSIM_EXE, put ngdsim on the PATH, or "
        f"build it (scripts/build.sh) into {_REPO_BUILD}")


# -- TOML --------------------------------------------------------------------------
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key):
    key = str(key)
    return key if _BARE_KEY.match(key) else _toml_string(key)


def _toml_string(text):
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\t", "\\t").replace("\r", "\\r"))
    return f'"{escaped}"'


def _toml_value(value):
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        value = value.tolist()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)  # shortest round-trip form, a valid TOML float
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as a TOML value")


def to_toml(settings, tables=None):
    """TOML text: ``settings`` as top-level keys, then each of ``tables`` (name -> dict)
    as a [name] table. Raises TypeError for values TOML cannot hold."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in settings.items()]
    for name, table in (tables or {}).items():
        if table:
            lines.append(f"[{_toml_key(name)}]")
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _settings(landscape, optimizer, settings):
    """(top-level keys, {"param": ...}) from run()'s arguments."""
    settings = dict(settings)
    if "param" in settings and "params" in settings:
        raise TypeError("give the landscape parameters once: param= or params=, not both")
    params = settings.pop("param", None) or settings.pop("params", None) or {}
    if not isinstance(params, dict):
        raise TypeError(f"param= takes a dict such as {{'n': 3}}, not {params!r}")
    if "out" in settings:  # keyword-only in run()/sweep(); here only through **settings
        raise TypeError("out= is the output file, not a setting")
    top = {}
    if landscape is not None:
        top["landscape"] = landscape
    if optimizer is not None:
        top["optimizer"] = optimizer
    top.update(settings)
    return top, {"param": params}


# -- progress ----------------------------------------------------------------------
_PERCENT = re.compile(r"^progress:\s*([0-9.]+)%")
_POINT = re.compile(r"^ngdsim sweep: point (\d+) of (\d+)")


def progress_of(line):
    """What a line of ngdsim's stderr says about progress: ("percent", 12.5) from
    "progress: 12.5% of ...", ("point", (i, n)) from "ngdsim sweep: point i of n: ...",
    else None."""
    m = _PERCENT.match(line)
    if m:
        return "percent", float(m.group(1))
    m = _POINT.match(line)
    if m:
        return "point", (int(m.group(1)), int(m.group(2)))
    return None


class _Bar:
    """ngdsim's progress on a tqdm bar (percent of a run, or points of a sweep); its
    other lines above the bar. Plain lines on stderr where tqdm is missing: that works in
    a notebook and in a log alike."""

    def __init__(self, tqdm, sweep):
        self.tqdm, self.sweep = tqdm, sweep
        self.bar = None
        self.point_done = 0

    def __call__(self, line):
        if self.tqdm is None:
            print(line, file=sys.stderr, flush=True)
            return
        what = progress_of(line)
        if self.bar is None:
            self.bar = self.tqdm(total=100.0 if not self.sweep else None, desc="ngdsim",
                                 unit="%" if not self.sweep else "point")
        if what is None:
            self.bar.write(line, file=sys.stderr)
        elif what[0] == "percent" and not self.sweep:
            self.bar.update(max(0.0, what[1] - self.bar.n))
        elif what[0] == "point":
            i, n = what[1]
            self.bar.total = n
            self.bar.update(i - 1 - self.bar.n)  # point i has started: i - 1 are done
            self.bar.set_description(f"ngdsim: point {i} of {n}")

    def close(self, ok):
        if self.bar is not None:
            if ok and self.bar.total:
                self.bar.update(self.bar.total - self.bar.n)
            self.bar.close()


def _reporter(progress, sweep):
    """progress= -> (callable on each stderr line, closer)."""
    if progress is None or progress is False:
        return (lambda line: None), (lambda ok: None)
    if callable(progress):
        return progress, (lambda ok: None)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        tqdm = None
    bar = _Bar(tqdm, sweep)
    return bar, bar.close


# -- running -----------------------------------------------------------------------
def _execute(command, toml_text, out, exe, progress, sweep, extra_args=()):
    """Write the configuration, run ``ngdsim COMMAND --config FILE --out OUT``, stream its
    stderr to ``progress``; returns the output path and the temporary folder (or None)
    that must live as long as the result."""
    binary = find_exe(exe)
    keep = None
    if out is None:
        keep = tempfile.TemporaryDirectory(prefix="ngdsim-")
        out = os.path.join(keep.name, f"{command}.h5")
    out = os.fspath(out)
    with tempfile.TemporaryDirectory(prefix="ngdsim-config-") as confdir:
        config = os.path.join(confdir, f"{command}.toml")
        with open(config, "w", encoding="utf-8") as f:
            f.write(toml_text)
        args = [binary, command, "--config", config, "--out", out, *extra_args]
        try:
            status, stderr = _stream(args, progress, sweep)
        except BaseException:
            if keep is not None:
                keep.cleanup()
            raise
    if status != 0:
        if keep is not None:
            keep.cleanup()
        _raise_failure(status, stderr)
    return out, keep


def _stream(args, progress, sweep):
    """Run args; each stderr line to the progress reporter as it comes (stdout, the
    summary, is read beside it so that neither pipe fills). (status, stderr text)."""
    report, close = _reporter(progress, sweep)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            errors="replace", bufsize=1)
    stdout = []
    reader = threading.Thread(target=lambda: stdout.append(proc.stdout.read()), daemon=True)
    reader.start()
    lines = []
    ok = False
    try:
        for line in proc.stderr:
            line = line.rstrip("\r\n")
            lines.append(line)
            report(line)
        status = proc.wait()
        ok = status == 0
    except BaseException:
        # Interrupted (Ctrl-C in a notebook): stop ngdsim as a terminal's Ctrl-C would:
        # it writes no output, only OUT.checkpoint to resume from.
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        raise
    finally:
        reader.join()
        close(ok)
    return status, "\n".join(lines)


def _raise_failure(status, stderr):
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    reports = [ln for ln in lines if ln.startswith(("ngdsim: error: ", "ngdsim: failed: "))]
    if status < 0:
        message = f"ngdsim was ended by signal {-status}"
    elif reports:
        message = reports[-1]
    elif lines:
        message = lines[-1]
    else:
        message = f"ngdsim exited with status {status} and no message"
    cls = NgdsimInputError if status == 2 else NgdsimError
    raise cls(message, status=status, stderr=stderr)


def _number_text(v):
    """1.0 -> "1", 0.1 -> "0.1": how the point labels read ("alpha0=1")"""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v) if isinstance(v, float) else str(v)


def _vary_texts(vary):
    """sweep()'s vary= as ngdsim's --vary texts ("p=0.25,0.5,1"; ';' between values that
    contain commas, as init boxes do)."""
    if isinstance(vary, dict):
        texts = []
        for key, values in vary.items():
            if hasattr(values, "tolist"):
                values = values.tolist()
            if not isinstance(values, (list, tuple)):
                values = [values]  # one text: a range such as "0:1:0.25"
            if not values:
                raise ValueError(f"vary[{key!r}] has no values")
            words = [_number_text(v) for v in values]
            sep = ";" if any("," in w for w in words) else ","
            texts.append(f"{key}={sep.join(words)}")
        return texts
    if isinstance(vary, (list, tuple)) and vary and all(isinstance(v, str) for v in vary):
        return list(vary)
    raise TypeError("vary= takes a dict {setting: values} or a list of 'KEY=VALUES' texts, "
                    f"not {vary!r}")


def _keep_alive(result, folder):
    """The temporary output folder lives as long as ``result`` does: the result holds
    the TemporaryDirectory, which removes the folder once nothing holds it any more."""
    if folder is not None:
        result.output_folder = folder
    return result


def run(landscape: Optional[str] = None, optimizer: Optional[str] = None, *, out=None,
        exe=None, progress: Union[bool, Callable[[str], None], None] = True, **settings):
    """Run one ngdsim study and return its ngdsim.Result (as ngdsim.load gives it).

    ``settings`` are ngdsim's TOML keys: trajectories, steps, alpha0, p, rho, sigma, seed,
    init ("box:-2,2"), eps (a number or a list), record, backend, precision,
    sample_paths, save_final, divergence_bound, threads, tile, chunk, force (overwrite
    ``out``); ``param=`` (or ``params=``) a dict of landscape parameters ({"n": 3}).
    ``out``: the output file; by default a temporary one that lives as long as the
    result. ``exe``: the ngdsim binary (see find_exe). ``progress``: True shows ngdsim's
    progress (tqdm if installed, else its lines on stderr), False nothing, a callable
    gets each line of ngdsim's stderr.

    Raises NgdsimInputError (a ValueError) with ngdsim's one-line message for settings
    it refuses, NgdsimError when it fails, NgdsimNotFoundError without a binary.
    """
    top, tables = _settings(landscape, optimizer, settings)
    path, folder = _execute("run", to_toml(top, tables), out, exe, progress, sweep=False)
    return _keep_alive(load(path), folder)


def sweep(vary, landscape: Optional[str] = None, optimizer: Optional[str] = None, *,
          out=None, exe=None, progress: Union[bool, Callable[[str], None], None] = True,
          **settings):
    """Run an ngdsim sweep and return its ngdsim.SweepResult (as ngdsim.load_sweep).

    ``vary``: one or two varied settings (a grid), as a dict {"p": [0.25, 0.5, 1],
    "alpha0": [0.5, 1]} (in order; a string value such as "0:1:0.25" or
    "logspace:-2:0:5" is a range), or a list of ngdsim's --vary texts
    ["p=0.25,0.5,1", "param.n=2,3"]. The other arguments are those of run().
    """
    top, tables = _settings(landscape, optimizer, settings)
    # On the command line, not in a [vary] table: ngdsim reads a TOML table's keys in
    # sorted order, and the order of the varied settings is the grid's.
    extra = []
    for text in _vary_texts(vary):
        extra += ["--vary", text]
    path, folder = _execute("sweep", to_toml(top, tables), out, exe, progress, sweep=True,
                            extra_args=extra)
    result = load_sweep(path)
    for point in result.points:  # a point kept alone keeps the file too
        _keep_alive(point, folder)
    return _keep_alive(result, folder)
