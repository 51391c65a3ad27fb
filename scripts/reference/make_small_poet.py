"""Writes the fixed POET-style data set for the tests (run once; the CSV is committed).

120 budget holders at four sites. Built so that each table meets its hard cases:
- outcome_independence and outcome_safety: common, associated with direct payments and with views
  taken into account (chi-square territory; the logistic models fit);
- outcome_paid_job: mostly not applicable, rarely positive (expected counts below 5: Fisher);
- outcome_volunteering: no one whose views were "not at all" taken into account reports a positive
  change (quasi-complete separation: the logistic model cannot be fitted and must say so);
- budget management "don't know" (9), and missing answers, which are shown but not tested.
"""
import csv
import math
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "Tests/OutcomesAnalysesTests/Fixtures/small-poet.csv"


def main():
    rng = random.Random(11)
    rows = []
    for i in range(120):
        site = ["s1", "s2", "s3", "s4"][i % 4]
        management = rng.choices([1, 2, 3, 9], [0.45, 0.3, 0.17, 0.08])[0]
        need = rng.choice([1, 2, 3])
        age = rng.choice([1, 2, 3])
        views = rng.choices([1, 2, 3], [0.5, 0.35, 0.15])[0]
        planning = rng.choices([1, 2, 3, 8], [0.4, 0.3, 0.2, 0.1])[0]
        lift = (0.7 if management == 1 else 0) + {1: 0.8, 2: 0.2, 3: -0.7}[views] - 0.3

        def impact(base, not_applicable):
            if rng.random() < not_applicable:
                return 8
            p = 1 / (1 + math.exp(-(base + lift)))
            if rng.random() < p:
                return rng.choice([1, 2])
            return rng.choices([3, 4, 5], [0.7, 0.2, 0.1])[0]

        independence = impact(0.6, 0.05)
        safety = impact(0.0, 0.05)
        paid_job = impact(-2.2, 0.6)
        volunteering = impact(-0.5, 0.45)
        if views == 3 and volunteering in (1, 2):
            volunteering = 3
        confidence = rng.choices([1, 2, 3], [0.35 + 0.1 * (views == 1), 0.4, 0.25 - 0.1 * (views == 1)])[0]
        row = [f"R{i + 1:03d}", site, "", "2026", management, need, age, views, planning,
               independence, safety, paid_job, volunteering, confidence]
        # A few missing answers, in fixed places.
        if i % 29 == 5:
            row[4] = ""
        if i % 31 == 7:
            row[7] = ""
        if i % 23 == 3:
            row[9] = ""
        if i % 37 == 11:
            row[13] = ""
        rows.append(row)
    with OUT.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["respondent_id", "site", "arm", "wave", "budget_management", "support_need", "age_band",
                         "process_views", "process_planning", "outcome_independence", "outcome_safety",
                         "outcome_paid_job", "outcome_volunteering", "confidence_needs_met"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
