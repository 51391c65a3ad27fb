"""Reference values for the POET-depth analyses, computed independently with pandas, SciPy and
statsmodels from the small fixed data set (make_small_poet.py).

- subgroup comparison: % positive per level; scipy.stats.chi2_contingency (Yates for 2 x 2), or
  Fisher's exact test (exhaustive enumeration in exact fractions, fisher_groups_reference.exact_p)
  when an expected count is below 5; Holm across domains with statsmodels multipletests;
- process associations: statsmodels Logit of positive (vs no change or negative) on the process
  dummies and covariate dummies; odds ratios, Wald 95% intervals, p; Benjamini-Hochberg across
  domains; with classical errors (`estimates`) and with errors clustered by site (`estimates_by_site`:
  `fit(cov_type="cluster", cov_kwds={"groups": site})`, statsmodels' CR1 factor, t on G - 1 df with use_t=True); a model statsmodels flags with perfect separation (or fitted probabilities of 0 or 1) is
  recorded as not computed;
- outcome index: per respondent (better - worse), mean with scipy.stats.t.interval, SD, quartiles;
- distribution: counts and statsmodels Wilson intervals, the top share, and its test by group.

Writes Tests/OutcomesAnalysesTests/Fixtures/small-poet.expected.json.
Run: python3 scripts/reference/poet_reference.py   (needs pandas, scipy, statsmodels)
"""
import json
import subprocess
import tempfile
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fisher_groups_reference import exact_p  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[2] / "Tests/OutcomesAnalysesTests/Fixtures"
OUTCOMES = ["outcome_independence", "outcome_safety", "outcome_paid_job", "outcome_volunteering"]
POSITIVE, ANSWERED = {1, 2}, {1, 2, 3, 4, 5}
MANAGEMENT = {1: "Direct payment", 2: "Council-managed", 3: "Provider-managed", 9: "Don't know"}
NEED = {1: "Physical", 2: "Learning", 3: "Mental health"}
VIEWS = {1: "Fully", 2: "Partly", 3: "Not at all"}


def adjust(p, method):
    p = np.array(p, dtype=float)
    out = np.full(len(p), np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method=method)[1]
    return [None if np.isnan(v) else float(v) for v in out]


def test_groups(table):
    """chi-square, or Fisher's exact test when an expected count is below 5; None if no test."""
    table = [row for row in table if sum(row) > 0]
    if len(table) < 2 or sum(r[0] for r in table) == 0 or sum(r[1] for r in table) == 0:
        return None
    chi = stats.chi2_contingency(np.array(table), correction=True)
    smallest = float(chi.expected_freq.min())
    if smallest >= 5:
        return {"method": "chi_square", "statistic": float(chi.statistic), "df": int(chi.dof), "p": float(chi.pvalue),
                "smallest_expected": smallest}
    return {"method": "fisher_exact", "p": exact_p(table)[0], "smallest_expected": smallest}


def levels_of(frame, column, labels):
    """(label, rows, tested) per level: the item's codes in order, then "Not stated" if anyone."""
    out = [(label, frame[frame[column] == code], code != 9) for code, label in labels.items()]
    missing = frame[frame[column].isna()]
    if len(missing):
        out.append(("Not stated", missing, False))
    return out


def subgroup_comparison(d):
    variables = []
    sites = {s: s for s in sorted(d.site.unique())}
    for column, labels in (("budget_management", MANAGEMENT), ("support_need", NEED), ("site", sites)):
        levels = levels_of(d, column, labels)
        domains = []
        for item in OUTCOMES:
            per_level, table = [], []
            for label, rows, tested in levels:
                answering = rows[item].isin(ANSWERED).sum()
                positive = rows[item].isin(POSITIVE).sum()
                lower, upper = proportion_confint(positive, answering, method="wilson") if answering else (None, None)
                per_level.append({"level": label, "responses": len(rows), "answering": int(answering), "positive": int(positive),
                                  "lower": None if lower is None else float(lower), "upper": None if upper is None else float(upper)})
                if tested:
                    table.append([int(positive), int(answering - positive)])
            domains.append({"item": item, "levels": per_level, "n": sum(map(sum, table)), "test": test_groups(table)})
        adjusted = adjust([dm["test"]["p"] if dm["test"] else np.nan for dm in domains], "holm")
        for dm, q in zip(domains, adjusted):
            dm["p_adjusted"] = q
        variables.append({"variable": column, "domains": domains})
    return variables


