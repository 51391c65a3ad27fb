"""Reference values for the statistics core, from SciPy and statsmodels, on fixed data sets.

Writes Tests/OutcomesStatisticsTests/Fixtures/reference-statistics.json, which the Swift tests
compare against (so CI needs no Python). Run: python3 scripts/reference/statistics_reference.py
(needs numpy, scipy, statsmodels). Paired statistics, descriptives and Stuart-Maxwell are in
paired_reference.py.
"""
import json
import math
from pathlib import Path

import numpy as np
import statsmodels.api as sm
from scipy import stats
from scipy.special import gammaln
from scipy.stats.contingency import association
from statsmodels.stats.contingency_tables import Table2x2, mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

OUT = Path(__file__).resolve().parents[2] / "Tests/OutcomesStatisticsTests/Fixtures/reference-statistics.json"


def f(x):
    return None if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))) else float(x)


def proportions():
    cases = []
    for count, n in [(0, 10), (1, 10), (7, 23), (23, 23), (368, 507)]:
        w = proportion_confint(count, n, alpha=0.05, method="wilson")
        cp = proportion_confint(count, n, alpha=0.05, method="beta")
        cases.append({"count": count, "n": n, "wilson": [f(w[0]), f(w[1])], "clopper_pearson": [f(cp[0]), f(cp[1])]})
    two = []
    for c1, n1, c2, n2 in [(45, 60, 30, 58), (5, 40, 1, 38), (120, 200, 118, 210)]:
        diff = confint_proportions_2indep(c1, n1, c2, n2, method="newcomb", compare="diff", alpha=0.05)
        table = Table2x2(np.array([[c1, n1 - c1], [c2, n2 - c2]]))
        two.append({"c1": c1, "n1": n1, "c2": c2, "n2": n2, "difference": [c1 / n1 - c2 / n2, f(diff[0]), f(diff[1])],
                    "relative_risk": [f(table.riskratio), *map(f, table.riskratio_confint(alpha=0.05))],
                    "odds_ratio": [f(table.oddsratio), *map(f, table.oddsratio_confint(alpha=0.05))]})
    return {"single": cases, "two": two}


def hedges_j(m):
    return math.exp(gammaln(m / 2) - gammaln((m - 1) / 2)) / math.sqrt(m / 2)


def two_sample():
    rng = np.random.default_rng(7)
    sets = [
        ("small unequal", [5.1, 4.8, 6.0, 5.5, 4.9, 5.7], [4.2, 4.6, 5.0, 4.1, 4.4, 4.9, 3.8, 4.5, 4.0]),
        ("tied ordinal", [1, 2, 2, 3, 3, 3, 4, 4, 5, 2, 3, 4], [1, 1, 2, 2, 2, 3, 3, 1, 2, 4, 2, 1, 3]),
        ("small exact", [19, 22, 16, 29, 24], [20, 11, 17, 12]),
        ("larger, unequal variances", list(np.round(rng.normal(60, 15, 40), 2)), list(np.round(rng.normal(54, 8, 25), 2))),
        ("one small group no ties", [3.3, 7.1, 5.2], list(np.round(rng.normal(4, 1, 30), 3))),
    ]
    out = []
    for name, x, y in sets:
        x, y = np.array(x, float), np.array(y, float)
        student = stats.ttest_ind(x, y, equal_var=True)
        welch = stats.ttest_ind(x, y, equal_var=False)
        sci, wci = student.confidence_interval(0.95), welch.confidence_interval(0.95)
        mw = stats.mannwhitneyu(x, y)
        n1, n2 = len(x), len(y)
        ties = len(np.unique(np.concatenate([x, y]))) < n1 + n2
        mw_method = "exact" if (min(n1, n2) <= 8 and not ties) else "normal"
        sp = math.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2))
        d = (x.mean() - y.mean()) / sp
        se_d = math.sqrt((n1 + n2) / (n1 * n2) + d * d / (2 * (n1 + n2)))
        z = stats.norm.ppf(0.975)
        j = hedges_j(n1 + n2 - 2)
        out.append({"name": name, "x": list(map(float, x)), "y": list(map(float, y)),
                    "student": [f(student.statistic), f(student.df), f(student.pvalue), f(sci.low), f(sci.high)],
                    "welch": [f(welch.statistic), f(welch.df), f(welch.pvalue), f(wci.low), f(wci.high)],
                    "mann_whitney": {"u1": f(mw.statistic), "p": f(mw.pvalue), "method": mw_method},
                    # Cohen's d and Hedges' g: Hedges & Olkin's large-sample SE, computed here from the formula
                    # (no SciPy/statsmodels function gives these intervals); g uses the exact gamma-function J.
                    "cohens_d": [d, d - z * se_d, d + z * se_d],
                    "hedges_g": [j * d, j * d - z * j * se_d, j * d + z * j * se_d]})
    return out


