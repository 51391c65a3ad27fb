import Foundation
import OutcomesInstruments
@testable import OutcomesInterchange
@testable import OutcomesStore
import Testing

/// Workbooks, SPSS and Stata files read as the libraries their users rely on read them: every cell
/// against openpyxl and pyreadstat (`scripts/reference/interchange_reference.py`, values in
/// `Fixtures/real/reference-cells.json`), exactly.
@Suite struct RealWorkbooks {
    struct Reference: Decodable {
        struct Workbook: Decodable { var date1904: Bool; var sheets: [String: [String: String]] }
        struct Statistical: Decodable { var columns: [String]; var rows: [[String?]]; var value_labels: [String: [String: String]] }
        var workbooks: [String: Workbook]
        var statistical: [String: Statistical]
    }

    static let reference: Reference = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: realFixture("reference-cells.json")))
        return try! JSONDecoder().decode(Reference.self, from: data)
    }()

    @Test(arguments: reference.workbooks.keys.sorted())
    func everyCellReadsAsOpenpyxlReadsIt(_ file: String) throws {
        let expected = try #require(Self.reference.workbooks[file])
        let sheets = try XLSXReader.sheets(file: realFixture(file))
        #expect(Set(sheets.map(\.name)) == Set(expected.sheets.keys))
        for sheet in sheets {
            var cells: [String: String] = [:]
            for row in sheet.rows {
                for (column, cell) in row.cells.enumerated() where cell.text != "" { cells["\(row.number),\(column)"] = cell.text }
            }
            let want = expected.sheets[sheet.name] ?? [:]
            let differing = Set(cells.keys).union(want.keys).filter { cells[$0] != want[$0] }.sorted()
            let shown = differing.prefix(5).map { "\($0): \(cells[$0] ?? "nil") vs \(want[$0] ?? "nil")" }.joined(separator: "; ")
            #expect(differing.isEmpty, "\(file) [\(sheet.name)]: \(shown)")
        }
    }

    @Test(arguments: reference.statistical.keys.sorted())
    func everyValueReadsAsPyreadstatReadsIt(_ file: String) throws {
        let expected = try #require(Self.reference.statistical[file])
        let data = try Data(contentsOf: URL(fileURLWithPath: realFixture(file)))
        let kind = try #require(StatisticalFileReader.kind(of: data))
        let table = try StatisticalFileReader.read(file: realFixture(file), kind: kind)
        #expect(table.variables.map(\.name) == expected.columns)
        #expect(table.rows.count == expected.rows.count)
        for (index, (row, want)) in zip(table.rows, expected.rows).enumerated() {
            for (column, value) in want.enumerated() {
                // pyreadstat gives a time of day as a time; the toolkit keeps SPSS's seconds (or Stata's date-time).
                guard let value else { continue }
                #expect(row[column] == value, "\(file) case \(index + 1) \(expected.columns[column])")
            }
        }
        for (variable, labels) in expected.value_labels {
            let set = try #require(table.variables.first { $0.name == variable }?.labelSet)
            let read = Dictionary(table.labelSets[set, default: []].map { ($0.value, $0.label) }, uniquingKeysWith: { first, _ in first })
            // Stata's tagged missing values (.a-.z) have labels too; the toolkit reads those values as missing.
            for (value, label) in labels where value.count > 1 || Int(value) != nil || value.first?.isUppercase == true {
                #expect(read[value] == label, "\(file) \(variable) \(value)")
            }
        }
    }

    /// A workbook that keeps its parts outside `xl/` (named by the package's relationships).
    @Test func aPackageWithoutAnXLFolderIsRead() throws {
        let sheets = try XLSXReader.sheets(file: realFixture("excel/readxl_los-angeles-arrests-xlsx.xlsx"))
        // 196 rows in sheet1.xml: a title, a blank-looking row of spaces, the header on row 3, and the bookings.
        #expect(sheets.count == 1 && sheets[0].rows.count == 196)
        #expect(sheets[0].rows.first { $0.number == 3 }?.cells.prefix(3).map(\.text) == ["BKG_NUM", "BKG_DT", "BKG_TM"])
    }
}

