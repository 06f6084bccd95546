"""Writes the generated section of docs/VALIDATION.md from the calibration's outputs (run.sh, step 5).

    python experiments/calibration/report.py [--timing experiments/calibration/timing.json]

Reads docs/posterior_report.json (fit), docs/posterior_checks.json and docs/posterior_predictive.json
(predictive checks), docs/sbc.json (SBC) and replaces the text between the markers
``<!-- posterior:begin -->`` and ``<!-- posterior:end -->`` in docs/VALIDATION.md. Every number in
that section comes from these files; the prose around it is written by hand.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BEGIN, END = "<!-- posterior:begin -->", "<!-- posterior:end -->"


def _transition(tr: dict) -> str:
    """The proposal kernel and its setting, as the fit ran it."""
    kind = tr.get("kind", "?")
    if kind == "mvn":
        return f"mvn (pyabc's MultivariateNormalTransition, covariance x {float(tr.get('scaling', 1.0)):g})"
    if kind == "local":
        return f"local (pyabc's LocalTransition, k_fraction {float(tr.get('k_fraction', 0.25)):g})"
    return str(kind)


def _load(name: str) -> dict | list | None:
    p = DOCS / name
    return json.loads(p.read_text()) if p.exists() else None


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def fit_section(rep: dict) -> list[str]:
    """Screening, generations and the identification table."""
    out = ["### Screening (Morris, SALib)", ""]
    scr = rep["screening"]
    out.append(
        f"{scr.get('simulations', 0)} simulations, {scr.get('seconds', 0)} s. Effect = the largest, over the targets, "
        "of the parameter's Morris mu* on the target's z-score divided by the seed dummy's; frozen when at most "
        f"{scr.get('freeze_factor', '?')}."
    )
    out += ["", "| parameter | effect (x noise) | frozen | moves most |", "|---|---|---|---|"]
    for r in sorted(scr["rows"], key=lambda r: -r["effect"]):
        out.append(
            f"| {r['name']} | {r['effect']:.2f} | {'yes' if r['frozen'] else 'no'} | {', '.join(r['moves_most'])} |"
        )
    out += ["", "### ABC-SMC", ""]
    gens = rep["generations"]
    out.append(
        f"{rep['population_size']} particles; tolerance (root mean square z) by generation: "
        + ", ".join(f"{g['epsilon']:.3g}" for g in gens)
        + f"; {sum(g['simulations'] for g in gens)} simulations; {rep['seconds']['abc']} s "
        f"(screening {rep['seconds']['screening']} s). Transition: {_transition(rep.get('transition', {}))}. "
        f"Effective sample size of the last generation: {rep.get('effective_sample_size', float('nan')):.1f} of "
        f"{rep['population_size']} particles (1 / sum of squared normalised weights)."
    )
    out += [
        "",
        "| parameter | posterior mean (the default calibration) | 90% interval | prior | sd posterior / prior "
        "| mass near lower / upper bound |",
        "|---|---|---|---|---|---|",
    ]
    for r in rep["identification"]:
        out.append(
            f"| `{r['key']}` | {_fmt(r['mean'])} | {_fmt(r['q05'])}-{_fmt(r['q95'])} | [{_fmt(r['lower'])}, "
            f"{_fmt(r['upper'])}] ({r['scale']}) | {r['sd_ratio']:.2f} | {r['mass_near_lower']:.2f} / "
            f"{r['mass_near_upper']:.2f} |"
        )
    corr = rep["correlations"]
    strong = sorted(
        {(min(a, b), max(a, b), v) for a, row in corr.items() for b, v in row.items() if a != b and abs(v) >= 0.4},
        key=lambda t: -abs(t[2]),
    )
    out += [
        "",
        "Posterior correlations with |r| >= 0.4: "
        + (", ".join(f"{a} / {b} {v:+.2f}" for a, b, v in strong) or "none")
        + ".",
    ]
    return out


def checks_section(checks: dict, rows: list) -> list[str]:
    """Coverage, the per-target table and the done-when figures."""
    c = checks["coverage"]
    out = [
        "### Posterior predictive checks",
        "",
        f"{checks['draws']} runs of `history` with `calibration=posterior` (fresh seeds, scale {checks['scale']}). "
        f"**Coverage: {c['inside']} of {c['observed_points']} observed points ({100 * c['share']:.0f}%) lie inside "
        f"their 90% bands**; with the changes and soft targets, {c['all_inside']} of {c['all_targets']}.",
        "",
        "| target | observed | median | 90% band | inside |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['key']} | {_fmt(r['observed'])} | {_fmt(r['median'])} | {_fmt(r['lo90'])}-{_fmt(r['hi90'])} | "
            f"{'yes' if r['inside'] else '**no**'} |"
        )
    dw = checks["done_when"]
    out += [
        "",
        f"### Issue 10's done-when figures (`history`, `calibration=posterior_mean`, {checks['check_seeds']} seeds)",
        "",
        "Mean over the seeds (min-max).",
        "",
    ]
    out += ["| figure | data | model |", "|---|---|---|"]
    data = {"invest_share_cn_2017": 44.4, "invest_share_cn_2018": 37.3, "invest_share_cn_2014": 58.5}
    data |= {f"talent_in_cn_{y}": v for y, v in ((2016, 407), (2017, 405), (2018, 404), (2019, 395))}
    data |= {
        f"talent_abroad_total_{y}": v for y, v in zip(range(2014, 2020), (726, 724, 728, 736, 737, 739), strict=True)
    }
    for k, d in data.items():
        m = dw[k]
        out.append(f"| {k} | {d:g} | {m['mean']:.4g} ({m['min']:.4g}-{m['max']:.4g}) |")
    return out


def sbc_section(sbc: dict) -> list[str]:
    """The SBC table."""
    out = [
        "### Simulation-based calibration",
        "",
        f"{sbc['truths']} synthetic data sets, rejection ABC on {sbc['reference']} prior simulations, "
        f"{sbc['accept']} accepted each ({sbc['seconds']} s). Mean rank 0.5 = unbiased; a small chi-square p "
        "= ranks not uniform.",
        "",
        "| parameter | mean rank | chi-square p |",
        "|---|---|---|",
    ]
    out += [f"| {r['name']} | {r['mean_rank']:.2f} | {r['chi2_p']:.3f} |" for r in sbc["parameters"]]
    return [*out, "", "![SBC ranks](figures/sbc_ranks.png)"]


def main(argv: list[str] | None = None) -> None:
    """CLI."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timing", default=str(Path(__file__).with_name("timing.json")))
    a = ap.parse_args(argv)
    lines = [BEGIN, "<!-- generated by experiments/calibration/report.py: do not edit by hand -->", ""]
    rep, checks, rows, sbc = (_load(n) for n in ("posterior_report.json", "posterior_checks.json",
                                                  "posterior_predictive.json", "sbc.json"))  # fmt: skip
    if Path(a.timing).exists():
        t = json.loads(Path(a.timing).read_text())
        lines += [
            "Time of each step of `experiments/calibration/run.sh` (seconds, "
            f"{t.pop('n_jobs', '?')} processes): " + ", ".join(f"{k} {v}" for k, v in t.items()) + ".",
            "",
        ]
    if rep:
        lines += [*fit_section(rep), ""]
    if checks and rows:
        lines += [*checks_section(checks, rows), ""]
        series = sorted({r["series"] for r in rows if r["kind"] == "level"})
        lines += [f"![{s}](figures/ppc_{s}.png)" for s in series] + [""]
    if sbc:
        lines += [*sbc_section(sbc), ""]
    lines.append(END)
    path = DOCS / "VALIDATION.md"
    text = path.read_text()
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + "\n".join(lines) + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    path.write_text(text)
    print(f"wrote the generated section of {path}")


if __name__ == "__main__":
    main()