def contingency():
    tables = [[[12, 5], [3, 10]], [[8, 2], [1, 5]], [[25, 15, 10], [10, 20, 30]], [[3, 1, 0], [2, 4, 1], [0, 2, 6]],
              [[50, 30], [20, 45]]]
    out = []
    for t in tables:
        arr = np.array(t)
        entry = {"table": t}
        chi = stats.chi2_contingency(arr, correction=True)
        plain = stats.chi2_contingency(arr, correction=False)
        entry["chi_square"] = [f(chi.statistic), int(chi.dof), f(chi.pvalue)]
        entry["chi_square_uncorrected"] = [f(plain.statistic), int(plain.dof), f(plain.pvalue)]
        entry["expected"] = plain.expected_freq.tolist()
        entry["cramers_v"] = f(association(arr, method="cramer"))
        if arr.shape == (2, 2):
            fe = stats.fisher_exact(arr)
            entry["fisher"] = [f(fe.statistic), f(fe.pvalue)]
            exact = mcnemar(arr, exact=True)
            chi2 = mcnemar(arr, exact=False, correction=True)
            entry["mcnemar_exact"] = [f(exact.statistic), f(exact.pvalue)]
            entry["mcnemar_chi_square"] = [f(chi2.statistic), f(chi2.pvalue)]
        out.append(entry)
    return out


def multiple():
    p = [0.01, 0.04, 0.03, 0.005, 0.20, 0.049, 0.5]
    return {"p": p, "holm": multipletests(p, method="holm")[1].tolist(), "bh": multipletests(p, method="fdr_bh")[1].tolist()}


def fit_summary(result, names):
    ci = np.asarray(result.conf_int(alpha=0.05))
    return [{"name": n, "estimate": float(b), "se": float(s), "statistic": float(t), "p": float(pv),
             "lower": float(lo), "upper": float(hi)}
            for n, b, s, t, pv, (lo, hi) in zip(names, result.params, result.bse, result.tvalues, result.pvalues, ci)]


def hc1_from_hc0(result, n, k, names):
    se = np.asarray(result.bse) * math.sqrt(n / (n - k))
    z = np.asarray(result.params) / se
    q = stats.norm.ppf(0.975)
    return [{"name": nm, "estimate": float(b), "se": float(s_), "statistic": float(t), "p": float(2 * stats.norm.sf(abs(t))),
             "lower": float(b - q * s_), "upper": float(b + q * s_)}
            for nm, b, s_, t in zip(names, result.params, se, z)]


