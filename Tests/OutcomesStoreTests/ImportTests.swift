import Foundation
import Testing
@testable import OutcomesInstruments
@testable import OutcomesStore

let surveyYAML = """
id: survey
version: "1"
title: Survey
domains:
  independence: Independence
  safety: Safety
choice_sets:
  impact:
    - {code: 1, label: Better, valence: positive}
    - {code: 3, label: Same, valence: neutral}
    - {code: 5, label: Worse, valence: negative}
    - {code: 8, label: Not applicable, special: not_applicable}
  yes_no:
    - {code: 1, label: "Yes"}
    - {code: 2, label: "No"}
sections:
  - id: main
    items:
      - {id: has_carer, text: Carer?, type: single_choice, choices: yes_no}
      - {id: carer_hours, text: Hours, type: integer, range: {min: 0, max: 168}, show_if: {item: has_carer, equals: 1}}
      - {id: helpers, text: Helpers, type: multiple_choice, choices: yes_no}
      - {id: cost, text: Cost, type: number}
      - {id: started, text: Started, type: date}
      - {id: note, text: Note, type: text}
      - {id: outcome_independence, text: Independence, type: single_choice, choices: impact, domain: independence, required: true}
      - {id: outcome_safety, text: Safety, type: single_choice, choices: impact, domain: safety, required: true}
"""

