"""Reference values for the outcome table, computed independently with pandas and statsmodels.

Reads Tests/OutcomesAnalysesTests/Fixtures/small-survey.csv and writes small-survey.expected.json:
for the whole cohort and each subgroup level, per outcome item, the counts and the 95% Wilson
intervals of % positive / no change / negative, from
statsmodels.stats.proportion.proportion_confint(method="wilson").

Run: python3 scripts/reference/outcome_table_reference.py   (needs pandas, statsmodels)
"""
import json
from pathlib import Path

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

FIXTURES = Path(__file__).resolve().parents[2] / "Tests/OutcomesAnalysesTests/Fixtures"
ITEMS = ["outcome_independence", "outcome_safety"]
POSITIVE, NEUTRAL, NEGATIVE, NOT_APPLICABLE, DONT_KNOW = {1, 2}, {3}, {4, 5}, {8}, {9}
MANAGEMENT = {1: "Direct payment", 2: "Council-managed", 3: "Provider-managed"}


def interval(count, n):
    if n == 0:
        return {"proportion": None, "lower": None, "upper": None}
    lower, upper = proportion_confint(count, n, alpha=0.05, method="wilson")
    return {"proportion": count / n, "lower": float(lower), "upper": float(upper)}


def group_rows(frame):
    rows = []
    for item in ITEMS:
        answers = frame[item]
        counts = {
            "positive": int(answers.isin(POSITIVE).sum()),
            "neutral": int(answers.isin(NEUTRAL).sum()),
            "negative": int(answers.isin(NEGATIVE).sum()),
            "not_applicable": int(answers.isin(NOT_APPLICABLE).sum()),
            "dont_know": int(answers.isin(DONT_KNOW).sum()),
            "missing": int(answers.isna().sum()),
        }
        n = counts["positive"] + counts["neutral"] + counts["negative"]
        rows.append({"item": item, "counts": counts, "n": n,
                     "positive": interval(counts["positive"], n),
                     "no_change": interval(counts["neutral"], n),
                     "negative": interval(counts["negative"], n)})
    return rows


def main():
    data = pd.read_csv(FIXTURES / "small-survey.csv", dtype={"site": str})
    groups = [{"variable": None, "level": None, "responses": len(data), "rows": group_rows(data)}]
    for code, label in MANAGEMENT.items():
        part = data[data["budget_management"] == code]
        groups.append({"variable": "Budget management", "level": label, "responses": len(part), "rows": group_rows(part)})
    part = data[data["budget_management"].isna()]
    groups.append({"variable": "Budget management", "level": "Not stated", "responses": len(part), "rows": group_rows(part)})
    for site in sorted(data["site"].unique()):
        part = data[data["site"] == site]
        groups.append({"variable": "Site", "level": site, "responses": len(part), "rows": group_rows(part)})
    (FIXTURES / "small-survey.expected.json").write_text(json.dumps({"groups": groups}, indent=2) + "\n")


if __name__ == "__main__":
    main()