CR2_SCRIPT = """
suppressMessages({ library(clubSandwich); library(jsonlite) })
d <- read.csv(commandArgs(trailingOnly = TRUE)[1], check.names = FALSE)
x <- as.matrix(d[, setdiff(names(d), c("y", "site"))])
fit <- glm(d$y ~ x, family = binomial, control = glm.control(epsilon = 1e-14, maxit = 100))
vc <- vcovCR(fit, cluster = d$site, type = "CR2")
test <- coef_test(fit, vcov = vc, test = "Satterthwaite")
ci <- conf_int(fit, vcov = vc, level = 0.95, test = "Satterthwaite")
cat(toJSON(list(b = unname(coef(fit)), lower = ci$CI_L, upper = ci$CI_U, p = test$p_Satt, df = test$df_Satt),
           digits = NA))
"""


def cr2_by_r(y, design, groups, contrasts):
    """CR2 errors by site with Satterthwaite df from R's clubSandwich (glm), for the contrasts."""
    with tempfile.TemporaryDirectory() as folder:
        data = design.drop(columns="const").copy()
        data["y"], data["site"] = y.values, groups
        data.to_csv(Path(folder) / "model.csv", index=False)
        out = subprocess.run(["Rscript", "-e", CR2_SCRIPT, str(Path(folder) / "model.csv")], check=True,
                             capture_output=True, text=True).stdout
    r = json.loads(out)
    names = list(design.columns)
    return {c: {"or": float(np.exp(r["b"][names.index(c)])), "lower": float(np.exp(r["lower"][names.index(c)])),
                "upper": float(np.exp(r["upper"][names.index(c)])), "p": float(r["p"][names.index(c)]),
                "df": float(r["df"][names.index(c)])} for c in contrasts}


def process_associations(d):
    x = pd.DataFrame(index=d.index)
    x["budget_management=Direct payment"] = (d.budget_management == 1).astype(float)
    x["process_views=Fully"] = (d.process_views == 1).astype(float)
    x["process_views=Partly"] = (d.process_views == 2).astype(float)
    x["process_planning=Easy"] = (d.process_planning == 1).astype(float)
    for code in (2, 3):
        x[f"age_band={code}"] = (d.age_band == code).astype(float)
        x[f"support_need={code}"] = (d.support_need == code).astype(float)
    complete = (d.budget_management.isin([1, 2, 3]) & d.process_views.isin([1, 2, 3]) & d.process_planning.isin([1, 2, 3])
                & d.age_band.notna() & d.support_need.notna())
    contrasts = ["budget_management=Direct payment", "process_views=Fully", "process_views=Partly", "process_planning=Easy"]
    domains = []
    for item in OUTCOMES:
        answered = d[item].isin(ANSWERED)
        rows = answered & complete
        y = d.loc[rows, item].isin(POSITIVE).astype(float)
        design = sm.add_constant(x.loc[rows])
        groups = pd.factorize(d.loc[rows, "site"])[0]
        entry = {"item": item, "n": int(rows.sum()), "positive": int(y.sum()), "sites": int(len(set(groups))),
                 "not_applicable": int((d[item] == 8).sum()), "outcome_missing": int(d[item].isna().sum()),
                 "predictor_missing": int((answered & ~complete).sum()), "estimates": None, "not_computed": None}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = sm.Logit(y, design).fit(disp=0, maxiter=100)
                fitted = fit.predict(design)
                separated = (any("separation" in str(w.message).lower() for w in caught)
                             or (fitted < 1e-8).any() or (fitted > 1 - 1e-8).any() or not fit.mle_retvals["converged"])
            except Exception as error:  # perfect separation raised as an error
                separated, fit = "separation" in str(error).lower() or True, None
        if separated:
            entry["not_computed"] = "separation"
        else:
            clustered = sm.Logit(y, design).fit(disp=0, maxiter=100, cov_type="cluster", cov_kwds={"groups": groups},
                                                use_t=True)
            for key, f in (("estimates", fit), ("estimates_by_site", clustered)):
                ci = f.conf_int(0.05)
                entry[key] = {c: {"or": float(np.exp(f.params[c])), "lower": float(np.exp(ci.loc[c, 0])),
                                  "upper": float(np.exp(ci.loc[c, 1])), "p": float(f.pvalues[c])} for c in contrasts}
            entry["estimates_cr2"] = cr2_by_r(y, design, groups, contrasts)
        domains.append(entry)
    for key in ("estimates", "estimates_by_site", "estimates_cr2"):
        for c in contrasts:
            adjusted = adjust([dm[key][c]["p"] if dm.get(key) else np.nan for dm in domains], "fdr_bh")
            for dm, q in zip(domains, adjusted):
                if dm.get(key):
                    dm[key][c]["p_adjusted"] = q
    return {"contrasts": contrasts, "domains": domains}


