"""The analyst's baseline: the same evaluation tables computed with pandas, SciPy and statsmodels
straight from the CSV files, as a competent analyst would write it (vectorised, no loops over rows).

Computes, and times:
- the budget holders' outcome table (% positive / no change / negative with Wilson intervals,
  overall and by budget management, support need, views taken into account and site);
- the subgroup comparison (chi-square per domain by budget management and by support need, Holm);
- activation change (score per person, paired t-test overall and by arm);
- pilot against control (quality-of-life index and wellbeing: ANCOVA with cluster-robust errors
  by site, adjusted for baseline, age group and support need).

Writes the figures to OUT/baseline.json for scripts/benchmark/compare.py.
Run: python3 scripts/benchmark/pandas_baseline.py DATA_DIR OUT_DIR
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

OUTCOMES = ["outcome_independence", "outcome_physical_health", "outcome_mental_wellbeing", "outcome_support_wanted",
            "outcome_dignity", "outcome_control_support", "outcome_control_life", "outcome_long_term_condition",
            "outcome_safety", "outcome_paid_supporters", "outcome_family", "outcome_friends", "outcome_where_live",
            "outcome_volunteering", "outcome_paid_job"]
ACTIVATION = [f"act_{i:02d}" for i in range(1, 14)]
WEIGHTS = {"qol_control": 0.15, "qol_care": 0.13, "qol_food": 0.11, "qol_safety": 0.14, "qol_social": 0.12,
           "qol_occupation": 0.12, "qol_home": 0.10, "qol_dignity": 0.13}
SHARE = {1: 1.0, 2: 0.8, 3: 0.4, 4: 0.0}
WB = [f"wb_{i:02d}" for i in range(1, 8)]
timings = {}


def timed(name):
    def wrap(function):
        def run(*args):
            start = time.perf_counter()
            result = function(*args)
            timings[name] = time.perf_counter() - start
            return result
        return run
    return wrap


@timed("read budget-holder.csv")
def read_budget_holders(data):
    return pd.read_csv(data / "budget-holder.csv", usecols=["site", "budget_management", "support_need", "process_views"] + OUTCOMES)


@timed("outcome table")
def outcome_table(d):
    out = {}
    groups = [("overall", None)] + [(v, v) for v in ("budget_management", "support_need", "process_views", "site")]
    for name, column in groups:
        for item in OUTCOMES:
            answers = d[item]
            category = np.select([answers.isin([1, 2]), answers.eq(3), answers.isin([4, 5])], ["positive", "neutral", "negative"], "other")
            frame = pd.DataFrame({"category": category, "group": "all" if column is None else d[column]})
            counts = frame.groupby(["group", "category"]).size().unstack(fill_value=0)
            for group, row in counts.iterrows():
                n = int(row.get("positive", 0) + row.get("neutral", 0) + row.get("negative", 0))
                if n == 0:
                    continue
                low, high = proportion_confint(int(row.get("positive", 0)), n, method="wilson")
                key = f"{name}|{group if column is None or isinstance(group, str) else int(group)}|{item}"
                out[key] = {"n": n, "positive": int(row.get("positive", 0)), "low": float(low), "high": float(high)}
    return out


@timed("subgroup comparison")
def subgroup_comparison(d):
    out = {}
    for column, levels in (("budget_management", [1, 2, 3, 4]), ("support_need", [1, 2, 3, 4, 5, 6])):
        ps = []
        for item in OUTCOMES:
            rows = d[d[column].isin(levels) & d[item].isin([1, 2, 3, 4, 5])]
            table = pd.crosstab(rows[column], rows[item].isin([1, 2]))
            chi = stats.chi2_contingency(table.values)
            ps.append(float(chi.pvalue))
            out[f"{column}|{item}"] = {"chi2": float(chi.statistic), "p": float(chi.pvalue)}
        for item, q in zip(OUTCOMES, multipletests(ps, method="holm")[1]):
            out[f"{column}|{item}"]["holm"] = float(q)
    return out


@timed("read activation.csv")
def read_activation(data):
    return pd.read_csv(data / "activation.csv", usecols=["respondent_id", "site", "arm", "wave"] + ACTIVATION)


@timed("activation change")
def activation_change(a):
    answers = a[ACTIVATION].where(a[ACTIVATION].isin([1, 2, 3, 4]))
    a = a.assign(score=((answers.mean(axis=1) - 1) / 3 * 100).where(answers.notna().sum(axis=1) >= 10))
    wide = a.pivot_table(index=["site", "respondent_id", "arm"], columns="wave", values="score", aggfunc="first").reset_index()
    wide = wide.dropna(subset=["baseline", "followup"])
    out = {}
    for name, rows in [("all", wide)] + [(arm, wide[wide.arm == arm]) for arm in ("pilot", "control")]:
        t = stats.ttest_rel(rows.followup, rows.baseline)
        ci = t.confidence_interval(0.95)
        out[name] = {"n": len(rows), "change": float((rows.followup - rows.baseline).mean()), "low": float(ci.low),
                     "high": float(ci.high), "p": float(t.pvalue)}
    return out


@timed("read quality-of-life.csv")
def read_quality(data):
    return pd.read_csv(data / "quality-of-life.csv", usecols=["respondent_id", "site", "arm", "wave", "age_group", "support_need"]
                       + list(WEIGHTS) + WB)


@timed("pilot vs control")
def pilot_vs_control(q):
    index = sum(q[item].map(SHARE) * weight for item, weight in WEIGHTS.items())
    q = q.assign(qol_index=index, wellbeing=q[WB].where(q[WB].isin([1, 2, 3, 4, 5])).sum(axis=1, min_count=7))
    base = q[q.wave == "baseline"].set_index(["site", "respondent_id"])
    follow = q[q.wave == "followup"].set_index(["site", "respondent_id"])
    out = {}
    for outcome in ("qol_index", "wellbeing"):
        frame = pd.DataFrame({"y": follow[outcome], "baseline": base[outcome], "pilot": (base.arm == "pilot").astype(float),
                              "age_group": base.age_group, "support_need": base.support_need}).dropna().reset_index()
        fit = smf.ols("y ~ pilot + baseline + C(age_group) + C(support_need)", data=frame).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(frame.site)[0]}, use_t=True)
        low, high = fit.conf_int().loc["pilot"]
        out[outcome] = {"n": int(fit.nobs), "effect": float(fit.params["pilot"]), "low": float(low), "high": float(high)}
    return out


def main():
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    start = time.perf_counter()
    d = read_budget_holders(data)
    results = {"outcome_table": outcome_table(d), "subgroup_comparison": subgroup_comparison(d)}
    results["activation_change"] = activation_change(read_activation(data))
    results["pilot_vs_control"] = pilot_vs_control(read_quality(data))
    timings["total"] = time.perf_counter() - start
    results["timings"] = timings
    out.mkdir(parents=True, exist_ok=True)
    (out / "baseline.json").write_text(json.dumps(results, indent=1))
    (out / "timings.txt").write_text("".join(f"    pandas {name}: {seconds:.2f} s\n" for name, seconds in timings.items()))


if __name__ == "__main__":
    main()
