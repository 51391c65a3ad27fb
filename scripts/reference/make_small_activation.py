"""Writes the fixed activation data set for the scale-change tests (run once; the CSV is committed).

30 people at four sites (two pilot, two control) answer 13 items (1-4, or 8 = not applicable) at
baseline and follow-up. Built in: two people with no follow-up, one with no baseline, one with
only 9 items answered at follow-up (no score: excluded and counted), one with exactly 10 answered
(scored), and answers spread so every level occurs at both waves.
"""
import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "Tests/OutcomesAnalysesTests/Fixtures/small-activation.csv"
ITEMS = [f"act_{i:02d}" for i in range(1, 14)]


def answers(rng, centre):
    return [str(max(1, min(4, round(centre + rng.gauss(0, 0.6))))) for _ in ITEMS]


def main():
    rng = random.Random(11)
    rows = []
    for i in range(30):
        person = f"P{i + 1:02d}"
        site = ["north", "east", "south", "west"][i % 4]
        arm = "pilot" if site in ("north", "east") else "control"
        need = str(1 + i % 3)
        centre = 1.4 + 2.2 * (i % 10) / 9
        gain = (0.35 if arm == "pilot" else 0.1) + 0.25 * (2.5 - centre) + rng.gauss(0, 0.2)
        baseline = answers(rng, centre)
        followup = answers(rng, centre + gain)
        if i == 3:
            followup[:4] = ["8", "8", "8", ""]   # 9 answered at follow-up: no score
        if i == 4:
            baseline[:3] = ["8", "", "8"]        # exactly 10 answered: scored
        if i not in (5,):                        # P06 has no baseline
            rows.append([person, site, arm, "baseline", need] + baseline)
        if i not in (6, 7):                      # P07 and P08 have no follow-up
            rows.append([person, site, arm, "followup", need] + followup)
    with OUT.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["respondent_id", "site", "arm", "wave", "support_need"] + ITEMS)
        writer.writerows(rows)


if __name__ == "__main__":
    main()
