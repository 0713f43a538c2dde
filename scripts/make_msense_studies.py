"""Writes studies/msense_*.toml: the saddle-escape and low-rank studies on the matrix
sensing data sets A (d = rp = 4, r = 1, m = 8: global minima of higher rank exist) and B
(m = 30: X* is the only PSD solution), whose numbers are in docs/msense.md. Run it after
changing a study's settings here; the files it writes are the ones to commit."""
import os

ROOT = os.path.join(os.path.dirname(__file__), "..")

A8 = ("0.56,0.12,0.41,0.87,0.12,-0.22,1.00,-0.50,0.41,1.00,0.90,0.07,0.87,-0.50,0.07,1.47,"
      "-1.08,-0.18,-0.33,-0.18,-0.18,-0.56,-0.01,0.57,-0.33,-0.01,-0.88,-0.08,-0.18,0.57,-0.08,"
      "0.23,-0.64,0.56,-0.34,-0.89,0.56,0.93,-0.84,-1.09,-0.34,-0.84,0.83,0.56,-0.89,-1.09,0.56,"
      "2.55,-0.61,0.97,0.99,0.99,0.97,-0.84,-0.43,-0.23,0.99,-0.43,-0.68,0.16,0.99,-0.23,0.16,"
      "-0.01,0.71,0.59,-0.06,0.48,0.59,-1.11,-0.75,1.12,-0.06,-0.75,-0.90,1.21,0.48,1.12,1.21,"
      "-0.07,-0.88,0.70,-0.63,0.11,0.70,1.43,-0.19,-0.07,-0.63,-0.19,0.70,0.90,0.11,-0.07,0.90,"
      "-0.23,0.57,-0.60,0.61,0.51,-0.60,1.66,0.79,0.20,0.61,0.79,-0.84,-0.05,0.51,0.20,-0.05,"
      "-0.66,1.22,-1.04,1.19,0.06,-1.04,0.31,0.45,-0.24,1.19,0.45,-0.81,-1.02,0.06,-0.24,-1.02,"
      "-0.24")
B_EXTRA = (
    "0.74,-0.48,-0.03,1.58,-0.48,-1.72,-0.13,-0.15,-0.03,-0.13,0.84,0.88,1.58,-0.15,0.88,0.08,"
    "0.40,1.21,-0.65,0.04,1.21,-0.26,0.49,0.86,-0.65,0.49,0.41,-0.59,0.04,0.86,-0.59,-0.09,"
    "-0.39,-1.01,1.44,-0.36,-1.01,-0.41,-0.14,-0.52,1.44,-0.14,-1.95,-0.12,-0.36,-0.52,-0.12,"
    "-1.06,-0.08,0.33,-0.42,-0.11,0.33,-1.64,-0.36,-0.44,-0.42,-0.36,-1.91,-0.38,-0.11,-0.44,"
    "-0.38,1.39,0.22,0.75,-0.85,0.99,0.75,-0.42,-1.17,0.17,-0.85,-1.17,-0.16,0.32,0.99,0.17,"
    "0.32,0.70,-1.60,0.64,-0.18,0.88,0.64,0.52,-0.17,-1.03,-0.18,-0.17,-0.13,0.61,0.88,-1.03,"
    "0.61,0.66,2.75,-0.57,0.58,0.22,-0.57,-1.30,0.11,-0.14,0.58,0.11,0.24,-0.69,0.22,-0.14,"
    "-0.69,-0.99,-0.86,-0.71,1.03,-1.03,-0.71,1.51,-0.82,-0.23,1.03,-0.82,1.04,0.96,-1.03,"
    "-0.23,0.96,-0.17,-0.01,-2.16,0.71,-0.82,-2.16,-1.18,-1.37,0.64,0.71,-1.37,1.73,0.04,"
    "-0.82,0.64,0.04,1.08,0.11,1.14,-0.15,0.61,1.14,1.55,-0.10,0.94,-0.15,-0.10,-0.02,0.74,"
    "0.61,0.94,0.74,0.76,-0.00,0.43,0.21,0.13,0.43,1.59,0.73,0.23,0.21,0.73,0.30,-0.43,0.13,"
    "0.23,-0.43,0.26,0.41,-1.63,-0.05,-1.25,-1.63,-0.02,0.51,0.10,-0.05,0.51,0.84,1.05,-1.25,"
    "0.10,1.05,-1.28,0.33,0.63,0.28,1.69,0.63,-1.60,-0.82,0.19,0.28,-0.82,0.48,1.07,1.69,0.19,"
    "1.07,1.11,-1.75,-0.65,0.85,0.52,-0.65,0.43,0.47,-0.86,0.85,0.47,-0.43,1.39,0.52,-0.86,"
    "1.39,0.26,0.13,-0.77,-0.37,-0.80,-0.77,0.33,0.34,-1.52,-0.37,0.34,1.26,0.37,-0.80,-1.52,"
    "0.37,0.99,-0.47,-1.05,-1.46,0.44,-1.05,-1.05,0.39,0.12,-1.46,0.39,1.87,0.71,0.44,0.12,"
    "0.71,-1.06,1.37,1.99,0.51,0.51,1.99,1.18,-0.41,-0.17,0.51,-0.41,0.80,-0.20,0.51,-0.17,"
    "-0.20,-0.86,-0.03,0.48,0.08,1.22,0.48,-2.51,0.47,0.40,0.08,0.47,0.76,-0.99,1.22,0.40,"
    "-0.99,-0.51,0.57,-0.40,-0.57,-0.51,-0.40,-0.62,0.71,-0.39,-0.57,0.71,-0.39,0.06,-0.51,"
    "-0.39,0.06,0.45,-1.86,-0.55,-0.04,-1.08,-0.55,-0.34,-0.01,-0.80,-0.04,-0.01,0.55,1.53,"
    "-1.08,-0.80,1.53,0.28,-0.28,0.36,0.48,-1.29,0.36,-0.60,0.12,1.21,0.48,0.12,0.81,-0.81,"
    "-1.29,1.21,-0.81,0.56,0.68,-0.27,0.18,0.59,-0.27,0.51,0.63,0.27,0.18,0.63,-0.42,-0.56,"
    "0.59,0.27,-0.56,-1.95")
