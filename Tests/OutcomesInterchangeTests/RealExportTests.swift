import Foundation
import OutcomesInstruments
import OutcomesInterchange
@testable import OutcomesStore
import Testing

/// A store in a temporary folder, and imports of real exports into it.
final class ExportImport {
    let directory: URL
    let store: Store

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("outcomes-exports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try Store(path: directory.appendingPathComponent("t.sqlite").path)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func run(_ file: String, _ converted: ConvertedInstrument, _ configure: (inout ResponseImportOptions) -> Void = { _ in }) throws -> ResponseImportSummary {
        var options = ResponseImportOptions()
        configure(&options)
        return try store.importResponses(file: realFixture(file), instrument: converted.instrument, definition: converted.yaml, options: options)
    }

    func problems(_ file: String, _ converted: ConvertedInstrument, _ configure: (inout ResponseImportOptions) -> Void = { _ in }) -> [String] {
        do {
            _ = try run(file, converted, configure)
            Issue.record("expected \(file) to be refused")
        } catch let list as DiagnosticList {
            let root = realFixture("x").dropLast()
            return list.diagnostics.map { $0.description.replacingOccurrences(of: root, with: "") }
        } catch {
            Issue.record("unexpected error \(error)")
        }
        return []
    }

    func frame(_ instrument: String, wave: String) throws -> ResponseFrame {
        try store.responses(instrument: instrument, wave: wave, respondentCodes: true)
    }

    func scalar(_ sql: String) throws -> String? { try store.db.scalarText(sql) }
}

