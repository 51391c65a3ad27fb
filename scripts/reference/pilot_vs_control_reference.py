"""Reference values for the pilot-versus-control analysis, computed independently.

Reads Tests/OutcomesAnalysesTests/Fixtures/small-pvc.csv, scores the quality-of-life index from the
instrument's value table (level 1 = item weight, 2 = 0.8 weight, 3 = 0.4 weight, 4 = 0) and the
wellbeing sum with pandas, then computes with SciPy and statsmodels: follow-up summaries by arm,
Welch's t (unadjusted and on change scores), Newcombe risk difference with chi-square / Fisher,
ANCOVA by OLS with HC1 errors (cov_type="HC1", use_t=True), logistic regression with HC1 errors
(odds ratio), Hedges' g of the adjusted difference, Holm adjustment: the figures of
`allocation: individuals`. The default, arms allocated by site, has every comparison with CR2
errors by site from R's clubSandwich (pilot_vs_control_sites.R, run from here on the scored data,
its figures under "sites"). Also standardised differences at baseline, attrition and the cost-effectiveness point
estimates (bootstrap intervals depend on the random stream and are checked for reproducibility in
Swift instead). Writes small-pvc.expected.json. Run: python3 scripts/reference/pilot_vs_control_reference.py
"""
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from scipy.special import gammaln
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

FIXTURES = Path(__file__).resolve().parents[2] / "Tests/OutcomesAnalysesTests/Fixtures"
WEIGHTS = {"qol_control": 0.15, "qol_care": 0.13, "qol_food": 0.11, "qol_safety": 0.14, "qol_social": 0.12,
           "qol_occupation": 0.12, "qol_home": 0.10, "qol_dignity": 0.13}
SHARE = {1: 1.0, 2: 0.8, 3: 0.4, 4: 0.0}
WB = [f"wb_{i:02d}" for i in range(1, 8)]


def welch(a, b):
    t = stats.ttest_ind(a, b, equal_var=False)
    ci = t.confidence_interval(0.95)
    return {"estimate": float(np.mean(a) - np.mean(b)), "lower": float(ci.low), "upper": float(ci.high), "p": float(t.pvalue)}


def smd_numeric(a, b):
    return float((np.mean(a) - np.mean(b)) / math.sqrt((np.var(a, ddof=1) + np.var(b, ddof=1)) / 2))


