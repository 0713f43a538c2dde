"""What two ngdsim output files must share when they hold the same study: every dataset
but the configuration text (which names the output file), and the summary attributes but
those that describe how the run went (time, rate, device)."""
import h5py
import numpy as np

HOW = {"wall_seconds", "trajectory_steps_per_second", "device", "backend"}


def results_of(path):
    """{dataset path or "summary.ATTR": raw bytes} of an ngdsim output file."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name != "parameters/config":
                out[name] = np.asarray(obj[()]).tobytes()
        f.visititems(visit)
        out.update({"summary." + k: np.asarray(v).tobytes() for k, v in f["summary"].attrs.items()
                    if k not in HOW})
    return out


def assert_same_results(a_path, b_path):
    """Both files hold the same study: every dataset and result attribute byte for byte."""
    a, b = results_of(a_path), results_of(b_path)
    assert a.keys() == b.keys(), set(a) ^ set(b)
    for k in a:
        assert a[k] == b[k], k


def run_and_read(exe, args, d, name):
    """Runs `exe run ARGS --out NAME` in folder d; (results_of the file, standard output)."""
    import subprocess
    r = subprocess.run([exe, "run", *args, "--out", name], cwd=d, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return results_of(d / name), r.stdout


def sweep_contents(path):
    """{dataset or point summary attribute: bytes}, but the configuration texts (which name
    the output file) and what describes how a point ran (its time, rate and device)."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and not name.endswith("config"):
                value = np.asarray(obj[()])
                if name == "sweep/table":  # its last column is each point's wall time
                    value = np.ascontiguousarray(value[:, :-1])
                out[name] = value.tobytes()
            if isinstance(obj, h5py.Group) and name.endswith("/summary"):
                for k, v in obj.attrs.items():
                    if k not in HOW:
                        out[name + "." + k] = np.asarray(v).tobytes()
        f.visititems(visit)
        out["sweep.columns"] = f["sweep"].attrs["columns"]
    return out


def stop_after_first_checkpoint(exe, args, d, out="c.h5"):
    """Starts `exe run ARGS --out OUT` in folder d and sends it SIGINT as soon as
    OUT.checkpoint exists; returns its standard error (it must have exited with 130)."""
    import os
    import signal
    import subprocess
    import time
    p = subprocess.Popen([exe, "run", *args, "--out", out], cwd=d, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    while not os.path.exists(d / (out + ".checkpoint")) and p.poll() is None:
        time.sleep(0.01)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate()
    assert p.returncode == 130, err
    return err