@Suite struct RealResponseWorkbooks {
    /// LibreOffice's .xlsx of 30 sample rows (dates as date cells, codes and waves as numbers) stores
    /// exactly what the CSV stores.
    @Test func aSheetOfResponsesStoresWhatItsCSVStores() throws {
        let instrument = try shippedInstrument("budget-holder")
        let definition = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("instruments/budget-holder.yaml").path, encoding: .utf8)
        let fromCSV = try ExportImport(), fromSheet = try ExportImport()
        var options = ResponseImportOptions()
        _ = try fromCSV.store.importResponses(file: realFixture("excel/budget-holder-30.csv"), instrument: instrument, definition: definition, options: options)
        let sheet = try fromSheet.store.importResponses(file: realFixture("excel/budget-holder-30.libreoffice.xlsx"), instrument: instrument,
                                                        definition: definition, options: options)
        #expect(sheet.stored.new == 30 && sheet.format == "xlsx")
        let a = try fromCSV.frame("budget-holder", wave: "2026"), b = try fromSheet.frame("budget-holder", wave: "2026")
        #expect(a.respondents == b.respondents)
        for item in instrument.items { #expect(a.column(item.id) == b.column(item.id), "\(item.id)") }
        // A sheet that is not there is named, with the ones that are.
        options.sheet = "Responses"
        #expect(throws: DiagnosticList.self) {
            try fromSheet.store.importResponses(file: realFixture("excel/budget-holder-30.libreoffice.xlsx"), instrument: instrument,
                                                definition: definition, options: options)
        }
    }

    static let sampleYAML = """
    id: sample
    version: "1"
    title: pyreadstat's sample file
    choice_sets:
      sex:
        - {code: 1, label: Male}
        - {code: 2, label: Female}
      order:
        - {code: 1, label: low}
        - {code: 2, label: medium}
        - {code: 3, label: high}
    sections:
      - id: main
        items:
          - {id: mynum, text: A number, type: number}
          - {id: mydate, text: A date, type: date}
          - {id: dtime, text: A date and time, type: text}
          - {id: mylabl, text: Sex, type: single_choice, choices: sex}
          - {id: myord, text: Order, type: single_choice, choices: order}
          - {id: mytime, text: A time, type: text}
    """

    func importSample(_ file: String, yaml: String = sampleYAML) throws -> (ExportImport, ResponseImportSummary) {
        let t = try ExportImport()
        let instrument = try InstrumentParser.parse(yaml)
        var options = ResponseImportOptions()
        options.site = "north"
        options.wave = "2018"
        options.respondentColumn = "mychar"
        let summary = try t.store.importResponses(file: realFixture(file), instrument: instrument, definition: yaml, options: options)
        return (t, summary)
    }

    @Test func spssAndStataFilesAreReadByValueWithTheirDates() throws {
        for file in ["spss/pyreadstat_sample.sav", "spss/pyreadstat_sample.zsav", "spss/pyreadstat_sample.dta"] {
            let (t, summary) = try importSample(file)
            #expect(summary.stored.new == 5 && summary.format == (file.hasSuffix("dta") ? "dta" : "sav"), "\(file)")
            let frame = try t.frame("sample", wave: "2018")
            #expect(frame.respondents == ["a", "b", "c", "d", "e"])
            #expect(frame.column("mydate") == .texts(["2018-05-06", "1880-05-06", "1960-01-01", "1583-01-01", nil]), "\(file)")
            #expect(frame.column("mylabl") == .integers([1, 2, 1, 2, 1]) && frame.column("myord") == .integers([1, 2, 3, 1, 1]))
            #expect(frame.column("mynum") == .numbers([1.1, 1.2, -1000.3, -1.4, 1000.3]))
        }
    }

    /// A code whose label in the file is not the instrument's choice is refused, naming both.
    @Test func valueLabelsAreCheckedAgainstTheChoices() throws {
        let swapped = Self.sampleYAML.replacingOccurrences(of: "{code: 1, label: Male}", with: "{code: 1, label: Female}")
            .replacingOccurrences(of: "{code: 2, label: Female}", with: "{code: 2, label: Male}")
        do {
            _ = try importSample("spss/pyreadstat_sample.sav", yaml: swapped)
            Issue.record("accepted")
        } catch let list as DiagnosticList {
            #expect(list.diagnostics.map(\.message) == [
                "mylabl: code 1 is labelled 'Male' in the file but 'Female' in the instrument (sample 1, choice set sex): was the file coded for another version?",
                "mylabl: code 2 is labelled 'Female' in the file but 'Male' in the instrument (sample 1, choice set sex): was the file coded for another version?",
            ])
        }
    }

    /// User-defined missing values (SPSS's -1 "undetermined") are missing, not answers; a case with no
    /// id is refused at its case number.
    @Test func userDefinedMissingValuesAreMissing() throws {
        do {
            _ = try importSample("spss/pyreadstat_sample_missing.sav")
            Issue.record("accepted")
        } catch let list as DiagnosticList {
            #expect(list.diagnostics.map(\.description) == ["\(realFixture("spss/pyreadstat_sample_missing.sav")):7:1: respondent_id is empty"])
        }
    }
}
