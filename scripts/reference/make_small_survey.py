"""Writes the fixed data set for the outcome-table tests (run once; the CSV is committed).

28 respondents at two sites; answers chosen to cover every category: positive, neutral,
negative, not applicable (8), don't know (9), missing (empty); a subgroup level nobody chose
(Provider-managed, code 3) and respondents with no budget management answer.
"""
import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "Tests/OutcomesAnalysesTests/Fixtures/small-survey.csv"

def main():
    rng = random.Random(7)
    rows = []
    for i in range(28):
        site = "north" if i < 17 else "south"
        management = rng.choice(["1", "1", "2", ""])
        independence = rng.choice(["1", "2", "2", "3", "4", "5", "8", "9", ""])
        # Everyone at the south site is positive on safety: a proportion of exactly 1.
        safety = rng.choice(["1", "2"]) if site == "south" else rng.choice(["1", "3", "3", "4", "8", ""])
        rows.append([f"P{i + 1:02d}", site, "", "2026", management, independence, safety])
    with OUT.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["respondent_id", "site", "arm", "wave", "budget_management", "outcome_independence", "outcome_safety"])
        writer.writerows(rows)

if __name__ == "__main__":
    main()
