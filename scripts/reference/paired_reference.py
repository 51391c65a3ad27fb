"""Reference values for the paired statistics, descriptives and the Stuart-Maxwell test.

Computed with SciPy and statsmodels on fixed data sets and written to
Tests/OutcomesStatisticsTests/Fixtures/reference-paired.json, which the Swift tests compare against.
Run: python3 scripts/reference/paired_reference.py   (needs numpy, scipy, statsmodels)
"""
import json
from pathlib import Path

import numpy as np
from scipy import stats
from statsmodels.stats.contingency_tables import SquareTable

OUT = Path(__file__).resolve().parents[2] / "Tests/OutcomesStatisticsTests/Fixtures/reference-paired.json"


def none_if_nan(x):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


def paired_case(name, before, after, note):
    b = np.array([np.nan if v is None else v for v in before], dtype=float)
    a = np.array([np.nan if v is None else v for v in after], dtype=float)
    keep = ~(np.isnan(b) | np.isnan(a))
    b, a = b[keep], a[keep]
    d = a - b
    t = stats.ttest_rel(a, b)
    ci = t.confidence_interval(0.95)
    # SciPy's defaults (zero_method="wilcox", correction=False, method="auto"), on the differences rounded
    # to 12 significant digits as the toolkit ranks them (so 3.1 - 2.0 and 4.2 - 3.1 tie, as they should).
    ranked = np.array([float(f"{x:.12g}") for x in d])
    w = stats.wilcoxon(ranked)
    n_nonzero = int(np.count_nonzero(ranked))
    ties = len(np.unique(np.abs(ranked[ranked != 0]))) < n_nonzero
    zeros = int(np.sum(ranked == 0))
    if len(d) <= 50 and not ties and zeros == 0:
        method = "exact"
    elif len(d) <= 13:
        method = "permutation"
    else:
        method = "normal"
    mean = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    return {
        "name": name, "note": note, "before": before, "after": after,
        "n": int(len(d)), "n_missing": int(len(before) - len(d)), "zeros": zeros,
        "t": {"mean_difference": float(d.mean()), "sd": float(d.std(ddof=1)), "t": float(t.statistic),
              "df": float(t.df), "p": float(t.pvalue), "lower": float(ci.low), "upper": float(ci.high)},
        "wilcoxon": {"statistic": float(w.statistic), "p": float(w.pvalue), "method": method},
        "mean_ci": {"lower": float(mean[0]), "upper": float(mean[1])},
    }


def summary_case(name, values):
    x = np.array([v for v in values if v is not None], dtype=float)
    ci = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    q1, median, q3 = np.quantile(x, [0.25, 0.5, 0.75])  # linear interpolation (numpy's default)
    return {"name": name, "values": values, "n": int(len(x)), "n_missing": len(values) - len(x),
            "mean": float(x.mean()), "sd": float(x.std(ddof=1)), "se": float(stats.sem(x)),
            "median": float(median), "q1": float(q1), "q3": float(q3), "min": float(x.min()), "max": float(x.max()),
            "lower": float(ci[0]), "upper": float(ci[1])}


def stuart_maxwell_case(name, table, note):
    result = SquareTable(np.array(table), shift_zeros=False).homogeneity(method="stuart_maxwell")
    return {"name": name, "note": note, "table": table, "statistic": none_if_nan(float(result.statistic)),
            "df": int(result.df), "p": none_if_nan(float(result.pvalue))}


def main():
    rng = np.random.default_rng(20261122)
    large_before = np.round(rng.normal(50, 12, 80), 1)
    large_after = np.round(large_before + rng.normal(3, 8, 80), 1)
    paired = [
        paired_case("small, no ties", [48.7, 51.3, 39.0, 62.1, 55.5, 44.4, 58.9, 41.2, 66.0, 50.3],
                    [52.1, 50.2, 45.8, 70.3, 54.0, 52.9, 63.3, 47.5, 71.2, 56.0], "exact signed-rank distribution"),
        paired_case("tied, with zeros, n = 12", [2, 3, 3, 4, 1, 2, 3, 3, 2, 4, 1, 2],
                    [3, 3, 4, 4, 2, 3, 2, 4, 3, 4, 3, 2], "ties and zeros, n <= 13: every sign assignment"),
        paired_case("tied, with zeros, n = 30",
                    [1, 2, 2, 3, 3, 3, 4, 1, 2, 2, 3, 3, 4, 4, 1, 2, 3, 3, 2, 1, 2, 3, 4, 2, 3, 1, 2, 3, 3, 2],
                    [2, 2, 3, 3, 4, 3, 4, 2, 3, 2, 3, 4, 4, 3, 2, 3, 3, 4, 2, 2, 3, 3, 4, 3, 4, 2, 2, 3, 4, 3],
                    "ties and zeros, n > 13: normal approximation with tie correction"),
        paired_case("with missing values", [50, None, 61, 47, 55, 58, 49, None, 66, 52, 44, 57],
                    [54, 60, None, 49, 59, 57, 55, 61, 70, 50, 47, 63], "pairs with a missing value are dropped"),
        paired_case("large, n = 80", large_before.tolist(), large_after.tolist(), "n > 50: normal approximation"),
    ]
    summaries = [
        summary_case("odd n", [3.1, 4.7, 2.2, 9.9, 5.0, 5.0, 7.3]),
        summary_case("even n with missing", [10, None, 12, 15, 11, None, 30, 14]),
    ]
    stuart = [
        stuart_maxwell_case("4 x 4 activation levels", [[20, 10, 5, 1], [6, 25, 12, 3], [2, 8, 30, 10], [0, 2, 6, 18]],
                            "a typical transition table"),
        stuart_maxwell_case("3 x 3", [[12, 5, 1], [3, 20, 4], [0, 2, 9]], "smaller table"),
        stuart_maxwell_case("empty category dropped", [[15, 6, 2], [3, 18, 5], [1, 4, 11]],
                            "the reduced form of a 4 x 4 table whose level 4 is empty at both waves"),
    ]
    OUT.write_text(json.dumps({"paired": paired, "summaries": summaries, "stuart_maxwell": stuart}, indent=2) + "\n")


if __name__ == "__main__":
    main()