@Suite struct RealREDCapExports {
    /// REDCapR's longitudinal project: events as waves, checkbox options as one answer, forms not
    /// entered in an event not asked there, incomplete records left out and counted.
    @Test func aLongitudinalExportImportsAsItComes() throws {
        let t = try ExportImport()
        let instrument = try convertREDCap("redcapr_longitudinal_dictionary.csv")
        let result = try t.run("redcap/redcapr_longitudinal_data.csv", instrument) { $0.layout = .redcap; $0.site = "north" }
        #expect(result.rowsRead == 18 && result.stored.new == 11, "\(result.notes) \(result.skipped)")
        #expect(result.skipped.map(\.rows) == [7] && result.skipped[0].reason.contains("incomplete"))
        // Record 100's visit 1 has its blood work-up unverified (status 1); 220's baseline data too.
        #expect(result.notes.contains { $0.contains("records left out as incomplete: 100 (visit_1_arm_1), 100 (dose_2_arm_1), 220 (enrollment_arm_1)") },
                "\(result.notes)")
        #expect(result.format == "redcap")
        // Record 100 at enrolment ticked gym___0 only (columns 1,0,0,0,0): code 0. Its other forms of
        // that event (visits, completion) were not entered there.
        let enrolment = try t.frame(instrument.instrument.id, wave: "enrollment_arm_1")
        #expect(enrolment.respondents == ["100"])
        #expect(enrolment.column("gym") == .texts(["0"]))
        #expect(try t.scalar("SELECT format FROM imports") == "redcap")
        #expect(try t.scalar("SELECT count(*) FROM waves") == "9", "one wave per event with a complete record")
        // With the incomplete records too, and the events mapped, nothing is left out but forms not entered.
        let u = try ExportImport()
        let all = try u.run("redcap/redcapr_longitudinal_data.csv", instrument) {
            $0.layout = .redcap; $0.site = "north"; $0.includeIncomplete = true
            $0.events = ["enrollment_arm_1": "baseline", "dose_1_arm_1": "dose1", "visit_1_arm_1": "visit1", "dose_2_arm_1": "dose2",
                         "visit_2_arm_1": "visit2", "final_visit_arm_1": "final", "enrollment_arm_2": "skip", "first_dose_arm_2": "skip",
                         "first_visit_arm_2": "skip", "final_visit_arm_2": "skip", "deadline_to_opt_ou_arm_2": "skip",
                         "deadline_to_return_arm_2": "skip"]
        }
        #expect(all.stored.new == 12 && all.skipped.map(\.rows).reduce(0, +) == 6, "\(all.skipped)")
    }

    @Test func anUnmappedEventIsNamedWithItsRows() throws {
        let t = try ExportImport()
        let instrument = try convertREDCap("redcapr_longitudinal_dictionary.csv")
        let found = t.problems("redcap/redcapr_longitudinal_data.csv", instrument) {
            $0.layout = .redcap; $0.site = "north"; $0.includeIncomplete = true; $0.events = ["enrollment_arm_1": "baseline"]
        }
        #expect(found.contains { $0.contains("event 'dose_1_arm_1'") && $0.contains("has no wave") && $0.contains("--event dose_1_arm_1=WAVE") })
        #expect(try t.scalar("SELECT count(*) FROM responses") == "0")
    }

    @Test func dataAccessGroupsAreSitesAndLetterCodedCheckboxesAreRead() throws {
        let t = try ExportImport()
        let groups = try convertREDCap("redcapr_blank-for-gray-status_dictionary.csv")
        // Two records are in no data access group: without --site they are refused, naming the first.
        let refused = t.problems("redcap/redcapr_blank-for-gray-status_data.csv", groups) { $0.layout = .redcap; $0.wave = "2026"; $0.includeIncomplete = true }
        #expect(refused == ["redcap/redcapr_blank-for-gray-status_data.csv:5:2: 2 row(s) have no data access group, the first here: give the site of such records with --site NAME"])
        // REDCap's min and max are soft (a value outside is saved after a warning); the instrument's are not,
        // so this export's height of 7 (cm, for a mouse) is refused at its cell until the range is edited.
        let outOfRange = t.problems("redcap/redcapr_blank-for-gray-status_data.csv", groups) {
            $0.layout = .redcap; $0.wave = "2026"; $0.includeIncomplete = true; $0.site = "unassigned"
        }
        #expect(outOfRange.first == "redcap/redcapr_blank-for-gray-status_data.csv:2:12: height: 7 is out of range (130 to 215)", "\(outOfRange)")
        #expect(!groups.notes(containing: "soft").isEmpty)
        var edited = groups
        for s in edited.instrument.sections.indices {
            for i in edited.instrument.sections[s].items.indices { edited.instrument.sections[s].items[i].range = nil }
        }
        edited.instrument.version = "edited"
        let result = try t.run("redcap/redcapr_blank-for-gray-status_data.csv", edited) {
            $0.layout = .redcap; $0.wave = "2026"; $0.includeIncomplete = true; $0.site = "unassigned"
        }
        let frame = try t.frame(groups.instrument.id, wave: "2026")
        #expect(frame.sites.levels == ["dag_1", "unassigned"] || Set(frame.sites.levels).isSuperset(of: ["dag_1", "unassigned"]), "\(frame.sites.levels)")
        #expect(result.stored.new == frame.count)
        let boxes = try convertREDCap("redcapr_checkboxes-1_dictionary.csv")
        _ = try t.run("redcap/redcapr_checkboxes-1_data.csv", boxes) { $0.layout = .redcap; $0.wave = "2026"; $0.site = "north" }
        let checked = try t.frame(boxes.instrument.id, wave: "2026")
        // Record 1 ticked check_two a and c: REDCap's codes a and c are the instrument's 1 and 3.
        #expect(checked.column("check_two") == .texts(["1;3", nil]) || checked.column("check_two") == .texts(["1;3", nil, nil]), "\(checked.column("check_two"))")
    }

    @Test func repeatingInstrumentsAreRefusedByName() throws {
        let t = try ExportImport()
        let instrument = try convertREDCap("redcapr_repeating-instruments_dictionary.csv")
        let found = t.problems("redcap/redcapr_repeating-instruments_data.csv", instrument) { $0.layout = .redcap; $0.wave = "2026"; $0.site = "north" }
        #expect(found.count == 1 && found[0].hasPrefix("redcap/redcapr_repeating-instruments_data.csv:3:2: repeating instrument 'bp' (4 row(s))"), "\(found)")
    }

    @Test func decimalCommasAsREDCapExportsThem() throws {
        let t = try ExportImport()
        let instrument = try convertREDCap("redcapr_decimal-comma-and-dot_dictionary.csv")
        _ = try t.run("redcap/redcapr_decimal-comma-and-dot_data.csv", instrument) { $0.layout = .redcap; $0.wave = "2026"; $0.site = "north" }
        let frame = try t.frame(instrument.instrument.id, wave: "2026")
        #expect(frame.column("height_comma") == frame.column("height_dot"))
        #expect(frame.column("weight_comma") == .numbers([52.3, 92.3, 123.4, 44.5]) || frame.column("weight_comma") == frame.column("weight_dot"))
    }

    @Test func surveyTimestampsAndOtherREDCapColumnsAreLeftOutWithANote() throws {
        let t = try ExportImport()
        let instrument = try convertREDCap("redcapr_survey_dictionary.csv")
        let result = try t.run("redcap/redcapr_survey_data.csv", instrument) { $0.layout = .redcap; $0.wave = "2026"; $0.site = "north" }
        #expect(result.notes.contains { $0.contains("redcap_survey_identifier") && $0.contains("prescreening_survey_timestamp") })
        #expect(result.stored.new == 2)
    }

    /// redcapAPI's test project has events, repeats and groups in one export: its repeating forms are
    /// refused, by name, and nothing is stored.
    @Test func aProjectWithEventsRepeatsAndGroupsTogether() throws {
        let t = try ExportImport()
        let instrument = try convertREDCap("redcapapi_TestRedcapAPI_DataDictionary.csv")
        let found = t.problems("redcap/redcapapi_TestRedcapAPI_Records.csv", instrument) { $0.layout = .redcap; $0.site = "north" }
        #expect(found.contains { $0.contains("repeating instrument") }, "\(found)")
    }

    @Test func aLabelsExportIsRecognised() throws {
        let t = try ExportImport()
        let instrument = try convertREDCap("redcapr_survey_dictionary.csv")
        let labels = t.directory.appendingPathComponent("labels.csv")
        try Data("Participant ID,Survey Identifier,Date of birth\n1,,2018-03-06\n".utf8).write(to: labels)
        var options = ResponseImportOptions()
        options.layout = .redcap
        options.wave = "2026"
        #expect(throws: DiagnosticList.self) {
            try t.store.importResponses(file: labels.path, instrument: instrument.instrument, definition: instrument.yaml, options: options)
        }
        do {
            _ = try t.store.importResponses(file: labels.path, instrument: instrument.instrument, definition: instrument.yaml, options: options)
        } catch let list as DiagnosticList {
            #expect(list.description.contains("looks like a REDCap export of labels") && list.description.contains("raw data"))
        }
    }
}

