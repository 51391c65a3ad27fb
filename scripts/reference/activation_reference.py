"""Reference values for the scale-change (activation) analysis, computed independently.

Reads Tests/OutcomesAnalysesTests/Fixtures/small-activation.csv, scores it with pandas (mean of
answered items 1-4, code 8 and blanks unanswered, at least 10 of 13, rescaled to 0-100, levels at
47.0 / 55.1 / 67.0), links baseline and follow-up by site and respondent, and computes for every
group (everyone, each arm, each support need): level counts, transitions, % up / same / down with
statsmodels' Wilson intervals, the paired t-test and its interval (SciPy), the Wilcoxon signed-rank
test (SciPy defaults), Stuart-Maxwell (statsmodels) and mean change by baseline level (t interval).
Writes small-activation.expected.json. Run: python3 scripts/reference/activation_reference.py
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import SquareTable
from statsmodels.stats.proportion import proportion_confint

FIXTURES = Path(__file__).resolve().parents[2] / "Tests/OutcomesAnalysesTests/Fixtures"
ITEMS = [f"act_{i:02d}" for i in range(1, 14)]
NEEDS = {1: "Physical disability", 2: "Learning disability", 3: "Mental health", 4: "Older person",
         5: "Long-term condition", 6: "Other"}


def level(score):
    return 1 if score <= 47.0 else 2 if score <= 55.1 else 3 if score <= 67.0 else 4


def score_rows(frame):
    answers = frame[ITEMS].where(frame[ITEMS].isin([1, 2, 3, 4]))
    answered = answers.notna().sum(axis=1)
    mean = answers.mean(axis=1)
    return ((mean - 1) / 3 * 100).where(answered >= 10)


def wilson(count, n):
    if n == 0:
        return None
    lo, hi = proportion_confint(count, n, alpha=0.05, method="wilson")
    return {"p": count / n, "lower": float(lo), "upper": float(hi)}


def singular(table):
    """Whether the Stuart-Maxwell covariance (last category dropped) is singular, by exact rank."""
    from fractions import Fraction
    k = len(table) - 1
    v = [[Fraction(int(table[i][i]) * 0) for _ in range(k)] for i in range(k)]
    for i in range(k):
        for j in range(k):
            v[i][j] = (Fraction(int(table[i].sum() + table[:, i].sum() - 2 * table[i][i])) if i == j
                       else Fraction(-int(table[i][j] + table[j][i])))
    rank = 0
    for col in range(k):  # Gaussian elimination in exact fractions
        pivot = next((r for r in range(rank, k) if v[r][col] != 0), None)
        if pivot is None:
            continue
        v[rank], v[pivot] = v[pivot], v[rank]
        for r in range(k):
            if r != rank and v[r][col] != 0:
                factor = v[r][col] / v[rank][col]
                v[r] = [a - factor * b for a, b in zip(v[r], v[rank])]
        rank += 1
    return rank < k


def group_figures(pairs):
    b, f = pairs["score_b"].to_numpy(), pairs["score_f"].to_numpy()
    lb, lf = pairs["score_b"].map(level).to_numpy(), pairs["score_f"].map(level).to_numpy()
    transitions = [[int(np.sum((lb == i) & (lf == j))) for j in range(1, 5)] for i in range(1, 5)]
    n = len(pairs)
    out = {"n": n, "transitions": transitions,
           "up": wilson(int(np.sum(lf > lb)), n), "same": wilson(int(np.sum(lf == lb)), n),
           "down": wilson(int(np.sum(lf < lb)), n),
           "mean_baseline": float(b.mean()) if n else None, "mean_followup": float(f.mean()) if n else None}
    if n >= 2 and np.std(f - b) > 0:
        t = stats.ttest_rel(f, b)
        ci = t.confidence_interval(0.95)
        out["t"] = {"mean": float((f - b).mean()), "p": float(t.pvalue), "lower": float(ci.low), "upper": float(ci.high)}
        # Ranked after rounding to 12 significant digits, as the toolkit does, so that equal changes
        # computed by two routes tie (SciPy itself ranks the raw floating-point values).
        w = stats.wilcoxon(np.array([float(f"{x:.12g}") for x in f - b]))
        out["wilcoxon"] = {"statistic": float(w.statistic), "p": float(w.pvalue)}
    # Stuart-Maxwell on the levels present at either wave (the toolkit drops levels empty at both).
    # A covariance that is singular in exact arithmetic may invert in floating point (numpy then returns
    # a meaningless number); the toolkit reports such tables as not computed, so the reference does too.
    used = [i for i in range(4) if sum(transitions[i]) + sum(r[i] for r in transitions) > 0]
    reduced = np.array([[transitions[i][j] for j in used] for i in used])
    if len(used) >= 2 and singular(reduced):
        out["stuart_maxwell"] = None
    elif len(used) >= 2:
        with warnings.catch_warnings():  # a singular covariance is expected in some groups: NaN, recorded as None
            warnings.simplefilter("ignore")
            sm = SquareTable(reduced, shift_zeros=False).homogeneity()
        out["stuart_maxwell"] = None if np.isnan(sm.statistic) else {"statistic": float(sm.statistic), "df": int(sm.df), "p": float(sm.pvalue)}
    by_level = []
    for i in range(1, 5):
        d = (f - b)[lb == i]
        if len(d) >= 2:
            lo, hi = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
            by_level.append({"n": int(len(d)), "mean": float(d.mean()), "lower": float(lo), "upper": float(hi)})
        else:
            by_level.append({"n": int(len(d)), "mean": None, "lower": None, "upper": None})
    out["by_baseline_level"] = by_level
    return out


def main():
    data = pd.read_csv(FIXTURES / "small-activation.csv")
    data["score"] = score_rows(data)
    base = data[data["wave"] == "baseline"].set_index(["site", "respondent_id"])
    follow = data[data["wave"] == "followup"].set_index(["site", "respondent_id"])
    both = base.merge(follow, how="inner", left_index=True, right_index=True, suffixes=("_b", "_f"))
    linked = both[both["score_b"].notna() & both["score_f"].notna()]
    linking = {"linked": len(linked), "baseline_only": len(base.index.difference(follow.index)),
               "followup_only": len(follow.index.difference(base.index)), "unscored": len(both) - len(linked)}
    groups = [{"variable": None, "level": None, **group_figures(linked)}]
    for arm in ["pilot", "control"]:
        groups.append({"variable": "Arm", "level": arm.capitalize(), **group_figures(linked[linked["arm_b"] == arm])})
    for code, label in NEEDS.items():
        groups.append({"variable": "Main support need", "level": label,
                       **group_figures(linked[linked["support_need_b"] == code])})
    (FIXTURES / "small-activation.expected.json").write_text(
        json.dumps({"linking": linking, "groups": groups}, indent=2) + "\n")


if __name__ == "__main__":
    main()