def main():
    data = pd.read_csv(FIXTURES / "small-pvc.csv")
    data["qol_index"] = sum(data[item].map(lambda c, w=w: w * SHARE[c]) for item, w in WEIGHTS.items())
    data["wellbeing_score"] = data[WB].sum(axis=1)
    data["unplanned_admission_event"] = (data["unplanned_admission"] == 1).astype(float)
    base = data[data.wave == "baseline"].set_index(["site", "respondent_id"])
    follow = data[data.wave == "followup"].set_index(["site", "respondent_id"])
    both = base.merge(follow, left_index=True, right_index=True, suffixes=("_b", "_f"))
    pilot_b, control_b = base[base.arm == "pilot"], base[base.arm == "control"]
    pilot_f, control_f = follow[follow.arm == "pilot"], follow[follow.arm == "control"]

    outcomes = []
    for outcome, column in [("qol_index", "qol_index"), ("wellbeing_score", "wellbeing_score"),
                            ("unplanned_admission", "unplanned_admission_event")]:
        binary = outcome == "unplanned_admission"
        entry = {"outcome": outcome,
                 "followup_pilot": [len(pilot_f), float(pilot_f[column].mean())],
                 "followup_control": [len(control_f), float(control_f[column].mean())]}
        if binary:
            e1, n1 = int(pilot_f[column].sum()), len(pilot_f)
            e2, n2 = int(control_f[column].sum()), len(control_f)
            lo, hi = confint_proportions_2indep(e1, n1, e2, n2, method="newcomb", compare="diff")
            table = np.array([[e1, n1 - e1], [e2, n2 - e2]])
            chi = stats.chi2_contingency(table, correction=False)
            p = float(chi.pvalue) if chi.expected_freq.min() >= 5 else float(stats.fisher_exact(table).pvalue)
            entry["unadjusted"] = {"estimate": e1 / n1 - e2 / n2, "lower": float(lo), "upper": float(hi), "p": p}
        else:
            entry["unadjusted"] = welch(pilot_f[column], control_f[column])
            change = both[column + "_f"] - both[column + "_b"]
            entry["did"] = welch(change[both.arm_b == "pilot"], change[both.arm_b == "control"])
        # Adjusted model: follow-up ~ arm + baseline + age_group dummies (reference level: the first, 1).
        x = pd.DataFrame({"arm": (both.arm_b == "pilot").astype(float), "baseline": both[column + "_b"]})
        for level in (2, 3):
            x[f"age_{level}"] = (both.age_group_b == level).astype(float)
        x = sm.add_constant(x)
        groups = pd.factorize(both.index.get_level_values("site"))[0]
        y = both[column + "_f"]
        if binary:
            fit = sm.Logit(y, x).fit(disp=0, tol=1e-10, maxiter=200, cov_type="HC0")
            assert fit.mle_retvals["converged"], "the reference logistic fit did not converge"
            # HC1 is HC0 times n / (n - p); statsmodels' Logit leaves the factor out.
            se = math.sqrt(fit.cov_params().loc["arm", "arm"] * len(y) / (len(y) - x.shape[1]))
            z = stats.norm.ppf(0.975)
            b = fit.params["arm"]
            entry["adjusted"] = {"estimate": float(math.exp(b)), "lower": float(math.exp(b - z * se)),
                                 "upper": float(math.exp(b + z * se)), "p": float(2 * stats.norm.sf(abs(b / se)))}
        else:
            fit = sm.OLS(y, x).fit(cov_type="HC1", use_t=True)
            ci = fit.conf_int().loc["arm"]
            entry["adjusted"] = {"estimate": float(fit.params["arm"]), "lower": float(ci[0]), "upper": float(ci[1]),
                                 "p": float(fit.pvalues["arm"])}
            a, b = y[both.arm_b == "pilot"], y[both.arm_b == "control"]
            n1, n2 = len(a), len(b)
            pooled = math.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / (n1 + n2 - 2))
            m = n1 + n2 - 2
            j = math.exp(gammaln(m / 2) - gammaln((m - 1) / 2)) / math.sqrt(m / 2)
            entry["hedges_g"] = [j * entry["adjusted"][k] / pooled for k in ("estimate", "lower", "upper")]
        entry["n_model"] = int(len(y))
        outcomes.append(entry)
    holm = multipletests([o["adjusted"]["p"] for o in outcomes], method="holm")[1]
    for o, p in zip(outcomes, holm):
        o["holm"] = float(p)

    balance = []
    for item, levels in (("age_group", (1, 2, 3)), ("sex", (1, 2, 9))):
        for level in levels:
            p1, p2 = (pilot_b[item] == level).mean(), (control_b[item] == level).mean()
            pooled = math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
            balance.append({"item": item, "level": level, "pilot": float(p1), "control": float(p2),
                            "smd": float((p1 - p2) / pooled) if pooled > 0 else None})  # not computable
    for column in ("qol_index", "wellbeing_score"):
        balance.append({"item": column, "level": None, "pilot": float(pilot_b[column].mean()),
                        "control": float(control_b[column].mean()), "smd": smd_numeric(pilot_b[column], control_b[column])})

    lost = base.index.difference(follow.index)
    attrition = {"baseline_pilot": len(pilot_b), "baseline_control": len(control_b),
                 "lost_pilot": int(sum(base.loc[lost].arm == "pilot")), "lost_control": int(sum(base.loc[lost].arm == "control"))}

    cost_pilot = both[both.arm_b == "pilot"]
    cost_control = both[both.arm_b == "control"]
    delta_cost = cost_pilot.cost_total_f.mean() - cost_control.cost_total_f.mean()
    delta_effect = (cost_pilot.qol_index_f - cost_pilot.qol_index_b).mean() - (cost_control.qol_index_f - cost_control.qol_index_b).mean()
    cost = {"delta_cost": float(delta_cost), "delta_effect": float(delta_effect), "icer": float(delta_cost / delta_effect),
            "net_benefit": [float(t * delta_effect - delta_cost) for t in (20000, 30000)]}
    # Arms allocated by site: the scored data to R's clubSandwich.
    with tempfile.TemporaryDirectory() as folder:
        columns = ["qol_index", "wellbeing_score", "unplanned_admission_event"]
        f = follow.reset_index()[["site", "arm"] + columns].rename(
            columns={"unplanned_admission_event": "unplanned_admission"})
        f["arm"] = (f.arm == "pilot").astype(int)
        f.to_csv(Path(folder) / "followup.csv", index=False)
        l = both.reset_index()
        l = pd.DataFrame({"site": l.site, "arm": (l.arm_b == "pilot").astype(int), "age_group": l.age_group_b,
                          **{f"{c.replace('_event', '')}_{w}": l[f"{c}_{w}"] for c in columns for w in "bf"}})
        l.to_csv(Path(folder) / "linked.csv", index=False)
        subprocess.run(["Rscript", str(Path(__file__).with_name("pilot_vs_control_sites.R")),
                        str(Path(folder) / "followup.csv"), str(Path(folder) / "linked.csv"),
                        str(Path(folder) / "sites.json")], check=True)
        by_site = json.loads((Path(folder) / "sites.json").read_text())
    # inference: wild_bootstrap with Rademacher weights: 6 sites give 2^6 = 64 sign patterns, fewer than
    # B = 9,999, so wildboottest enumerates them and the p-values are exact (wild_bootstrap_reference.py).
    sys.path.insert(0, str(Path(__file__).parent))
    from wild_bootstrap_reference import run as wild_run
    wild = []
    f = follow.reset_index()
    l = both.reset_index()
    for column in ("qol_index", "wellbeing_score"):
        unadjusted = {"y": f[column].to_numpy(float), "predictors": [(f.arm == "pilot").to_numpy(float)],
                      "names": ["arm"], "clusters": pd.factorize(f.site)[0]}
        adjusted = {"y": l[column + "_f"].to_numpy(float),
                    "predictors": [(l.arm_b == "pilot").to_numpy(float), l[column + "_b"].to_numpy(float),
                                   (l.age_group_b == 2).to_numpy(float), (l.age_group_b == 3).to_numpy(float)],
                    "names": ["arm", "baseline", "age2", "age3"], "clusters": pd.factorize(l.site)[0]}
        wild.append({"outcome": column, "unadjusted": wild_run(unadjusted, "arm", 0.0, "rademacher", 9999, 1),
                     "adjusted": wild_run(adjusted, "arm", 0.0, "rademacher", 9999, 1)})
    (FIXTURES / "small-pvc.expected.json").write_text(json.dumps(
        {"outcomes": outcomes, "sites": by_site["outcomes"], "mixed": by_site["mixed"], "wild": wild,
         "balance": balance,
         "attrition": attrition, "cost": cost},
        indent=2) + "\n")


if __name__ == "__main__":
    main()
