import Foundation
import OutcomesInstruments
import OutcomesInterchange
import Testing

/// Files from other projects (`Fixtures/real/SOURCES.md`).
func realFixture(_ name: String) -> String { fixture("real/\(name)") }

func convertXLSForm(_ name: String, naming: InstrumentNaming? = nil) throws -> ConvertedInstrument {
    try XLSForm.instrument(sheets: XLSForm.sheets(xlsx: realFixture("xlsform/\(name)")), naming: naming,
                           defaultNaming: .fromFile(name))
}

func convertREDCap(_ name: String, recordID: REDCapDictionary.RecordIDField = .detect) throws -> ConvertedInstrument {
    let path = realFixture("redcap/\(name)")
    return try REDCapDictionary.instrument(csv: Data(contentsOf: URL(fileURLWithPath: path)), file: name,
                                           naming: .fromFile(name), recordID: recordID)
}

/// The problems a conversion reports, as printed.
func conversionProblems(_ body: () throws -> ConvertedInstrument) -> [String] {
    do {
        _ = try body()
        Issue.record("expected the conversion to fail")
    } catch let list as DiagnosticList {
        return list.diagnostics.map(\.description)
    } catch let diagnostic as Diagnostic {
        return [diagnostic.description]
    } catch {
        Issue.record("unexpected error \(error)")
    }
    return []
}

extension ConvertedInstrument {
    func item(_ id: String) throws -> Item { try #require(instrument.item(id), "no item \(id) in \(instrument.items.map(\.id))") }
    func notes(containing words: String) -> [String] { notes.map(\.description).filter { $0.contains(words) } }
}

@Suite struct RealXLSForms {
    @Test func aChoicesSheetHeadedListNameIsRead() throws {
        let converted = try convertXLSForm("pyxform__or_other.xlsx")
        #expect(try converted.instrument.choiceSet(for: converted.item("fav_color"))?.choices.map(\.source)
                == ["red", "green", "blue", "mauve", "apricot", "other"])
        let spaces = try convertXLSForm("pyxform__spaces_in_choices_header.libreoffice.xlsx")
        #expect(try spaces.item("my_select").type == .singleChoice)
    }

    /// pyxform names such notes itself: they must not stop the conversion.
    @Test func notesWithoutANameAreNotErrors() throws {
        let found = conversionProblems { try convertXLSForm("pyxform__repeat_date_test.libreoffice.xlsx") }
        #expect(!found.contains { $0.contains("has no name") }, "\(found)")
        #expect(found.first?.contains("no question converts") == true, "every question of this form is in a repeat")
        #expect(found.contains { $0.contains("2 note(s) without a name") })
    }

    /// Cascading selects list a choice once per parent: one answer, one code, no abort.
    @Test func aChoiceNameRepeatedForACascadingSelectIsOneChoice() throws {
        let converted = try convertXLSForm("pyxform__choice_filter_test.xlsx")
        let counties = try #require(try converted.instrument.choiceSet(for: converted.item("county")))
        #expect(counties.choices.map(\.source) == ["king", "pierce", "cameron"])
        #expect(converted.notes(containing: "'king' appear more than once").count == 1)
        #expect(converted.notes(containing: "choice filter ('${state}=cf') is not carried").count == 1)
    }

    /// Numbers are read as numbers: a version stored as a number (a formula's value) and choice
    /// names stored as numbers 0 and 1 keep their value, instead of "2.41E9" or "1.0".
    @Test func numericCellsAreReadAsTheirValues() throws {
        let phone = try convertXLSForm("scto__Phone_Survey_Form.xlsx")
        #expect(phone.instrument.version == "2410020800")
        let sms = try convertXLSForm("pyxform__sms_info.libreoffice.xlsx")
        let yesNo = try #require(try sms.instrument.choiceSet(for: sms.item("has_children")))
        #expect(yesNo.choices.map(\.code) == [0, 1] && yesNo.choices.allSatisfy { $0.source == nil }, "\(yesNo.choices)")
        #expect(try sms.item("web_browsers").type == .multipleChoice, "select all that apply from browsers")
    }

