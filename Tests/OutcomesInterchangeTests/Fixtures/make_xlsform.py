"""Builds xlsform-every-type.xlsx from the CSV sheets in xlsform/, with openpyxl (as Excel or
LibreOffice would save it: shared strings, numbers stored as numbers). The .xlsx is committed, so the
tests need no Python; rerun after editing the CSV sheets:  python3 make_xlsform.py  (openpyxl 3.1)."""
import csv
import pathlib

from openpyxl import Workbook

here = pathlib.Path(__file__).parent
book = Workbook()
book.remove(book.active)
for name in ["survey", "choices", "settings"]:
    sheet = book.create_sheet(name)
    with open(here / "xlsform" / f"{name}.csv", newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            # Whole numbers are stored as numbers, as a spreadsheet user typing them would get.
            sheet.append([int(cell) if cell.isdigit() and len(cell) < 10 else cell for cell in row])
book.save(here / "xlsform-every-type.xlsx")
print("wrote", here / "xlsform-every-type.xlsx")
