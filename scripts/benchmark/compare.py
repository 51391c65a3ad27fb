"""Checks that the toolkit's tables (TABLES_DIR/*.csv) and the pandas baseline (OUT/baseline.json,
written by pandas_baseline.py) agree, cell by cell, for every table part of every analysis.

How a table is checked: the two tables are joined on the table's key columns (KEYS below); every row
of either must be in the other. Every column both have (but prose: notes, reasons) is compared:
- counts, and any number the toolkit writes without decimals: exactly;
- a number written with d decimals: |toolkit - pandas| <= 0.5 x 10^-d (half a unit in the last place
  written: the pandas figure, unrounded, rounds to the toolkit's) plus 1e-12 x max(1, |value|), so
  that floating-point noise between the two implementations (summation order, SVD against normal
  equations, where Newton's method stops) cannot fail a figure that sits exactly on a rounding
  boundary; relative, and small enough that a Wilcoxon rank sum near 1e11 is still checked to the
  half-rank. In practice: % and Wilson limits to
  the 3 decimals of a percentage, chi-square statistics, odds ratios, p-values, index summaries,
  adjusted effects and balance figures to 6 decimals, activation means and limits to 3, Stuart-Maxwell
  to 4, costs to 2 (pence);
- text (labels, domains, test methods, "yes"/"no"): exactly; an empty cell (no estimate) only
  matches an empty cell.
Exceptions, where the two cannot agree exactly because they draw random numbers:
- cost-effectiveness bootstrap limits (incremental cost, effect, net benefits) and probabilities
  cost-effective: the baseline resamples what the toolkit resamples (sites within each arm, the
  default since the toolkit's commit 46e8e2e, or people with `resample: people`), but with NumPy's
  generator, so the replicates differ: a limit agrees within 15% of the interval's width (the mean
  of the two widths), a probability within 4 standard errors of the difference of two independent
  estimates from R replicates each, sqrt(2 p (1 - p) / R), and at least 0.01. With R = 1000 a 2.5%
  or 97.5% limit has a Monte Carlo SD of about 2% of the width (measured: 60 seeds, 100k sample),
  so 15% is about 5 SDs of the difference between two runs: loose enough never to fail by chance,
  tight enough to catch a different resampling scheme (resampling people instead of sites gives
  intervals a third to two-thirds as wide at 100,000 respondents, a tenth to a fifth at 1,000,000);
- a Fisher's exact p estimated by Monte Carlo (more than 20 million tables to enumerate, in the
  toolkit and in the baseline alike): within 5 standard errors of the difference of two independent
  estimates, 5 sqrt(2 p (1 - p) / tables).
Also checked, from the toolkit's JSON / Markdown (not written in the CSV files): activation linking
counts, pilot-vs-control attrition counts, respondents per arm in the cost-effectiveness analysis,
and what its bootstrap resampled (sites, and how many per arm; or respondents), as the analysis
file's `resample` says (sites when it says nothing).

Prints one line per table (rows and cells checked, the worst difference as a share of its
tolerance) and each disagreement; exits 1 on any disagreement.
Run: python3 scripts/benchmark/compare.py TABLES_DIR OUT_DIR
"""
import json
import math
import re
import sys
from pathlib import Path

import pandas as pd

# The columns that identify a row, per table part (the CSV file name without .csv).
KEYS = {
    "budget-holder-outcomes": ["subgroup", "group", "item"],
    "carer-outcomes": ["subgroup", "group", "item"],
    "budget-holder-subgroups": ["subgroup", "group", "item"],
    "budget-holder-subgroups-tests": ["subgroup", "item"],
    "carer-subgroups": ["subgroup", "group", "item"],
    "carer-subgroups-tests": ["subgroup", "item"],
    "budget-holder-processes": ["item", "contrast"],
    "budget-holder-processes-summary": ["contrast"],
    "budget-holder-index": ["subgroup", "group"],
    "budget-holder-index-distribution": ["index"],
    "budget-holder-confidence": ["subgroup", "group", "answer_code"],
    "budget-holder-confidence-tests": ["subgroup"],
    "budget-holder-planning-helpers": ["subgroup", "group", "option_code"],
    "budget-holder-sites": ["item", "site"],
    "activation-baseline": ["subgroup", "group"],
    "activation-baseline-levels": ["subgroup", "group", "level"],
    "activation-change": ["subgroup", "group"],
    "activation-change-levels": ["subgroup", "group", "level"],
    "activation-change-transitions": ["subgroup", "group", "baseline_level", "followup_level"],
    "activation-change-by-baseline-level": ["subgroup", "group", "baseline_level"],
    "pilot-vs-control": ["subgroup", "group", "outcome"],
    "pilot-vs-control-balance": ["characteristic", "level"],
    "pilot-vs-control-attrition": ["characteristic", "level"],
    "pilot-vs-control-cost": ["quantity"],
}
# Prose, not figures.
SKIP = {"notes", "reason", "not_computed"}
BOOTSTRAP_WIDTH_SHARE = 0.15
SLACK = 1e-12