    @Test func aLegacyXLSWorkbookIsNamedAsSuch() {
        let found = conversionProblems { try convertXLSForm("pyxform__tutorial.xls") }
        #expect(found == ["\(realFixture("xlsform/pyxform__tutorial.xls")): this is an .xls workbook (Excel 97-2003), which is not read: "
                          + "save it as .xlsx (File > Save As > Excel Workbook), or save each sheet as CSV UTF-8"])
    }

    /// A group's relevant holds for every question inside it, combined with each one's own.
    @Test func aGroupsRelevantIsCarriedDownToItsQuestions() throws {
        let spec = try convertXLSForm("pyxform__xlsform_spec_test.xlsx")
        let skipped: SkipCondition = .not(.answer(item: "skip_to_end", test: .oneOf([1])))
        #expect(try spec.item("my_name").showIf == skipped)
        #expect(try spec.item("a_integer").showIf == skipped)
        // kobocat's form writes bind:relevant on nested groups: both hold inside the inner one.
        let mch = try convertXLSForm("kobocat__MCH_v1.libreoffice.xlsx")
        #expect(try mch.item("month").showIf == .answer(item: "beneficiary", test: .oneOf([1])))
        #expect(try mch.item("bp").showIf == .all([.answer(item: "beneficiary", test: .oneOf([1])), .answer(item: "service", test: .oneOf([1]))]))
        #expect(try mch.item("hplevel").showIf == .all([.answer(item: "beneficiary", test: .oneOf([1])), .answer(item: "service", test: .oneOf([1])),
                                                        .answer(item: "lab", test: .oneOf([1]))]))
        // A group relevant on a calculation (SurveyCTO's random order) cannot be carried, and says why.
        let random = try convertXLSForm("scto__random_module_order.xlsx")
        #expect(!random.notes(containing: "the group's relevant '${random_1} <= 0.5' is not carried ('random_1' is not an earlier converted question)").isEmpty)
    }

    @Test func referencesToEarlierAnswersInLabelsAreReported() throws {
        let choices = try convertXLSForm("scto__repeat_allows_selection.xlsx")
        #expect(choices.notes(containing: "labels that show an earlier answer (${...})").first?.contains("on 15 label(s): hhmember/1") == true)
        // In a note (not converted) the reference is shown with the note's text.
        let notes = try convertXLSForm("pyxform__UCL_Biomass_Plot_Form.xlsx")
        #expect(!notes.notes(containing: "is not converted: 'Radius ya kupima ya plot kubwa ni ${slope_radius}").isEmpty
                || !notes.notes(containing: "${slope_radius}").isEmpty)
    }

    @Test func orOtherAddsTheOtherChoiceAndItsQuestion() throws {
        let colours = try convertXLSForm("pyxform__or_other.xlsx")
        #expect(try colours.item("fav_color_other").showIf == .answer(item: "fav_color", test: .oneOf([6])))
        let transport = try convertXLSForm("kobocat__transportation.libreoffice.xlsx")
        let other = try transport.item("available_transportation_types_to_referral_facility_other")
        #expect(other.showIf == .answer(item: "available_transportation_types_to_referral_facility", test: .includes(10)))
        #expect(!transport.notes(containing: "or_other").isEmpty)
    }

    /// Columns the converter does not read are named (media, SurveyCTO's and pyxform's extras).
    @Test func unreadColumnsAreNamed() throws {
        let converted = try convertXLSForm("pyxform__xlsform_spec_test.xlsx")
        #expect(!converted.notes(containing: "columns not carried: rows, requiredMsg, image, audio").isEmpty)
    }

    @Test func upperCaseSheetsAndHeadersAreRead() throws {
        let converted = try convertXLSForm("pyxform__case_insensitivity.xlsx")
        #expect(!converted.instrument.items.isEmpty)
    }

    /// A form as KoboToolbox downloads it keeps its group paths and question names for the exports.
    @Test func groupPathsAndNamesAreKeptForTheExports() throws {
        let converted = try convertXLSForm("kobotransfer__Project_Overview__aRxMkyoPa6dj5wqMnT4vnz.xlsx")
        #expect(converted.instrument.sections.compactMap(\.source).contains("project/project_team/team_member"))
        #expect(try converted.item("company_name").source == "Company_name")
        #expect(converted.notes(containing: "names become item ids").count == 1, "one summary line, not one note per name")
        #expect(try InstrumentParser.parse(converted.yaml) == converted.instrument)
    }
}