DATA = {
    "a": {"m": 8, "A": A8, "Ustar": "0.195,-0.667,-0.051,0.717"},
    "b": {"m": 30, "A": A8 + "," + B_EXTRA, "Ustar": "-0.135,-0.907,0.373,-0.142"},
}

# name -> (comment, optimizer, sigma, init, claim per data set, ci override)
RUNS = {
    "gd_zero": ("GD started exactly at the strict saddle U = 0 never moves: grad f(0) = 0 in "
                "floating point too, so f stays f(0), err = |X*|_F and nothing escapes.",
                "gd", None, "zero",
                {"a": 'p_flat[0] == 0 and summary["p_lowrank"][0] == 1 and summary["escaped"] == 0',
                 "b": 'p_flat[0] == 0 and summary["p_lowrank"][0] == 1 and summary["escaped"] == 0'},
                "--trajectories 200"),
    "gd_small": ("GD from a small random start (normal:0,1e-3) is implicitly regularized: it "
                 "escapes along the top eigenvector of M0 and ends near the rank-1 ground truth, "
                 "the other directions frozen at about their initial size.",
                 "gd", None, "normal:0,1e-3",
                 {"a": 'p_flat[0] >= 0.97 and summary["p_lowrank"][0] >= 0.97',
                  "b": 'p_flat[0] >= 0.97 and summary["p_lowrank"][0] >= 0.97'},
                 "--trajectories 500"),
    "gd_large": ("GD from a large random start (normal:0,0.3) loses the implicit regularization: "
                 "on data A it fits the measurements at a global minimizer of rank > 1 far from X*; "
                 "on data B (no such minimizer) it reaches X* slowly.",
                 "gd", None, "normal:0,0.3",
                 {"a": 'p_flat[0] <= 0.02 and summary["p_lowrank"][0] <= 0.02',
                  "b": 'p_flat[0] <= 0.1 and 0.3 <= summary["p_lowrank"][0] <= 0.56'},
                 "--trajectories 500"),
}
for tag, sigma in (("1e-8", 1e-8), ("1e-4", 1e-4), ("1e-3", 1e-3), ("1e-2", 1e-2)):
    RUNS[f"ipgd_{tag}"] = (None, "ipgd", sigma, "zero", None, "--trajectories 500")