@Suite struct RealKoboExports {
    /// kobocat's transportation form and its CSV export: per-choice True/False columns, 'n/a' for
    /// questions not asked, or_other's text, the instance id as the respondent.
    @Test func aKoboCSVExportImportsAgainstItsForm() throws {
        let t = try ExportImport()
        let form = try convertXLSForm("kobocat__transportation.libreoffice.xlsx", naming: InstrumentNaming(id: "transportation", title: "Transportation"))
        let result = try t.run("kobo/kobocat__transportation.csv", form) { $0.layout = .kobo; $0.site = "north"; $0.wave = "2013" }
        #expect(result.stored.new == 4 && result.format == "kobo")
        #expect(result.notes.contains { $0.contains("identified by meta/instanceID") })
        #expect(result.notes.contains { $0.contains("3 cell(s) read 'n/a'") })
        let frame = try t.frame("transportation", wave: "2013")
        #expect(frame.respondents.first == "uuid:5b2cc313-fc09-437e-8149-fcd32f695d41")
        #expect(frame.column("available_transportation_types_to_referral_facility") == .texts([nil, "1;2", "1", "9;10"]))
        #expect(frame.column("available_transportation_types_to_referral_facility_other") == .texts([nil, nil, nil, "camel"]))
        // The data dictionary names each variable as the form and its exports do.
        let dictionary = try readCSVRecords(Data(DataDictionary.csv(for: form.instrument).utf8), file: "d.csv")
        let row = try #require(dictionary.first { $0.fields[0] == "available_transportation_types_to_referral_facility" })
        #expect(row.fields[10].hasPrefix("transport/available_transportation_types_to_referral_facility (1=ambulance | 2=bicycle"))
        // The same file again is four duplicates.
        #expect(try t.run("kobo/kobocat__transportation.csv", form) { $0.layout = .kobo; $0.site = "north"; $0.wave = "2013" }.stored.duplicates == 4)
    }