/// A fresh store in its own temporary folder, removed afterwards.
final class TemporaryStore {
    let directory: URL
    let store: Store
    let instrument: Instrument

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("outcomes-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try Store(path: directory.appendingPathComponent("test.sqlite").path)
        instrument = try InstrumentParser.parse(surveyYAML)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func importCSV(_ text: String, file: String = "in.csv", dryRun: Bool = false, corrections: Bool = false) throws -> ImportSummary {
        try store.importCSV(data: Data(text.utf8), file: file, instrument: instrument, definition: surveyYAML,
                            options: ImportOptions(dryRun: dryRun, applyCorrections: corrections))
    }

    /// The problems an import reports (it must fail).
    func problems(_ text: String) -> [String] {
        do {
            _ = try importCSV(text)
            Issue.record("expected the import to fail")
            return []
        } catch let list as DiagnosticList {
            return list.diagnostics.map(\.description)
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    func count(_ table: String) throws -> Int64 {
        try store.db.scalarInt("SELECT count(*) FROM \(table)") ?? -1
    }
}

let goodCSV = #"""
respondent_id,site,arm,wave,has_carer,carer_hours,helpers,cost,started,note,outcome_independence,outcome_safety
R1,north,pilot,baseline,1,20,1;2,120.5,2024-01-31,"Fine, ""mostly""",1,3
R2,north,pilot,baseline,2,,,,,,3,8
R3,south,control,baseline,,,2,,,,5,1
R1,north,pilot,followup,1,10,,,,,1,1

"""#

@Suite struct Import {
    @Test func storesAGoodFileAndReadsItBack() throws {
        let t = try TemporaryStore()
        let summary = try t.importCSV(goodCSV)
        #expect(summary.rows == 4 && summary.new == 4 && summary.duplicates == 0)
        #expect(try t.count("responses") == 4)
        #expect(try t.count("respondents") == 3)  // R1 answered two waves: one respondent, linked
        #expect(try t.count("answers_survey") == 4)

        let frame = try t.store.responses(instrument: "survey", wave: "baseline", respondentCodes: true)
        #expect(frame.count == 3)
        #expect(frame.respondents == ["R1", "R2", "R3"])
        #expect(Set(frame.respondentKeys).count == 3)
        #expect(try t.store.responses(instrument: "survey", wave: "baseline").respondents.isEmpty, "codes are read only when asked for")
        #expect(frame.column("outcome_safety") == .integers([3, 8, 1]))
        #expect(frame.column("carer_hours") == .integers([20, nil, nil]))
        #expect(frame.column("helpers") == .texts(["1;2", nil, "2"]))
        #expect(frame.column("cost") == .numbers([120.5, nil, nil]))
        #expect(frame.column("started") == .texts(["2024-01-31", nil, nil]))
        #expect(frame.column("note") == .texts(["Fine, \"mostly\"", nil, nil]))
        #expect(frame.arms.levels == ["pilot", "control"] && frame.arms.codes == [0, 0, 1])
        #expect(frame.sites.levels == ["north", "south"])
        #expect(try t.store.integrityCheck() == "ok")
    }

    @Test func reimportingTheSameFileStoresNoDuplicates() throws {
        let t = try TemporaryStore()
        _ = try t.importCSV(goodCSV)
        let again = try t.importCSV(goodCSV)
        #expect(again.new == 0 && again.duplicates == 4)
        #expect(try t.count("responses") == 4)
        #expect(try t.count("answers_survey") == 4)
        #expect(try t.count("imports") == 2)
    }

    @Test func aChangedAnswerForAStoredResponseIsRefusedNotOverwritten() throws {
        let t = try TemporaryStore()
        _ = try t.importCSV(goodCSV)
        let changed = goodCSV.replacingOccurrences(of: "R2,north,pilot,baseline,2,,,,,,3,8", with: "R2,north,pilot,baseline,2,,,,,,1,8")
        #expect(t.problems(changed) == ["in.csv:3: respondent R2 at site north already has a stored baseline response with different answers (outcome_independence); to apply them as a correction, import with --corrections"])
        #expect(try t.store.responses(instrument: "survey", wave: "baseline").column("outcome_independence") == .integers([1, 3, 5]))
    }

    @Test func aCorrectionKeepsOldAndNewInTheAuditTrail() throws {
        let t = try TemporaryStore()
        _ = try t.importCSV(goodCSV, file: "first.csv")
        let changed = goodCSV.replacingOccurrences(of: "R2,north,pilot,baseline,2,,,,,,3,8", with: "R2,north,control,baseline,2,,,,,,1,8")
        let summary = try t.importCSV(changed, file: "second.csv", corrections: true)
        #expect(summary.corrected == 1 && summary.duplicates == 3 && summary.new == 0)
        #expect(try t.store.responses(instrument: "survey", wave: "baseline").column("outcome_independence") == .integers([1, 1, 5]))
        let audit = try t.store.db.prepare("""
            SELECT action, source, old_answers, new_answers, length(sha256), stored_by, site FROM audit_trail
            WHERE response_key = 'survey/north/R2/baseline' ORDER BY at, action DESC
            """)
        var rows: [[String]] = []
        while try audit.step() { rows.append((0..<7).map { audit.text(Int32($0)) ?? "NULL" }) }
        #expect(rows.count == 2)
        #expect(rows.first { $0[0] == "stored" }?[1] == "first.csv")
        let correction = try #require(rows.first { $0[0] == "corrected" })
        #expect(correction[1] == "second.csv")
        #expect(correction[2] == #"{"arm":"pilot","outcome_independence":3}"#)
        #expect(correction[3] == #"{"arm":"control","outcome_independence":1}"#)
        #expect(correction[4] == "64")
        #expect(correction[5] != "NULL")
        #expect(correction[6] == "north")
    }

    /// Files of several thousand rows cross the reading thread's batches (1,024 rows): problems found
    /// by either thread, late in the file, still leave the store as it was, and are listed in file order.
    @Test func problemsLateInALargeFileStoreNothingFromIt() throws {
        let t = try TemporaryStore()
        func file(_ rows: Int, _ change: (Int) -> String? = { _ in nil }) -> String {
            var text = "respondent_id,site,arm,wave,outcome_independence,outcome_safety\n"
            for row in 1...rows { text += change(row) ?? "R\(row),site-\(row % 7),pilot,baseline,1,3\n" }
            return text
        }
        var progress: [Int] = []
        let first = try t.store.importCSV(data: Data(file(3_000).utf8), file: "first.csv", instrument: t.instrument,
                                          definition: surveyYAML, progress: { rows, _ in progress.append(rows) })
        #expect(first.new == 3_000 && first.rows == 3_000)
        #expect(progress.last == 3_000)
        // Row 2,500 changes a stored answer (found by the writer); row 2,900 has a bad code and row 2,950
        // repeats row 10 (found by the reader); rows 3,001-5,000 are new but must not be stored either.
        let bad = file(5_000) { row in
            switch row {
            case 2_500: return "R2500,site-\(2_500 % 7),pilot,baseline,5,3\n"
            case 2_900: return "R2900,site-\(2_900 % 7),pilot,baseline,4,3\n"
            case 2_950: return "R10,site-3,pilot,baseline,1,3\n"
            default: return nil
            }
        }
        #expect(t.problems(bad) == [
            "in.csv:2501: respondent R2500 at site site-1 already has a stored baseline response with different answers (outcome_independence); to apply them as a correction, import with --corrections",
            "in.csv:2901:5: outcome_independence: 4 is not a code of choice set impact (expected 1, 3, 5 or 8)",
            "in.csv:2951: respondent R10 at site site-3 already has a baseline response on line 11 of this file",
        ])
        #expect(try t.count("responses") == 3_000)
        #expect(try t.count("respondents") == 3_000)
        #expect(try t.count("imports") == 1)
        // The same file without its problems stores the 2,000 new rows and skips the rest as duplicates.
        let good = try t.importCSV(file(5_000))
        #expect(good.new == 2_000 && good.duplicates == 3_000)
    }

    @Test func aBadFileStoresNothingAndReportsEveryProblem() throws {
        let t = try TemporaryStore()
        let bad = """
        respondent_id,site,arm,wave,has_carer,carer_hours,outcome_independence,outcome_safety
        R1,north,pilot,baseline,1,20,1,3
        R2,north,pilot,baseline,1,200,7,3
        R3,north,trial,baseline,2,5,1,
        ,north,,baseline,1,1,1,1
        R5,north,,baseline,1,1,1
        R1,north,pilot,baseline,1,20,1,3
        """
        #expect(t.problems(bad) == [
            "in.csv:3:6: carer_hours: 200 is out of range (0 to 168)",
            "in.csv:3:7: outcome_independence: 7 is not a code of choice set impact (expected 1, 3, 5 or 8)",
            "in.csv:4:3: arm 'trial' should be pilot, control or empty",
            "in.csv:4:6: carer_hours is answered, but it is asked only when has_carer is 1 (here has_carer is 2)",
            "in.csv:4:8: outcome_safety is required but empty",
            "in.csv:5:1: respondent_id is empty",
            "in.csv:6: the row has 7 fields; the header has 8",
            "in.csv:7: respondent R1 at site north already has a baseline response on line 2 of this file",
        ])
        #expect(try t.count("responses") == 0)
        #expect(try t.count("respondents") == 0)
        #expect(try t.count("imports") == 0)
    }

    @Test func responsesHaveStableKeys() throws {
        let t = try TemporaryStore()
        _ = try t.importCSV(goodCSV)
        _ = try t.importCSV("respondent_id,site,wave,outcome_independence,outcome_safety\n50%,b/c,w,1,1\n", file: "odd.csv")
        let keys = try t.store.db.prepare("SELECT response_key FROM response_keys ORDER BY response_id")
        var found: [String] = []
        while try keys.step() { found.append(keys.text(0) ?? "") }
        // '%' and '/' inside a part are escaped, so that keys from different parts cannot collide.
        #expect(found == ["survey/north/R1/baseline", "survey/north/R2/baseline", "survey/south/R3/baseline", "survey/north/R1/followup",
                          "survey/b%2Fc/50%25/w"])
    }

    @Test func aRepeatedRowInOneFileIsReported() throws {
        let t = try TemporaryStore()
        let repeated = """
        respondent_id,site,wave,outcome_independence,outcome_safety
        R1,north,baseline,1,3
        R1,north,baseline,1,3
        """
        #expect(t.problems(repeated) == ["in.csv:3: respondent R1 at site north already has a baseline response on line 2 of this file"])
        #expect(try t.count("responses") == 0)
    }

    @Test func headerProblems() throws {
        let t = try TemporaryStore()
        #expect(t.problems("respondent_id,site,wave,outcome_dignity,outcome_safety\nR1,a,b,1,1\n") == [
            "in.csv:1:4: column 'outcome_dignity' names no item of instrument survey 1",
        ])
        #expect(t.problems("respondent_id,site,outcome_safety,outcome_safety\n") == [
            "in.csv:1:4: column 'outcome_safety' appears twice (also column 3)",
            "in.csv:1: the header has no 'wave' column (expected respondent_id,site,arm,wave,<item ids>)",
        ])
        #expect(t.problems("") == ["in.csv:1: the file is empty: expected a header row"])
        #expect(t.problems("respondent_id,site,wave,note\nR1,a,b,\"unterminated\n") == [
            "in.csv:2: malformed CSV: a quoted field opened here is never closed",
        ])
    }

    @Test func aFileMayCarryAnySubsetOfItemsInAnyOrder() throws {
        let t = try TemporaryStore()
        // A byte order mark, CRLF line ends, reordered columns, no arm column, no safety column.
        let csv = "\u{FEFF}outcome_independence,wave,site,respondent_id\r\n1,baseline,north,R1\r\n8,baseline,north,R2\r\n"
        let summary = try t.importCSV(csv)
        #expect(summary.new == 2)
        #expect(summary.absentRequiredItems == ["outcome_safety"])
        let frame = try t.store.responses(instrument: "survey")
        #expect(frame.column("outcome_independence") == .integers([1, 8]))
        #expect(frame.column("outcome_safety") == .integers([nil, nil]))
        #expect(frame.arms.codes == [-1, -1])
    }

    @Test func dryRunStoresNothing() throws {
        let t = try TemporaryStore()
        let summary = try t.importCSV(goodCSV, dryRun: true)
        #expect(summary.dryRun && summary.new == 4)
        #expect(try t.count("responses") == 0)
        #expect(try t.count("instruments") == 0)
    }

    @Test func aChangedInstrumentUnderTheSameVersionIsRefused() throws {
        let t = try TemporaryStore()
        try t.store.register(t.instrument, definition: surveyYAML)
        try t.store.register(t.instrument, definition: surveyYAML + "\n# a comment changes nothing\n")
        var changed = t.instrument
        changed.title = "Survey, revised"
        #expect(throws: StoreError.self) { try t.store.register(changed, definition: surveyYAML) }
        changed.version = "2"
        try t.store.register(changed, definition: surveyYAML.replacingOccurrences(of: "version: \"1\"", with: "version: \"2\""))
        #expect(try t.store.instruments().map(\.version) == ["1", "2"])
    }

    /// A frame's numbers are read into raw buffers sized from the table's row count; one that
    /// outgrows its first guess (an import committed meanwhile) must keep every value, in order.
    @Test func aColumnBufferGrowsWithoutLosingValues() {
        var column = RawColumn<Int32>(capacity: 1)
        defer { column.free() }
        for value in 0..<1_000 { column.append(Int32(value * 7)) }
        #expect(column.count == 1_000)
        #expect(Array(column.contents) == (0..<1_000).map { Int32($0 * 7) })
    }

    /// Large frames are read in two halves by two connections: the frame must be the one a single
    /// connection reads, whatever the item types, waves, sites, arms and missing answers; inside an
    /// open transaction (whose writes a second connection cannot see) a single connection reads.
    @Test func aFrameReadByTwoConnectionsIsTheFrameReadByOne() throws {
        let t = try TemporaryStore()
        var text = "respondent_id,site,arm,wave,has_carer,carer_hours,helpers,cost,started,note,outcome_independence,outcome_safety\n"
        for row in 1...2_000 {
            let arm = ["pilot", "control", ""][row % 3], wave = row % 4 == 0 ? "followup" : "baseline"
            let hours = row % 5 == 0 ? "" : "\(row % 100)", cost = row % 7 == 0 ? "" : "\(Double(row) / 4)"
            text += "R\(row),site-\((row * 7919) % 13),\(arm),\(wave),1,\(hours),1;2,\(cost),2024-01-\(10 + row % 9),n\(row),\([1, 3, 5, 8][row % 4]),\([1, 3][row % 2])\n"
        }
        #expect(try t.importCSV(text).new == 2_000)
        func frames(_ wave: String?) throws -> (one: ResponseFrame, two: ResponseFrame) {
            t.store.parallelReadMinimum = .max
            let one = try t.store.responses(instrument: "survey", wave: wave, respondentCodes: true)
            t.store.parallelReadMinimum = 1
            return (one, try t.store.responses(instrument: "survey", wave: wave, respondentCodes: true))
        }
        for wave in [nil, "baseline", "followup"] {
            let (one, two) = try frames(wave)
            #expect(one.count == (wave == nil ? 2_000 : wave == "baseline" ? 1_500 : 500))
            #expect(two.count == one.count && two.responseIDs == one.responseIDs && two.respondentKeys == one.respondentKeys)
            #expect(two.respondents == one.respondents && two.sites == one.sites && two.waves == one.waves && two.arms == one.arms)
            #expect(two.answers == one.answers)
        }
        try t.store.db.execute("BEGIN")
        try t.store.db.execute("UPDATE answers_survey SET outcome_safety = 5 WHERE response_id = (SELECT max(response_id) FROM answers_survey)")
        let inTransaction = try t.store.responses(instrument: "survey")
        try t.store.db.execute("ROLLBACK")
        #expect(inTransaction.column("outcome_safety")?.integers?.last == 5, "a single connection sees its own transaction")
    }

    @Test func unknownInstrumentOrWaveIsAClearError() throws {
        let t = try TemporaryStore()
        _ = try t.importCSV(goodCSV)
        #expect(throws: StoreError.self) { try t.store.responses(instrument: "carer") }
        do { _ = try t.store.responses(instrument: "survey", wave: "2030") } catch {
            #expect("\(error)" == "no wave '2030' is stored (waves: baseline, followup)")
        }
    }
}

@Suite struct Export {
    @Test func anExportedFileReimportsToIdenticalData() throws {
        let t = try TemporaryStore()
        _ = try t.importCSV(goodCSV)
        let path = t.directory.appendingPathComponent("export.csv").path
        #expect(try t.store.export(instrument: "survey", format: .csv, to: path) == 4)

        let copy = try TemporaryStore()
        let summary = try copy.store.importCSV(file: path, instrument: copy.instrument, definition: surveyYAML)
        #expect(summary.new == 4)
        let original = try t.store.responses(instrument: "survey"), reimported = try copy.store.responses(instrument: "survey")
        #expect(reimported.respondents == original.respondents)
        #expect(reimported.answers == original.answers)
        #expect(reimported.waves == original.waves && reimported.arms == original.arms && reimported.sites == original.sites)
        // And importing the export into the original store finds every response already there.
        #expect(try t.store.importCSV(file: path, instrument: t.instrument, definition: surveyYAML).duplicates == 4)
    }

    /// OWASP's CSV injection: a text answer Excel would run as a formula is exported with a `'` before
    /// it, and the export still re-imports to exactly the answers stored.
    @Test func formulaLikeTextIsNeutralisedForSpreadsheetsAndReimportsUnchanged() throws {
        let t = try TemporaryStore()
        let notes = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2 days", "@SUM(A1)", "'=already", "''@twice", "'plain",
                     "fine", "\tstarts with a tab"]
        var csv = "respondent_id,site,arm,wave,note,outcome_independence,outcome_safety\n"
        for (index, note) in notes.enumerated() { csv += "R\(index),north,pilot,baseline,\(csvEscape(note)),1,3\n" }
        _ = try t.importCSV(csv)
        let path = t.directory.appendingPathComponent("export.csv").path
        try t.store.export(instrument: "survey", format: .csv, to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var formulaStarts: [String] = []
        let triggers: [String] = ["=", "+", "-", "@", "\t"]
        for line in text.split(separator: "\n").dropFirst() {
            for field in line.split(separator: ",") {
                let cell: String = field.hasPrefix("\"") ? String(field.dropFirst()) : String(field)
                if triggers.contains(where: { cell.hasPrefix($0) }) { formulaStarts.append(cell) }
            }
        }
        #expect(formulaStarts.isEmpty, "\(formulaStarts)")
        // Imported, `'=already` and `''@twice` lost one `'` (the interchange CSV's rule); exported, they get it back.
        #expect(text.contains("'=HYPERLINK") && text.contains("'=already") && text.contains("''@twice")
                && text.contains(",'plain,"))
        let copy = try TemporaryStore()
        _ = try copy.store.importCSV(file: path, instrument: copy.instrument, definition: surveyYAML)
        let reimported = try copy.store.responses(instrument: "survey").answers
        #expect(try reimported == t.store.responses(instrument: "survey").answers)
        let column = try copy.store.responses(instrument: "survey").column("note")
        var stored: [String] = []
        if case let .texts(values)? = column { stored = values.compactMap { $0 } }
        // (A cell's leading tab is trimmed on import, as spaces are.)
        let imported = ["'=already": "=already", "''@twice": "'@twice", "\tstarts with a tab": "starts with a tab"]
        let expected = notes.map { imported[$0] ?? $0 }
        #expect(stored.sorted() == expected.sorted())
    }

    @Test func longFormatHasOneRowPerAnswer() throws {
        let t = try TemporaryStore()
        _ = try t.importCSV(goodCSV)
        let path = t.directory.appendingPathComponent("long.csv").path
        try t.store.export(instrument: "survey", wave: "followup", format: .longCSV, to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == """
        respondent_id,site,arm,wave,item,value
        R1,north,pilot,followup,has_carer,1
        R1,north,pilot,followup,carer_hours,10
        R1,north,pilot,followup,outcome_independence,1
        R1,north,pilot,followup,outcome_safety,1

        """)
    }
}

@Suite struct Merge {
    @Test func sitesMergeIntoTheCentralStoreWithTheSameDuplicateRules() throws {
        let north = try TemporaryStore(), south = try TemporaryStore(), central = try TemporaryStore()
        _ = try north.importCSV("respondent_id,site,arm,wave,helpers,note,outcome_independence,outcome_safety\nR1,north,pilot,baseline,1;2,\"a, b\",1,3\nR2,north,pilot,baseline,,,3,8\n")
        _ = try south.importCSV("respondent_id,site,wave,outcome_independence,outcome_safety\nR1,south,baseline,5,1\n")
        let first = try central.store.merge(from: north.store.path)
        #expect(first == [MergeSummary(source: north.store.path, instrumentID: "survey", responses: 2, new: 2, duplicates: 0, corrected: 0)])
        #expect(try central.store.merge(from: south.store.path).first?.new == 1)
        // Merging again stores nothing new.
        #expect(try central.store.merge(from: north.store.path).first?.duplicates == 2)
        let frame = try central.store.responses(instrument: "survey", respondentCodes: true)
        #expect(frame.respondents == ["R1", "R2", "R1"])
        #expect(frame.column("helpers") == .texts(["1;2", nil, nil]))
        #expect(frame.column("note") == .texts(["a, b", nil, nil]))
        #expect(try central.store.integrityCheck() == "ok")
        let sources = try central.store.db.prepare("SELECT DISTINCT kind, length(sha256) FROM audit_trail")
        #expect(try sources.step() && sources.text(0) == "merge" && sources.int(1) == 64)
    }

    @Test func aChangedResponseOrAConflictingInstrumentIsRefusedWhole() throws {
        let site = try TemporaryStore(), central = try TemporaryStore()
        _ = try central.importCSV("respondent_id,site,wave,outcome_independence,outcome_safety\nR1,north,baseline,1,3\n")
        _ = try site.importCSV("respondent_id,site,wave,outcome_independence,outcome_safety\nR0,north,baseline,3,3\nR1,north,baseline,5,3\n")
        #expect(throws: StoreError.self) { try central.store.merge(from: site.store.path) }
        #expect(try central.count("responses") == 1, "nothing from the site file is merged")
        #expect(try central.store.merge(from: site.store.path, applyCorrections: true).first?.corrected == 1)

        let other = try TemporaryStore()
        var changed = other.instrument
        changed.title = "Survey, changed without a new version"
        try other.store.register(changed, definition: surveyYAML.replacingOccurrences(of: "title: Survey", with: "title: \"Survey, changed without a new version\""))
        do {
            _ = try central.store.merge(from: other.store.path)
            Issue.record("expected the conflicting instrument to be refused")
        } catch {
            #expect("\(error)".contains("refusing instrument survey version 1"))
        }
    }
}

/// Skip conditions combined as real forms combine them are checked row by row: an answer to a
/// question not asked is refused, a required one asked is checked, and a condition on an item the
/// file has no column for decides neither.
@Suite struct CombinedSkipConditions {
    static let yaml = """
    id: combined
    version: "1"
    title: Combined
    choice_sets:
      yes_no:
        - {code: 1, label: "Yes"}
        - {code: 2, label: "No"}
      helpers:
        - {code: 1, label: Family}
        - {code: 2, label: Friend}
        - {code: 3, label: Broker}
    sections:
      - id: main
        items:
          - {id: has_carer, text: Carer?, type: single_choice, choices: yes_no}
          - {id: helpers, text: Who helps?, type: multiple_choice, choices: helpers}
          - {id: age, text: Age, type: integer}
          - id: broker_named
            text: Which broker?
            type: text
            required: true
            show_if: {all: [{item: has_carer, equals: 1}, {item: helpers, includes: 3}, {not: {item: age, less_than: 18}}]}
    """

    func problems(_ csv: String) throws -> [String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outcomes-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(path: directory.appendingPathComponent("t.sqlite").path)
        do {
            _ = try store.importCSV(data: Data(csv.utf8), file: "in.csv", instrument: InstrumentParser.parse(Self.yaml), definition: Self.yaml)
            return []
        } catch let list as DiagnosticList {
            return list.diagnostics.map(\.description)
        }
    }

    @Test func combinedConditionsAreCheckedRowByRow() throws {
        let found = try problems("""
        respondent_id,site,wave,has_carer,helpers,age,broker_named
        R1,north,w,1,1;3,40,Ann
        R2,north,w,1,1;3,40,
        R3,north,w,1,1,40,Bob
        R4,north,w,1,3,12,Cy
        R5,north,w,2,,,
        R6,north,w,1,3,,Dee
        """)
        #expect(found == [
            "in.csv:3:7: broker_named is required but empty",
            "in.csv:4:7: broker_named is answered, but it is asked only when all of (has_carer is 1; helpers includes 3; not (age is less than 18)) (here has_carer is 1, helpers is 1, age is 40)",
            "in.csv:5:7: broker_named is answered, but it is asked only when all of (has_carer is 1; helpers includes 3; not (age is less than 18)) (here has_carer is 1, helpers is 3, age is 12)",
        ])
        // Without the age column the condition is unknown for R2 (not checked) but false for R3.
        let partial = try problems("""
        respondent_id,site,wave,has_carer,helpers,broker_named
        R2,north,w,1,1;3,
        R3,north,w,1,1,Bob
        """)
        #expect(partial == ["in.csv:3:6: broker_named is answered, but it is asked only when all of (has_carer is 1; helpers includes 3; not (age is less than 18)) (here has_carer is 1, helpers is 1, age not in the file)"])
    }
}
