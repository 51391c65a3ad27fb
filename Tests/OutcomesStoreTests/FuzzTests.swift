import Foundation
import Testing
@testable import OutcomesInstruments
@testable import OutcomesStore
import OutcomesStatistics

/// Generated malformed input: every file must end in a clear error (file, line) and store nothing.
@Suite struct FuzzImport {
    static let header = ["respondent_id", "site", "arm", "wave", "has_carer", "carer_hours", "helpers", "cost", "started", "note",
                         "outcome_independence", "outcome_safety"]

    /// A valid row for respondent `i`.
    static func row(_ i: Int, _ random: RandomSource) -> [String] {
        let carer = random.bernoulli(0.5)
        return ["R\(i)", ["north", "south"][random.integer(below: 2)], ["pilot", "control", ""][random.integer(below: 3)], "baseline",
                carer ? "1" : "2", carer ? String(random.integer(below: 60)) : "", ["", "1", "1;2"][random.integer(below: 3)],
                String(Double(random.integer(below: 100_000)) / 100), "2024-0\(1 + random.integer(below: 9))-1\(random.integer(below: 9))",
                "\"a note, with a comma\"", ["1", "3", "5", "8"][random.integer(below: 4)], ["1", "3", "5", "8"][random.integer(below: 4)]]
    }

    /// One malformed file of the given kind; the breakage is always real, only its place is random.
    static func malformed(kind: Int, _ random: RandomSource) -> (bytes: [UInt8], what: String) {
        var rows = (0..<(2 + random.integer(below: 8))).map { row($0, random) }
        let target = random.integer(below: rows.count)
        var header = Self.header
        var raw: [UInt8]? = nil
        let what: String
        switch kind {
        case 0: what = "unterminated quote"; rows[target][9] = "\"never closed"
        case 1: what = "code not in the choice set"; rows[target][10] = String([2, 4, 6, 7, 9, 10, 99][random.integer(below: 7)])
        case 2: what = "duplicate column"; header.append(header[4 + random.integer(below: 8)]); rows = rows.map { $0 + ["1"] }
        case 3: what = "missing identity column"; let drop = random.integer(below: 4) == 2 ? 3 : [0, 1, 3][random.integer(below: 3)]
            header.remove(at: drop); rows = rows.map { var r = $0; r.remove(at: drop); return r }
        case 4: what = "empty file"; raw = random.bernoulli(0.5) ? [] : [0xEF, 0xBB, 0xBF]
        case 5: what = "unknown column"; header[4 + random.integer(below: 8)] = "outcome_dignty"
        case 6: what = "invalid UTF-8"; rows[target][[4, 5, 10][random.integer(below: 3)]] = "\u{FFFD}"
            raw = nil
        case 7: what = "huge field"; rows[target][[5, 7, 10][random.integer(below: 3)]] = String(repeating: "9", count: 100_000 + random.integer(below: 100_000))
        case 8: what = "row with extra fields"; rows[target].append("extra")
        case 9: what = "stray quote"; rows[target][9] = "say \"hello\""
        case 10: what = "out of range"; rows[target][4] = "1"; rows[target][5] = String(169 + random.integer(below: 1000))
        case 11: what = "answer to a skipped item"; rows[target][4] = "2"; rows[target][5] = "10"
        case 12: what = "bad date"; rows[target][8] = ["2023-02-29", "31/01/2024", "2024-13-01", "yesterday"][random.integer(below: 4)]
        case 13: what = "a NUL byte in a cell"; rows[target][9] = "say\u{0}no"
        default: what = "required item empty"; rows[target][10 + random.integer(below: 2)] = ""
        }
        if raw == nil {
            var text = ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: random.bernoulli(0.5) ? "\n" : "\r\n")
            if random.bernoulli(0.2) { text = "\u{FEFF}" + text }
            var bytes = Array(text.utf8)
            if kind == 6 {
                // Replace the marker with bytes that are not UTF-8 at all.
                let marker = Array("\u{FFFD}".utf8)
                if let start = (0...(bytes.count - marker.count)).first(where: { Array(bytes[$0..<($0 + marker.count)]) == marker }) {
                    bytes.replaceSubrange(start..<(start + marker.count), with: [0xC3, 0x28, 0xFF])
                }
            }
            raw = bytes
        }
        return (raw!, what)
    }

    @Test func aThousandMalformedFilesEachFailClearlyAndStoreNothing() throws {
        let t = try TemporaryStore()
        let random = RandomSource(seed: 12345)
        for n in 0..<1_040 {
            let (bytes, what) = Self.malformed(kind: n % 15, random)
            do {
                _ = try t.store.importCSV(data: Data(bytes), file: "fuzz-\(n).csv", instrument: t.instrument, definition: surveyYAML)
                Issue.record("fuzz-\(n).csv (\(what)) was accepted")
            } catch let list as DiagnosticList {
                #expect(!list.diagnostics.isEmpty)
                #expect(list.diagnostics.allSatisfy { $0.file == "fuzz-\(n).csv" && $0.line != nil }, "fuzz-\(n).csv (\(what)): \(list)")
            } catch {
                Issue.record("fuzz-\(n).csv (\(what)): not a clear diagnostic: \(error)")
            }
        }
        #expect(try t.count("responses") == 0)
        #expect(try t.count("imports") == 0 && t.count("instruments") == 0, "every transaction was rolled back whole")
        #expect(try t.store.integrityCheck() == "ok")
    }
}

