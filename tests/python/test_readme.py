"""The README's commands, in order, at reduced size: every `build/ngdsim ...`,
`ngdsim-plot ...` and `python3 -m ngdsim...` line of its sh blocks and every python
block run in one scratch folder (so later commands see earlier files), with
`--trajectories 2000 --steps 200` appended to run and sweep commands (an `mpirun` line
runs when Open MPI and an MPI build are there). Not run here:
the setup, build and test scripts (CI runs them itself: .ci/run is the README's test
command, and the default study is a C++ test), the benchmarks and the full-size
study and figure scripts (long)."""
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXE = os.path.abspath(os.environ.get("NGDSIM_EXE", os.path.join(ROOT, "build", "ngdsim")))
SKIP = ("bash scripts/", "bash studies/", "python3 bench/", "ctest", "cmake")


def blocks():
    text = open(os.path.join(ROOT, "README.md")).read()
    for lang, body in re.findall(r"```(sh|python)\n(.*?)```", text, re.S):
        if lang == "python":
            yield "python", body
            continue
        for line in body.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line and not line.startswith("#") and not line.startswith(SKIP):
                yield "sh", line


def test_readme_commands_work_as_written(tmp_path):
    for name in ("studies", "docs"):
        os.symlink(os.path.join(ROOT, name), tmp_path / name)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    ran = 0
    for kind, cmd in blocks():
        if kind == "python":
            p = subprocess.run([sys.executable, "-c", cmd], cwd=tmp_path, env=env,
                               capture_output=True, text=True)
        else:
            cmd = cmd.replace("build/ngdsim", EXE)
            if re.search(r"ngdsim (run|sweep)\b", cmd):
                cmd += " --trajectories 2000 --steps 200 --force"
            cmd = re.sub(r"^ngdsim-plot\b", f"{sys.executable} -m ngdsim.plot", cmd)
            if cmd.startswith("mpirun "):
                if not shutil.which("mpirun"):
                    continue
                # CI runs as root, on fewer cores than ranks.
                cmd = cmd.replace("mpirun ", "mpirun --allow-run-as-root --oversubscribe ", 1)
            p = subprocess.run(cmd, shell=True, cwd=tmp_path, env=env, capture_output=True,
                               text=True)
            if cmd.startswith("mpirun ") and "this build has no MPI support" in p.stderr:
                continue
        assert p.returncode == 0, f"README command failed: {cmd}\n{p.stderr[-2000:]}"
        ran += 1
    assert ran >= 6


def test_the_repository_explains_itself():
    """No file points outside the repository for its documentation, and the links of the
    README and docs/ lead to files that exist."""
    outside = re.compile(r"shared/|\.\./shared|(?<![\w/])(landscapes|cli|design|scale_invariant|"
                         r"matrix_sensing)\.md|(?<!docs/)(?<![\w/])output\.md")
    found = []
    for top in ("README.md", "docs", "host", "include", "kernels", "python", "bench", "tests",
                "studies", "scripts"):
        path = os.path.join(ROOT, top)
        files = [path] if os.path.isfile(path) else [
            os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs
            if f.endswith((".md", ".hpp", ".cpp", ".cuh", ".cu", ".py", ".sh", ".toml", ".in"))]
        for f in files:
            if f.endswith("test_readme.py"):
                continue
            in_docs = os.path.dirname(f) == os.path.join(ROOT, "docs")
            for n, line in enumerate(open(f, errors="replace"), 1):
                # docs/ has its own cli.md and output.md: there, a bare name is a sibling.
                if in_docs:
                    line = re.sub(r"(?<![\w/])(cli|output)\.md", "", line)
                if outside.search(line):
                    found.append(f"{os.path.relpath(f, ROOT)}:{n}: {line.strip()}")
    assert not found, "\n".join(found)
    for doc in ["README.md"] + [os.path.join("docs", f) for f in os.listdir(os.path.join(ROOT, "docs"))
                                if f.endswith(".md")]:
        text = open(os.path.join(ROOT, doc)).read()
        for target in re.findall(r"\]\(([^)#]+?)\)", text):
            if target.startswith(("http://", "https://")):
                continue
            assert os.path.exists(os.path.join(ROOT, os.path.dirname(doc), target)), (doc, target)
