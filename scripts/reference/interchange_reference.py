"""Reference values for reading other tools' files, from the libraries their users rely on.

Workbooks are read with openpyxl (data_only: a formula's cached value), SPSS and Stata files with
pyreadstat (ReadStat, as R's haven is). Every cell is written as the toolkit writes values in the
CSV interchange format: whole numbers without a decimal point, dates as YYYY-MM-DD (date-times as
YYYY-MM-DD hh:mm:ss), missing values (system, user-defined, Stata's .a-.z) as empty text. Writes
Tests/OutcomesInterchangeTests/Fixtures/real/reference-cells.json.

Run: pip install openpyxl pyreadstat; python3 scripts/reference/interchange_reference.py
"""
import datetime
import json
from pathlib import Path

import openpyxl
import pandas
import pyreadstat

REAL = Path(__file__).resolve().parents[2] / "Tests/OutcomesInterchangeTests/Fixtures/real"
WORKBOOKS = ["excel/csvkit_test.xlsx", "excel/readxl_dates-1900-LibreOffice.xlsx", "excel/readxl_datetime-rounding.xlsx",
             "excel/readxl_big-texty-numbers-xlsx.xlsx", "excel/readxl_types.xlsx",
             "xlsform/scto__Phone_Survey_Form.xlsx", "xlsform/pyxform__sms_info.libreoffice.xlsx"]
STATISTICAL = ["spss/pyreadstat_sample.sav", "spss/pyreadstat_sample.zsav", "spss/pyreadstat_sample_missing.sav",
               "spss/pyreadstat_sample.dta", "spss/haven_labelled-str.sav", "spss/haven_tagged-na-double.dta"]


def number_text(value):
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def cell_text(cell):
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        has_time = any(c in cell.number_format.lower().replace('"', "") for c in "hs") and "[" not in cell.number_format[:1]
        # A time within half a second of midnight belongs to the next day, as the toolkit rounds.
        seconds = round(value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6)
        day = value.date()
        if seconds >= 86400:
            day += datetime.timedelta(days=1)
            seconds = 0
        text = day.isoformat()
        return f"{text} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if has_time else text
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return number_text(value)
    return str(value)


def workbook(path):
    book = openpyxl.load_workbook(REAL / path, data_only=True)
    sheets = {}
    for sheet in book.worksheets:
        cells = {}
        for row in sheet.iter_rows():
            for cell in row:
                text = cell_text(cell)
                if text != "":
                    cells[f"{cell.row},{cell.column - 1}"] = text
        sheets[sheet.title] = cells
    return {"date1904": bool(book.epoch == openpyxl.utils.datetime.CALENDAR_MAC_1904), "sheets": sheets}


def statistical(path):
    read = pyreadstat.read_sav if path.endswith((".sav", ".zsav")) else pyreadstat.read_dta
    frame, meta = read(str(REAL / path), user_missing=False, disable_datetime_conversion=False)
    rows = []
    for _, record in frame.iterrows():
        row = []
        for name in meta.column_names:
            value = record[name]
            if value is None or (not isinstance(value, (str, datetime.date, datetime.time)) and pandas.isna(value)) or value is pandas.NaT:
                row.append("")
            elif isinstance(value, datetime.datetime) or hasattr(value, "to_pydatetime"):
                stamp = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
                row.append(stamp.strftime("%Y-%m-%d %H:%M:%S"))
            elif isinstance(value, datetime.date):
                row.append(value.isoformat())
            elif isinstance(value, datetime.time):
                row.append(None)  # a time of day: the toolkit keeps SPSS's seconds or Stata's date-time
            elif isinstance(value, (int, float)):
                row.append(number_text(value))
            else:
                row.append(str(value))
        rows.append(row)
    labels = {name: {number_text(k) if isinstance(k, (int, float)) else str(k): v for k, v in values.items()}
              for name, values in meta.variable_value_labels.items()}
    return {"columns": meta.column_names, "rows": rows, "value_labels": labels}


def main():
    out = {"workbooks": {path: workbook(path) for path in WORKBOOKS},
           "statistical": {path: statistical(path) for path in STATISTICAL}}
    (REAL / "reference-cells.json").write_text(json.dumps(out, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