@Suite struct FuzzInstruments {
    static let valid = """
    id: fuzz
    version: "1"
    title: Fuzz
    domains:
      independence: Independence
    choice_sets:
      impact:
        - {code: 1, label: Better, valence: positive}
        - {code: 3, label: Same, valence: neutral}
        - {code: 5, label: Worse, valence: negative}
      yes_no:
        - {code: 1, label: "Yes"}
        - {code: 2, label: "No"}
    sections:
      - id: s
        items:
          - {id: has_carer, text: Carer?, type: single_choice, choices: yes_no}
          - {id: hours, text: Hours, type: integer, range: {min: 0, max: 168}, show_if: {item: has_carer, equals: 1}}
          - {id: outcome_independence, text: Independence, type: single_choice, choices: impact, domain: independence}
    """

    static let breakages: [(String, String, String)] = [
        ("choices: yes_no}", "choices: yes_nope}", "unknown choice set"),
        ("id: hours,", "id: has_carer,", "duplicate item id"),
        ("{item: has_carer, equals: 1}", "{item: has_car, equals: 1}", "skip condition naming a missing item"),
        ("type: integer", "type: whole", "unknown type"),
        ("title: Fuzz", "title: Fuzz\ntitel: typo", "unknown key"),
        ("    - {code: 3, label: Same, valence: neutral}", "    - {code: 3, label: Same}", "missing valence"),
        ("range: {min: 0, max: 168}", "range: {min: 200, max: 168}", "range min above max"),
        ("sections:", "sections:\n\t- tab", "tab indentation"),
        ("- {code: 2, label: \"No\"}", "- {code: 1, label: \"No\"}", "duplicate code"),
        ("version: \"1\"", "version: [1, 2]", "wrong shape"),
        ("equals: 1}", "equals: 7}", "skip code not in choice set"),
        ("- id: s", "- id: [s", "broken flow sequence"),
    ]

    @Test func aThousandMalformedInstrumentsEachFailWithFileAndLine() throws {
        let random = RandomSource(seed: 777)
        var count = 0
        for n in 0..<1_008 {
            var text = Self.valid
            var what: String
            if n % 14 == 12 {
                what = "empty or whitespace file"
                text = [" ", "", "\n\n", "# only a comment\n"][random.integer(below: 4)]
            } else if n % 14 == 13 {
                what = "truncated file"
                text = String(text.prefix(20 + random.integer(below: 120)))
                // A cut that happens to leave a valid prefix is still missing its sections: an error either way.
            } else {
                let (old, new, name) = Self.breakages[n % 12]
                what = name
                try #require(text.contains(old), "fuzz setup: \(old)")
                text = text.replacingOccurrences(of: old, with: new)
                // Random, harmless noise elsewhere: trailing spaces and comments.
                if random.bernoulli(0.5) { text += "\n# noise \(random.integer(below: 1000))\n" }
            }
            do {
                _ = try InstrumentParser.parse(text, file: "fuzz-\(n).yaml")
                Issue.record("fuzz-\(n).yaml (\(what)) was accepted")
            } catch let list as DiagnosticList {
                count += 1
                #expect(list.diagnostics.allSatisfy { $0.file == "fuzz-\(n).yaml" }, "fuzz-\(n).yaml (\(what)): \(list)")
                #expect(what.contains("empty") || what.contains("truncated") || list.diagnostics.allSatisfy { $0.line != nil },
                        "fuzz-\(n).yaml (\(what)) has a problem without a line: \(list)")
            } catch {
                Issue.record("fuzz-\(n).yaml (\(what)): not a clear diagnostic: \(error)")
            }
        }
        #expect(count == 1_008)
    }
}
