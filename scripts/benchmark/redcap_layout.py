"""Rewrites a budget-holder CSV in the interchange format as a REDCap raw data export of the same
rows, to time `outcomes import --format redcap` against the interchange format (BENCHMARKS.md).

The record id is respondent_id, every row is event wave_2026_arm_1, the site is the data access
group, planning_helpers becomes its checkbox columns planning_helpers___1..5, and each of the four
forms (the instrument's sections, as `outcomes instrument export-redcap` makes them) gets a status
column of 2 (complete).

Run: python3 scripts/benchmark/redcap_layout.py IN.csv OUT.csv
"""
import csv
import sys

FORMS = ["about_you", "your_budget", "planning", "difference_made"]


def main(source, target):
    with open(source, newline="") as inp, open(target, "w", newline="") as out:
        rows = csv.DictReader(inp)
        fields = rows.fieldnames[4:]
        writer = csv.writer(out)
        header = ["record_id", "redcap_event_name", "redcap_data_access_group"]
        for field in fields:
            header += [f"planning_helpers___{c}" for c in range(1, 6)] if field == "planning_helpers" else [field]
        writer.writerow(header + [f"{form}_complete" for form in FORMS])
        for row in rows:
            out_row = [row["respondent_id"], "wave_2026_arm_1", row["site"]]
            for field in fields:
                if field == "planning_helpers":
                    codes = set(row[field].split(";")) if row[field] else set()
                    out_row += ["1" if str(c) in codes else "0" for c in range(1, 6)]
                else:
                    out_row.append(row[field])
            writer.writerow(out_row + ["2"] * len(FORMS))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