def decimals(text):
    return len(text.split(".")[1]) if "." in text else 0


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def as_text(value):
    """A baseline value as the toolkit would write it in a key or text column."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Checker:
    def __init__(self):
        self.failures = 0

    def report(self, ok, line, details=()):
        self.failures += 0 if ok else 1
        print(f"{'agree' if ok else 'DIFFER'}: {line}")
        for detail in list(details)[:12]:
            print(f"    {detail}")
        if len(details) > 12:
            print(f"    ... and {len(details) - 12} more")

    def table(self, name, toolkit, baseline, loose=None):
        """Compares one table part. `loose` maps a row key to {column: tolerance} for the figures that
        come from random draws; every other cell is checked to the precision written."""
        keys = KEYS[name]
        baseline = pd.DataFrame(baseline["rows"], columns=baseline["columns"])
        written_rows = {tuple(row[k] for k in keys): row for row in toolkit.to_dict("records")}
        computed_rows = {tuple(as_text(row[k]) for k in keys): row for row in baseline.to_dict("records")}
        problems = [f"row {key} only in the toolkit's table" for key in written_rows if key not in computed_rows]
        problems += [f"row {key} only in the baseline's table" for key in computed_rows if key not in written_rows]
        columns = [c for c in toolkit.columns if c in baseline.columns and c not in keys and c not in SKIP]
        cells, worst, random_draws = 0, 0.0, 0
        for key in (key for key in written_rows if key in computed_rows):
            for column in columns:
                text, value = written_rows[key][column], computed_rows[key][column]
                if value == "" or (isinstance(value, float) and math.isnan(value)):
                    value = None
                cells += 1
                if text == "" or value is None:                       # no estimate: both must be empty
                    if (text == "") != (value is None):
                        problems.append(f"{key} {column}: toolkit {text or 'empty'}, pandas {as_text(value) or 'empty'}")
                    continue
                written = number(text)
                if written is None or isinstance(value, str):          # text: exactly
                    if text != as_text(value):
                        problems.append(f"{key} {column}: toolkit {text!r}, pandas {as_text(value)!r}")
                    continue
                tolerance = (loose or {}).get(key, {}).get(column)
                drawn = tolerance is not None
                if drawn:
                    random_draws += 1
                elif decimals(text) == 0 and float(value).is_integer():  # counts: exactly
                    if written != value:
                        problems.append(f"{key} {column}: toolkit {text}, pandas {as_text(value)}")
                    continue
                else:
                    tolerance = 0.5 * 10.0 ** -decimals(text) + SLACK * max(1.0, abs(value))
                difference = abs(written - value)
                worst = max(worst, difference / tolerance)
                if difference > tolerance:
                    problems.append(f"{key} {column}: toolkit {text}, pandas {value:.10g} (difference {difference:.3g}, "
                                    f"tolerance {tolerance:.3g}{', random draws' if drawn else ''})")
        note = f", {random_draws} of them from random draws (bootstrap, Monte Carlo), checked loosely" if random_draws else ""
        self.report(not problems, f"{name}: {len(written_rows)} rows, {cells} cells{note}; largest difference "
                                  f"{worst:.2f} of its tolerance", problems)

    def counts(self, label, written, computed):
        differences = [f"{k}: toolkit {written.get(k)}, pandas {v}" for k, v in computed.items() if written.get(k) != v]
        self.report(not differences, f"{label}: {', '.join(f'{k} {v}' for k, v in computed.items())}", differences)


def bootstrap_tolerances(toolkit, base_table, replicates):
    """Per cost-table row: the loose tolerance of each bootstrap figure (see the module's docstring)."""
    base = pd.DataFrame(base_table["rows"], columns=base_table["columns"]).set_index("quantity")
    out = {}
    for row in toolkit.to_dict("records"):
        quantity = row["quantity"]
        if quantity not in base.index or row["ci_low"] == "":
            continue
        theirs = base.loc[quantity]
        width = (float(row["ci_high"]) - float(row["ci_low"]) + theirs["ci_high"] - theirs["ci_low"]) / 2
        out[(quantity,)] = {"ci_low": BOOTSTRAP_WIDTH_SHARE * width, "ci_high": BOOTSTRAP_WIDTH_SHARE * width}
        if row["probability_cost_effective"] != "":
            p = (float(row["probability_cost_effective"]) + theirs["probability_cost_effective"]) / 2
            out[(quantity,)]["probability_cost_effective"] = max(0.01, 4 * math.sqrt(2 * p * (1 - p) / replicates))
    return out


def monte_carlo_tolerances(name, base_table):
    """Fisher p-values estimated by Monte Carlo (both follow the same rule for when to: the number of
    tables to enumerate): within 5 standard errors of the difference of two independent estimates."""
    base = pd.DataFrame(base_table["rows"], columns=base_table["columns"])
    out = {}
    for row in base.to_dict("records"):
        tables = row.get("monte_carlo_tables")
        if tables is not None and not math.isnan(tables):
            p = row["p"]
            out[tuple(as_text(row[k]) for k in KEYS[name])] = {"p": 5 * math.sqrt(2 * max(p * (1 - p), 1e-4) / tables)}
    return out


def main():
    tables, out = Path(sys.argv[1]), Path(sys.argv[2])
    baseline = json.loads((out / "baseline.json").read_text())
    computed = baseline["tables"]
    checker = Checker()
    for name in KEYS:
        csv = tables / f"{name}.csv"
        if name not in computed and not csv.exists():
            continue
        if not csv.exists() or name not in computed:
            checker.report(False, f"{name}: {'no toolkit table ' + csv.name if not csv.exists() else 'not computed by the baseline'}")
            continue
        toolkit = pd.read_csv(csv, dtype=str, keep_default_na=False)
        loose = None
        if name.endswith("-cost"):
            loose = bootstrap_tolerances(toolkit, computed[name], baseline["extras"][name[:-5]]["cost"]["replicates"])
        elif name.endswith("-tests"):
            loose = monte_carlo_tolerances(name, computed[name])
        checker.table(name, toolkit, computed[name], loose)
    for name in sorted(set(computed) - set(KEYS)):
        checker.report(False, f"{name}: computed by the baseline but not listed in compare.py's KEYS")
    for csv in sorted(tables.glob("*.csv")):
        if csv.stem not in KEYS:
            checker.report(False, f"{csv.stem}: a toolkit table with no baseline figures to check it against")

    # Figures the toolkit writes outside its CSV files.
    for analysis, extra in baseline["extras"].items():
        data = tables / f"{analysis}.json"
        written = json.loads(data.read_text())["data"] if data.exists() else {}
        if "linking" in extra:
            checker.counts(f"{analysis}: linking of baseline and follow-up", written.get("linking", {}), extra["linking"])
        if "attrition" in extra:
            checker.counts(f"{analysis}: attrition", written.get("attrition", {}), extra["attrition"])
        if extra.get("cost"):
            markdown = (tables / f"{analysis}.md").read_text() if (tables / f"{analysis}.md").exists() else ""
            match = re.search(r"(\d+) pilot and (\d+) control respondents with a cost", markdown)
            found = {"pilot": int(match.group(1)), "control": int(match.group(2))} if match else {}
            checker.counts(f"{analysis}: respondents per arm in the cost-effectiveness analysis", found,
                           {"pilot": extra["cost"]["pilot"], "control": extra["cost"]["control"]})
            # What the bootstrap resampled, as the toolkit's note says: sites (and how many per arm), or people.
            if extra["cost"]["resample"] == "sites":
                match = re.search(r"resampling sites within each arm \((\d+) pilot and (\d+) control sites\)", markdown)
                found = {"pilot": int(match.group(1)), "control": int(match.group(2))} if match else {}
                checker.counts(f"{analysis}: sites resampled per arm by the cost-effectiveness bootstrap", found, extra["cost"]["units"])
            else:
                checker.report("resampling respondents within each arm" in markdown,
                               f"{analysis}: the cost-effectiveness bootstrap resampled respondents within each arm")
    print(f"{'all figures agree' if not checker.failures else f'{checker.failures} check(s) differ'}")
    sys.exit(1 if checker.failures else 0)


if __name__ == "__main__":
    main()