@Suite struct RealREDCapDictionaries {
    /// An instrument.csv (what an instrument zip holds) has no record id: its first field is a question.
    @Test func theFirstFieldOfAnInstrumentFileIsAQuestion() throws {
        let converted = try convertREDCap("abcd_geocoding_instrument.csv")
        #expect(converted.instrument.items.first?.id == "reshist_addr1_id")
        #expect(converted.instrument.source?.recordID == nil)
        #expect(!converted.notes(containing: "has no record id field").isEmpty)
        // Its variable names are not lower-case: valid ids, the names kept, one summary note.
        #expect(try converted.item("reshist_addr1_d1a").source == "reshist_addr1_D1A")
        #expect(converted.notes(containing: "variable names become item ids").count == 1)
        #expect(converted.notes(containing: "action tags").count == 1)
        // In a project's dictionary the first field is the record id.
        let project = try convertREDCap("redcapr_longitudinal_dictionary.csv")
        #expect(project.instrument.source?.recordID == "study_id" && project.instrument.item("study_id") == nil)
    }

    /// The same instrument.csv in a zip, as REDCap's Shared Library gives it.
    @Test func anInstrumentZipIsRead() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(atPath: realFixture("redcap/abcd_geocoding_instrument.csv"),
                                         toPath: directory.appendingPathComponent("instrument.csv").path)
        try Data("OriginID\n".utf8).write(to: directory.appendingPathComponent("OriginID.txt"))
        let zip = directory.appendingPathComponent("geocoding.zip").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED); "
                             + "[z.write(p, p.split('/')[-1]) for p in sys.argv[2:]]; z.close()",
                             zip, directory.appendingPathComponent("instrument.csv").path, directory.appendingPathComponent("OriginID.txt").path]
        try process.run()
        process.waitUntilExit()
        let converted = try REDCapDictionary.instrument(zip: zip, naming: InstrumentNaming(id: "geocoding", title: "Geocoding"))
        #expect(converted.instrument.items.first?.id == "reshist_addr1_id")
        #expect(!converted.notes(containing: "OriginID.txt").isEmpty)
    }

    @Test func numberCommaDecimalTakesDecimalCommas() throws {
        let converted = try convertREDCap("redcapr_decimal-comma-and-dot_dictionary.csv")
        #expect(try converted.item("height_comma").decimalComma && !converted.item("height_dot").decimalComma)
        #expect(!converted.notes(containing: "number_comma_decimal").isEmpty)
        #expect(converted.yaml.contains("decimal_separator: comma"))
    }

    @Test func emptyLabelsMatrixGroupsAndValidationsAreReported() throws {
        let files = try convertREDCap("redcapr_file-repo_dictionary.csv")
        #expect(!files.notes(containing: "descriptive text fields").isEmpty)
        let longitudinal = try convertREDCap("redcapr_longitudinal_dictionary.csv")
        #expect(!longitudinal.notes(containing: "matrix group").isEmpty)
        let validations = try convertREDCap("redcapr_validation-types-1_dictionary.csv")
        #expect(validations.instrument.items.count > 30)
    }

    /// Branching with and, or, parentheses, a checkbox option and comparisons, on redcapAPI's test project.
    @Test func branchingLogicAsRealProjectsWriteIt() throws {
        let converted = try convertREDCap("redcapapi_TestRedcapAPI_DataDictionary.csv")
        let conditions = converted.instrument.items.compactMap { item in item.showIf.map { (item.id, $0) } }
        #expect(conditions.count >= 5, "\(conditions)")
        #expect(conditions.contains { $0.1 == .answer(item: "prereq_checkbox", test: .includes(5)) } ||
                conditions.contains { $0.1.description.contains("prereq_checkbox includes") })
        #expect(conditions.contains { if case .all = $0.1 { return true } else { return false } })
        #expect(conditions.contains { if case .any = $0.1 { return true } else { return false } })
        // What cannot be carried (a date compared) says why, and the question is always asked.
        #expect(!converted.notes(containing: "is a date item").isEmpty)
    }

    /// A required field asked only under logic stays required where the logic is carried (here
    /// written over three lines, as REDCap's editor lets it be).
    @Test func requiredFollowsItsLogic() throws {
        let converted = try convertREDCap("rarelink_v2_0_0_datadictionary.csv")
        let validation = try converted.item("variant_validation")
        #expect(validation.required)
        #expect(validation.showIf == .any([.answer(item: "loinc_81290_9", test: .answered(true)),
                                           .answer(item: "loinc_48004_6", test: .answered(true)),
                                           .answer(item: "loinc_48005_3", test: .answered(true))]))
    }

    @Test func aDamagedDictionarySaysWhereAndWhy() {
        let found = conversionProblems { try convertREDCap("rarelink_cdm_datadictionary_v2_0_5.csv") }
        #expect(found == ["rarelink_cdm_datadictionary_v2_0_5.csv:818: malformed CSV: unexpected text after a closing quote "
                          + "(a quote inside a quoted field is written twice: \"\")"])
    }
}
