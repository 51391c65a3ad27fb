"""Checks that the toolkit's tables (TABLES_DIR/*.csv) and the pandas baseline (OUT/baseline.json)
agree to the precision the CSV files carry: the outcome table's counts exactly and Wilson limits to
the 3 decimals of a percentage written, the subgroup chi-square statistics and the pilot-vs-control
adjusted effects to the 6 decimals written, activation change to its 3 decimals. Prints one line per
check and exits 1 on a disagreement.
Run: python3 scripts/benchmark/compare.py TABLES_DIR OUT_DIR
"""
import json
import math
import sys
from pathlib import Path

import pandas as pd


def main():
    tables, out = Path(sys.argv[1]), Path(sys.argv[2])
    base = json.loads((out / "baseline.json").read_text())
    failures = 0

    def check(name, ok, detail=""):
        nonlocal failures
        failures += 0 if ok else 1
        print(f"{'agree' if ok else 'DIFFER'}: {name}{'' if ok else ' ' + detail}")

    # Outcome table: every (variable, item) group in pandas has a row of ours with the same counts and limits.
    ours = pd.read_csv(tables / "budget-holder-outcomes.csv")
    labels = {"overall": "Overall", "budget_management": "Budget management", "support_need": "Main support need",
              "process_views": "Views taken into account in planning", "site": "Site"}
    matched, total = 0, 0
    for key, ref in base["outcome_table"].items():
        variable, _, item = key.split("|")
        rows = ours[(ours.subgroup == labels[variable]) & (ours.item == item) & (ours.n_answering == ref["n"])
                    & (ours.positive_n == ref["positive"])]
        total += 1
        if any(abs(r.positive_ci_low - 100 * ref["low"]) <= 5e-4 + 1e-9 and abs(r.positive_ci_high - 100 * ref["high"]) <= 5e-4 + 1e-9
               for r in rows.itertuples()):
            matched += 1
    check(f"outcome table: {matched} of {total} group x domain rows (n, positive, Wilson limits)", matched == total)

    tests = pd.read_csv(tables / "budget-holder-subgroups-tests.csv")
    names = {"budget_management": "Budget management", "support_need": "Main support need"}
    worst = 0.0
    for key, ref in base["subgroup_comparison"].items():
        variable, item = key.split("|")
        row = tests[(tests.subgroup == names[variable]) & (tests.item == item)].iloc[0]
        worst = max(worst, abs(row.statistic - ref["chi2"]))
    check(f"subgroup comparison: {len(base['subgroup_comparison'])} chi-square statistics, largest difference {worst:.1e}", worst <= 5e-7 + 1e-12)

    change = pd.read_csv(tables / "activation-change.csv")
    for name, label in (("all", "All linked respondents"), ("pilot", "Pilot"), ("control", "Control")):
        row = change[change.group == label].iloc[0]
        ref = base["activation_change"][name]
        ok = row.n == ref["n"] and abs(row.mean_change - ref["change"]) < 5e-4 and abs(row.change_ci_low - ref["low"]) < 5e-4
        check(f"activation change, {name}: n {row.n}, mean change {row.mean_change:.3f} (pandas {ref['change']:.3f})", ok)

    pvc = pd.read_csv(tables / "pilot-vs-control.csv")
    for outcome, ours_id in (("qol_index", "qol_index"), ("wellbeing", "wellbeing_score")):
        row = pvc[(pvc.subgroup == "Overall") & (pvc.outcome == ours_id)].iloc[0]
        ref = base["pilot_vs_control"][outcome]
        ok = (row.adjusted_n == ref["n"] and abs(row.adjusted_effect - ref["effect"]) <= 5e-7 + 1e-12
              and abs(row.adjusted_ci_low - ref["low"]) <= 5e-7 + 1e-12)
        check(f"pilot vs control, {outcome}: n {row.adjusted_n}, adjusted effect {row.adjusted_effect:.6f} (statsmodels {ref['effect']:.6f})", ok)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