    /// KoboToolbox's Excel export of a form with groups four deep.
    @Test func aKoboWorkbookExportImportsAgainstItsForm() throws {
        let t = try ExportImport()
        let form = try convertXLSForm("kobotransfer__Project_Overview__aRxMkyoPa6dj5wqMnT4vnz.xlsx",
                                      naming: InstrumentNaming(id: "project-overview", title: "Project overview"))
        let result = try t.run("kobo/kobotransfer__Project_Overview_export.xlsx", form) { $0.layout = .kobo; $0.site = "north"; $0.wave = "2024" }
        #expect(result.stored.new == 5 && result.format == "kobo-xlsx")
        let frame = try t.frame("project-overview", wave: "2024")
        if case let .texts(names) = frame.column("company_name") { #expect(names.allSatisfy { $0 != nil }) } else { Issue.record("no company_name") }
    }

    /// ODK Central joins group names with '-' and names the submission KEY. The form is an ODK
    /// Build XForm, not an XLSForm: this instrument is written for its questions.
    @Test func anODKCentralExportReadsDashedPaths() throws {
        let yaml = """
        id: flora-quadrat
        version: "0.4"
        title: Flora Quadrat
        source: {format: xlsform}
        sections:
          - id: location
            source: location
            items:
              - {id: quadrat_photo, text: Photo, type: text}
          - id: habitat
            source: habitat
            items:
              - {id: morphological_type, text: Morphological type, type: text}
        """
        let instrument = try InstrumentParser.parse(yaml)
        let converted = ConvertedInstrument(instrument: instrument, yaml: yaml, notes: [])
        let t = try ExportImport()
        let result = try t.run("kobo/ruODK__build_Flora-Quadrat-0-4_1564384341.csv", converted) { $0.layout = .kobo; $0.site = "north"; $0.wave = "2019" }
        #expect(result.notes.contains { $0.contains("identified by KEY") || $0.contains("identified by meta-instanceID") }, "\(result.notes)")
        let frame = try t.frame("flora-quadrat", wave: "2019")
        #expect(frame.count == result.stored.new && frame.count > 0)
        if case let .texts(values) = frame.column("morphological_type") { #expect(values.contains { $0 != nil }) } else { Issue.record("no habitat-morphological_type") }
    }

    @Test func aChoiceNameTheFormDoesNotHaveIsRefusedAtItsCell() throws {
        let t = try ExportImport()
        let form = try convertXLSForm("kobocat__transportation.libreoffice.xlsx", naming: InstrumentNaming(id: "transportation", title: "Transportation"))
        let path = t.directory.appendingPathComponent("changed.csv")
        let text = "transport/available_transportation_types_to_referral_facility,meta/instanceID\n\"bus helicopter\",uuid:1\n"
        try Data(text.utf8).write(to: path)
        var options = ResponseImportOptions()
        options.layout = .kobo
        options.site = "north"
        options.wave = "2013"
        do {
            _ = try t.store.importResponses(file: path.path, instrument: form.instrument, definition: form.yaml, options: options)
            Issue.record("accepted")
        } catch let list as DiagnosticList {
            #expect(list.diagnostics.map(\.description) == ["\(path.path):2:1: available_transportation_types_to_referral_facility: 'helicopter' "
                + "is not a choice of transport_types (expected ambulance, bicycle, boat_canoe, bus, donkey_mule_cart, keke_pepe, lorry, "
                + "motorbike, taxi, other)"])
        }
    }
}

