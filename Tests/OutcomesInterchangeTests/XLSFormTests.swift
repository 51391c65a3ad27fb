import Foundation
import OutcomesInstruments
import OutcomesInterchange
import Testing

@Suite struct XLSFormImport {
    let fromWorkbook: ConvertedInstrument
    let fromCSV: ConvertedInstrument

    init() throws {
        let naming = InstrumentNaming(id: "fallback", title: "Fallback")
        fromWorkbook = try XLSForm.instrument(sheets: XLSForm.sheets(xlsx: fixture("xlsform-every-type.xlsx")), naming: nil, defaultNaming: naming)
        let sheets = try ["survey", "choices", "settings"].map { try XLSForm.sheet(csv: fixture("xlsform/\($0).csv"), name: $0) }
        fromCSV = try XLSForm.instrument(sheets: sheets, naming: nil, defaultNaming: naming)
    }

    func item(_ id: String) throws -> Item { try #require(fromWorkbook.instrument.item(id), "no item \(id)") }
    func notes(about field: String) -> [String] { fromWorkbook.notes.filter { $0.field == field }.map(\.message) }

    /// The .xlsx (written by openpyxl, with shared strings and numeric cells) and the same sheets as
    /// CSV give the same instrument and the same notes (but for where each note was found).
    @Test func theWorkbookAndItsCSVSheetsAgree() {
        var workbook = fromWorkbook.instrument, sheets = fromCSV.instrument
        #expect(workbook.source?.file == "xlsform-every-type.xlsx" && sheets.source?.file == "survey.csv")
        workbook.source = nil
        sheets.source = nil
        #expect(workbook == sheets)
        #expect(fromWorkbook.notes.map(\.message) == fromCSV.notes.map(\.message))
    }

    @Test func settingsNameTheInstrument() {
        let instrument = fromWorkbook.instrument
        #expect(instrument.id == "budget-checkin" && instrument.version == "2026110101" && instrument.title == "Budget holder check-in")
    }

    @Test func questionTypesGroupsAndChoicesMap() throws {
        let instrument = fromWorkbook.instrument
        #expect(instrument.sections.map(\.id) == ["about_you", "your_budget"])
        #expect(instrument.items.map(\.id) == ["age_years", "weight_kg", "visit_date", "comments_free", "has_budget", "budget_type",
                                               "budget_type_other", "helpers", "helper_thanks", "mood", "mood_low", "visits"])
        #expect(try item("age_years").type == .integer && item("age_years").required && item("age_years").range == ValueRange(min: 18, max: 110))
        #expect(try item("weight_kg").type == .number && item("weight_kg").range == ValueRange(min: 30, max: 250.5))
        #expect(try item("visit_date").type == .date && item("visit_date").required)
        #expect(try item("mood").type == .integer && item("mood").range == ValueRange(min: 0, max: 10))
        #expect(try item("helpers").type == .multipleChoice)
        #expect(try instrument.choiceSet(for: item("budget_type"))?.choices.map(\.code) == [1, 2, 3])
        #expect(try instrument.choiceSet(for: item("has_budget"))?.choices.map(\.label) == ["Yes", "No"])
        #expect(notes(about: "yes_no").contains { $0.contains("yes -> 1, no -> 2") })
        #expect(fromWorkbook.notes.contains { $0.message.contains("Comments-Free -> comments_free") })
        #expect(try item("comments_free").source == "Comments-Free")
        #expect(try instrument.choiceSet(for: item("has_budget"))?.choices.map(\.source) == ["yes", "no"])
        #expect(instrument.source?.format == .xlsform)
    }

    @Test func relevantBecomesShowIfWhereItCan() throws {
        #expect(try item("budget_type").showIf == SkipCondition(item: "has_budget", codes: [1]))
        #expect(try item("budget_type_other").showIf == SkipCondition(item: "budget_type", codes: [2, 3]))
        #expect(try item("helper_thanks").showIf == .answer(item: "helpers", test: .includes(1)))
        #expect(try item("mood_low").showIf == .answer(item: "mood", test: .compare(.lessThan, 3)))
    }

    @Test func whatDoesNotMapIsSaid() {
        for (field, words) in [("children", "repeat"), ("total", "calculation"), ("thanks", "note"), ("location", "geopoint"),
                               ("visits", "default"), ("budget_type", "required only when")] {
            #expect(notes(about: field).contains { $0.contains(words) }, "\(field): \(notes(about: field))")
        }
        #expect(fromWorkbook.instrument.item("child_age") == nil)
        #expect(notes(about: "weight_kg").filter { $0.contains("kept as") }.count == 2)
        let general = fromWorkbook.notes.filter { $0.field == nil }.map(\.message)
        for words in ["metadata fields recorded by the form app are not converted: start, today", "label::Français (fr)",
                      "hints are not carried, on 1 question(s): age_years", "appearance", "constraint messages"] {
            #expect(general.contains { $0.contains(words) }, "\(words)")
        }
    }

    @Test func badFormsAreErrorsWithSheetAndRow() throws {
        func errors(_ survey: String, _ choices: String = "list_name,name,label\n") -> [String] {
            let sheets = [XLSForm.Sheet(name: "survey", source: "form.xlsx [survey]", rows: rows(survey)),
                          XLSForm.Sheet(name: "choices", source: "form.xlsx [choices]", rows: rows(choices))]
            do {
                _ = try XLSForm.instrument(sheets: sheets, naming: nil, defaultNaming: InstrumentNaming(id: "f", title: "F"))
                return []
            } catch let list as DiagnosticList { return list.diagnostics.map(\.description) } catch { return ["\(error)"] }
        }
        #expect(errors("type,name,label\nselect_one colours,fav,Favourite\n") == ["form.xlsx [survey] row 2: 'fav': no choice list 'colours' on the choices sheet"])
        #expect(errors("type,name,label\ninteger,,Age\n") == ["form.xlsx [survey] row 2: a 'integer' row has no name"])
        #expect(errors("type,name,label\ninteger,a,A\ninteger,a,Again\n") == ["form.xlsx [survey] row 3: 'a' gives item id 'a', which is already used"])
        #expect(errors("name,label\nx,X\n").first?.contains("no 'type' column") == true)
        #expect(errors("type,name,label\nnote,hello,Hi\n").first?.contains("no question converts") == true)
        #expect(throws: Diagnostic.self) { try XLSForm.sheets(xlsx: fixture("xlsform/survey.csv")) }
    }

    /// A survey sheet saved as CSV without its choices sheet: one line naming every list it needs.
    @Test func aSurveySheetWithoutItsChoicesSaysSoOnce() throws {
        let survey = try XLSForm.sheet(csv: fixture("xlsform/survey.csv"), name: "survey")
        do {
            _ = try XLSForm.instrument(sheets: [survey], naming: nil, defaultNaming: InstrumentNaming(id: "f", title: "F"))
            Issue.record("accepted")
        } catch let list as DiagnosticList {
            #expect(list.diagnostics.map(\.message) == [
                "the form has select questions (choice lists yes_no, management, helpers) but no choices sheet: give it with --choices choices.csv"])
        }
    }

    private func rows(_ csv: String) -> [(number: Int, cells: [String])] {
        csv.split(separator: "\n").enumerated().map { ($0.offset + 1, $0.element.split(separator: ",", omittingEmptySubsequences: false).map(String.init)) }
    }
}