def summary(values):
    v = np.array(values, dtype=float)
    if len(v) < 2:
        return None
    mean, sd = v.mean(), v.std(ddof=1)
    lower, upper = stats.t.interval(0.95, len(v) - 1, loc=mean, scale=sd / np.sqrt(len(v)))
    return {"n": len(v), "mean": float(mean), "lower": float(lower), "upper": float(upper), "sd": float(sd),
            "median": float(np.percentile(v, 50)), "q1": float(np.percentile(v, 25)), "q3": float(np.percentile(v, 75)),
            "min": float(v.min()), "max": float(v.max())}


def outcome_index(d):
    better = sum(d[item].isin(POSITIVE).astype(int) for item in OUTCOMES)
    worse = sum(d[item].isin({4, 5}).astype(int) for item in OUTCOMES)
    answered = sum(d[item].isin(ANSWERED).astype(int) for item in OUTCOMES)
    index = (better - worse)[answered > 0]
    groups = [{"level": None, "responses": len(d), "summary": summary(index)}]
    for label, rows, _ in levels_of(d, "budget_management", MANAGEMENT):
        groups.append({"level": label, "responses": len(rows), "summary": summary(index[index.index.isin(rows.index)])})
    counts = index.value_counts().sort_index()
    return {"unscored": int((answered == 0).sum()), "distribution": [[int(k), int(v)] for k, v in counts.items()],
            "mean_answered": float(answered[answered > 0].mean()), "groups": groups}


def distribution(d):
    item = "confidence_needs_met"

    def group(rows):
        answers = rows[item].dropna()
        n = len(answers)
        out = {"responses": len(rows), "n": n, "missing": int(rows[item].isna().sum()), "answers": []}
        for code in (1, 2, 3):
            k = int((answers == code).sum())
            lower, upper = proportion_confint(k, n, method="wilson")
            out["answers"].append({"count": k, "lower": float(lower), "upper": float(upper)})
        top = int(answers.isin([1, 2]).sum())
        lower, upper = proportion_confint(top, n, method="wilson")
        out["top"] = {"count": top, "lower": float(lower), "upper": float(upper)}
        return out

    variables = []
    for column, labels in (("process_views", VIEWS), ("budget_management", MANAGEMENT)):
        groups, table = [], []
        for label, rows, tested in levels_of(d, column, labels):
            g = group(rows)
            g["level"] = label
            groups.append(g)
            if tested:
                table.append([g["top"]["count"], g["n"] - g["top"]["count"]])
        variables.append({"variable": column, "groups": groups, "test": test_groups(table)})
    return {"overall": group(d), "variables": variables}


def main():
    d = pd.read_csv(FIXTURES / "small-poet.csv", dtype={"wave": str})
    out = {"subgroup_comparison": subgroup_comparison(d), "process_associations": process_associations(d),
           "outcome_index": outcome_index(d), "distribution": distribution(d)}
    (FIXTURES / "small-poet.expected.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
