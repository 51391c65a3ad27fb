"""Writes the fixed pilot-versus-control data set for the tests (run once; the CSV is committed).

48 people at six sites (three pilot, three control) answer the quality-of-life instrument at
baseline and follow-up; five have no follow-up. Pilot sites improve a little more.
"""
import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "Tests/OutcomesAnalysesTests/Fixtures/small-pvc.csv"
QOL = ["qol_control", "qol_care", "qol_food", "qol_safety", "qol_social", "qol_occupation", "qol_home", "qol_dignity"]
WB = [f"wb_{i:02d}" for i in range(1, 8)]


def main():
    rng = random.Random(3)
    rows = []
    for i in range(48):
        site = ["p1", "p2", "p3", "c1", "c2", "c3"][i % 6]
        arm = "pilot" if site.startswith("p") else "control"
        age, sex, need = str(1 + i % 3), str(1 + (i // 3) % 2), str(1 + i % 6)
        q = rng.gauss(0.3, 0.7)
        w = rng.gauss(21, 4)
        for wave, shift in (("baseline", 0.0), ("followup", 0.5 if arm == "pilot" else 0.1)):
            if wave == "followup" and i in (4, 13, 22, 31, 40):
                continue
            level = lambda: str(next(l for l, cut in ((1, 1.2), (2, 0.2), (3, -0.8), (4, -99)) if q + shift + rng.gauss(0, 0.8) > cut))
            qol = [level() for _ in QOL]
            wb = [str(max(1, min(5, round(w / 7 + rng.gauss(0, 0.6))))) for _ in WB]
            admission = "1" if rng.random() < (0.3 if arm == "pilot" else 0.45) else "2"
            cost = f"{max(0.0, rng.gauss(8000 + (400 if arm == 'pilot' else 0), 2500)):.2f}"
            budget = str(rng.choice([600, 900, 1500, 3000])) if arm == "pilot" else ""
            rows.append([f"S{i + 1:02d}", site, arm, wave, age, sex, need] + qol + wb + [budget, admission, cost])
    with OUT.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["respondent_id", "site", "arm", "wave", "age_group", "sex", "support_need"] + QOL + WB
                        + ["budget_value", "unplanned_admission", "cost_total"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