IPGD_TEXT = {
    "1e-8": "IPGD from U = 0 with an infinitesimal perturbation (sigma = 1e-8) escapes the saddle "
            "after about log(1/sigma)/log(1 + alpha0 mu_1) steps and ends at the low-rank ground "
            "truth, at a noise floor of about sigma.",
    "1e-4": "IPGD from U = 0 with sigma = 1e-4 escapes sooner and still ends at the low-rank "
            "ground truth.",
    "1e-3": "IPGD from U = 0 with sigma = 1e-3: the perturbation is large enough to push U along "
            "the flat directions at X* (and, on data A, along the higher-rank minima): low rank "
            "is kept by part of the trajectories only, and less so as k grows.",
    "1e-2": "IPGD from U = 0 with sigma = 1e-2 escapes at once but the low rank is lost: "
            "lam_next settles far above 1e-2.",
}
IPGD_CLAIM = {
    ("a", "1e-8"): 'p_flat[0] >= 0.97 and summary["p_lowrank"][0] >= 0.97 and '
                   'abs(summary["esc_step_median"] - 102) <= 5 and summary["p_escaped"] == 1',
    ("b", "1e-8"): 'p_flat[0] >= 0.97 and summary["p_lowrank"][0] >= 0.97 and '
                   'abs(summary["esc_step_median"] - 140) <= 7 and summary["p_escaped"] == 1',
    ("a", "1e-4"): 'p_flat[0] >= 0.97 and summary["p_lowrank"][0] >= 0.97',
    ("b", "1e-4"): 'p_flat[0] >= 0.97 and summary["p_lowrank"][0] >= 0.97',
    ("a", "1e-3"): '0.13 <= p_flat[0] <= 0.33 and 0.52 <= summary["p_lowrank"][0] <= 0.76',
    ("b", "1e-3"): '0.58 <= p_flat[0] <= 0.8 and summary["p_lowrank"][0] >= 0.92',
    ("a", "1e-2"): 'p_flat[0] <= 0.01 and summary["p_lowrank"][0] <= 0.01',
    ("b", "1e-2"): 'p_flat[0] <= 0.01 and summary["p_lowrank"][0] <= 0.01',
}


def wrap(numbers, per_line=16):
    items = numbers.split(",")
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ",\n       ".join(lines) + "]"


def comment(text):
    words, lines, line = text.split(), [], "#"
    for w in words:
        if len(line) + 1 + len(w) > 92:
            lines.append(line)
            line = "#"
        line += " " + w
    return "\n".join(lines + [line])


def param_block(data):
    return (f"[param]\nd = 4\nrp = 4\nr = 1\nm = {data['m']}\n"
            f"A = {wrap(data['A'])}\nUstar = [{', '.join(data['Ustar'].split(','))}]\n")


def main():
    for key, data in DATA.items():
        label = {"a": "data A (m = 8)", "b": "data B (m = 30)"}[key]
        for name, (text, optimizer, sigma, init, claims, ci) in RUNS.items():
            tag = name.split("_", 1)[1]
            text = text or IPGD_TEXT[tag]
            claim = claims[key] if claims else IPGD_CLAIM[(key, tag)]
            lines = [comment(f"Matrix sensing, {label}, d = rp = 4, r = 1: {text}"),
                     f"# claim: {claim}", f"# ci: {ci}",
                     'landscape = "msense"', f'optimizer = "{optimizer}"', "alpha0 = 0.1",
                     "p = 0.0"]
            if sigma is not None:
                lines.append(f"sigma = {sigma:g}")
            lines += ["steps = 1000", "trajectories = 20000", f'init = "{init}"',
                      "eps = [0.01, 0.1]", "tau = [0.01, 0.0001]", 'record = "log:100"', "",
                      param_block(data)]
            with open(os.path.join(ROOT, "studies", f"msense_{key}_{name}.toml"), "w") as f:
                f.write("\n".join(lines))
    sweep = [comment("Matrix sensing, data A (m = 8): IPGD from U = 0 over the perturbation "
                     "scale. Small sigma escapes the saddle and keeps the low rank; from about "
                     "1e-3 on, the low rank and the ground truth are lost; at 1e-2 even "
                     "P(err <= 0.1) is a few percent (the claim's flat is P(err <= 0.1) per "
                     "point)."),
             "# claim: flat[0] >= 0.97 and flat[1] >= 0.97 and flat[-1] <= 0.1",
             "# ci: --trajectories 300",
             'landscape = "msense"', 'optimizer = "ipgd"', "alpha0 = 0.1", "p = 0.0",
             "steps = 1000", "trajectories = 20000", 'init = "zero"', "eps = [0.01, 0.1]",
             'record = "log:100"', "", "[vary]",
             "sigma = [1e-8, 1e-6, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2]", "",
             param_block(DATA["a"])]
    with open(os.path.join(ROOT, "studies", "msense_a_sweep_sigma.toml"), "w") as f:
        f.write("\n".join(sweep))


if __name__ == "__main__":
    main()