def regression():
    rng = np.random.default_rng(42)
    n, sites = 240, 12
    site = np.repeat(np.arange(sites), n // sites)
    arm = (site < 6).astype(float)
    baseline = np.round(rng.normal(50, 10, n), 2)
    age = np.round(rng.normal(60, 12, n), 1)
    site_effect = rng.normal(0, 3, sites)[site]
    y = np.round(5 + 3.0 * arm + 0.8 * baseline - 0.05 * age + site_effect + rng.normal(0, 6 + 4 * arm, n), 3)
    X = sm.add_constant(np.column_stack([arm, baseline, age]))
    names = ["(Intercept)", "arm", "baseline", "age"]
    ols = sm.OLS(y, X)
    classical = ols.fit()
    # t inference for the robust fits too (statsmodels' use_t=True, as Stata): t on n - p df for HC1
    # and on G - 1 df with clusters, which is honest with few sites (statsmodels' default is normal).
    hc1 = ols.fit(cov_type="HC1", use_t=True)
    cluster = ols.fit(cov_type="cluster", cov_kwds={"groups": site}, use_t=True)
    logit_y = (rng.random(n) < 1 / (1 + np.exp(-(-4 + 0.8 * arm + 0.07 * baseline)))).astype(float)
    logit = sm.Logit(logit_y, X)
    lc = logit.fit(disp=0, tol=1e-12, maxiter=100)
    # statsmodels' Logit applies no n/(n - k) factor under cov_type="HC1" (it equals HC0 there), so the
    # HC1 reference is its HC0 covariance times n/(n - k), as HC1 is defined and as the toolkit's OLS uses.
    lh = hc1_from_hc0(logit.fit(disp=0, tol=1e-12, maxiter=100, cov_type="HC0"), n, X.shape[1], names)
    lcl = logit.fit(disp=0, tol=1e-12, maxiter=100, cov_type="cluster", cov_kwds={"groups": site}, use_t=True)
    return {"y": y.tolist(), "arm": arm.tolist(), "baseline": baseline.tolist(), "age": age.tolist(), "site": site.tolist(),
            "binary": logit_y.tolist(),
            "ols": {"classical": fit_summary(classical, names), "hc1": fit_summary(hc1, names),
                    "cluster": fit_summary(cluster, names), "r2": float(classical.rsquared),
                    "adj_r2": float(classical.rsquared_adj)},
            "logistic": {"classical": fit_summary(lc, names), "hc1": lh, "cluster": fit_summary(lcl, names),
                         "deviance": float(-2 * lc.llf)}}


def logistic_discrete():
    """A logistic regression whose predictors are all categorical (dummy-coded), as in the process
    associations: 3,000 rows but at most 2 x 3 x 2 x 12 distinct rows, so the toolkit fits it on the
    distinct rows weighted by their counts. statsmodels fits the 3,000 rows themselves."""
    rng = np.random.default_rng(20261124)
    n, sites = 3000, 12
    site = rng.integers(0, sites, n)
    views = rng.integers(0, 3, n)
    direct = (rng.random(n) < 0.4).astype(float)
    eta = -0.6 + 0.9 * (views == 1) + 0.4 * (views == 2) - 0.3 * direct + rng.normal(0, 0.5, sites)[site]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    X = sm.add_constant(np.column_stack([(views == 1).astype(float), (views == 2).astype(float), direct]))
    names = ["(Intercept)", "views=Fully", "views=Partly", "direct"]
    logit = sm.Logit(y, X)
    classical = logit.fit(disp=0, tol=1e-12, maxiter=100)
    hc1 = hc1_from_hc0(logit.fit(disp=0, tol=1e-12, maxiter=100, cov_type="HC0"), n, X.shape[1], names)
    cluster = logit.fit(disp=0, tol=1e-12, maxiter=100, cov_type="cluster", cov_kwds={"groups": site}, use_t=True)
    # The rows as strings of digits (site as a letter A-L), to keep the fixture short.
    return {"y": "".join(str(int(v)) for v in y), "views": "".join(str(v) for v in views),
            "direct": "".join(str(int(v)) for v in direct), "site": "".join(chr(65 + v) for v in site),
            "classical": fit_summary(classical, names), "hc1": hc1, "cluster": fit_summary(cluster, names),
            "deviance": float(-2 * classical.llf)}


def main():
    OUT.write_text(json.dumps({"proportions": proportions(), "two_sample": two_sample(), "contingency": contingency(),
                               "multiple": multiple(), "regression": regression(),
                               "logistic_discrete": logistic_discrete()}, indent=1) + "\n")


if __name__ == "__main__":
    main()
