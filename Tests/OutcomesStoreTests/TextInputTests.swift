import Foundation
import Testing
@testable import OutcomesInstruments
@testable import OutcomesStore

/// Bytes, encodings and separators: what spreadsheets write, read as they wrote it or refused with
/// its place and the remedy, never stored damaged.
@Suite struct TextInput {
    let header = "respondent_id,site,arm,wave,note,outcome_independence,outcome_safety\n"

    func importing(_ data: Data, _ options: TextOptions = TextOptions()) throws -> (TemporaryStore, ImportSummary) {
        let t = try TemporaryStore()
        let summary = try t.store.importCSV(data: data, file: "in.csv", instrument: t.instrument, definition: surveyYAML,
                                            options: ImportOptions(text: options))
        return (t, summary)
    }

    func problems(_ data: Data, _ options: TextOptions = TextOptions()) -> [String] {
        do {
            _ = try importing(data, options)
            Issue.record("expected the import to fail")
        } catch let list as DiagnosticList {
            return list.diagnostics.map(\.description)
        } catch {
            Issue.record("unexpected error \(error)")
        }
        return []
    }

    /// Excel's "CSV (Comma delimited)" on Windows writes Windows-1252: É and È are single bytes.
    var windows1252: Data {
        Data(header.utf8) + Data("D".utf8) + Data([0xC9]) + Data("0001,north,,baseline,Caf".utf8) + Data([0xE9])
            + Data(",1,3\nD".utf8) + Data([0xC8]) + Data("0001,north,,baseline,".utf8) + Data([0x93]) + Data("ok".utf8)
            + Data([0x94]) + Data(",1,3\n".utf8)
    }

    @Test func windows1252IsRefusedWithItsPlaceAndTheRemedy() {
        let found = problems(windows1252)
        #expect(found.count == 6)
        #expect(found[0] == "in.csv:2:2: byte 0xC9 is not UTF-8 (in Windows-1252, 'É')")
        #expect(found[1] == "in.csv:2:27: byte 0xE9 is not UTF-8 (in Windows-1252, 'é')")
        #expect(found[2] == "in.csv:3:2: byte 0xC8 is not UTF-8 (in Windows-1252, 'È')")
        #expect(found[3] == "in.csv:3:24: byte 0x93 is not UTF-8 (in Windows-1252, '\u{201C}')")
        #expect(found[5].hasPrefix("in.csv:2: the file is not UTF-8. It looks like Windows-1252"))
        #expect(found[5].contains("--encoding windows-1252") && found[5].contains("CSV UTF-8"))
    }

    @Test func windows1252IsReadWhenNamedAndKeepsIdsApart() throws {
        let (t, summary) = try importing(windows1252, TextOptions(encoding: .windows1252))
        #expect(summary.new == 2 && summary.transcodedFrom == .windows1252)
        let frame = try t.store.responses(instrument: "survey", wave: "baseline", respondentCodes: true)
        #expect(frame.respondents == ["DÉ0001", "DÈ0001"])
        #expect(frame.column("note") == .texts(["Café", "\u{201C}ok\u{201D}"]))
    }

    @Test func utf8ReadAsWindows1252IsRefusedBeforeItIsDamaged() {
        let found = problems(Data((header + "DÉ0001,north,,baseline,,1,3\n").utf8), TextOptions(encoding: .windows1252))
        #expect(found == ["in.csv:2:2: the file is already valid UTF-8 ('É' here): reading it as windows-1252 would change its letters; leave out --encoding"])
    }

    @Test func latin1MapsEveryByte() throws {
        let data = Data(header.utf8) + Data("R1,north,,baseline,".utf8) + Data([0xE7, 0x80]) + Data(",1,3\n".utf8)
        let (t, _) = try importing(data, TextOptions(encoding: .latin1))
        #expect(try t.store.responses(instrument: "survey", wave: "baseline").column("note") == .texts(["ç\u{80}"]))
    }

    /// Excel's "Unicode Text": UTF-16 little-endian with a byte order mark, tab-separated.
    @Test func utf16WithAByteOrderMarkIsReadAsItIs() throws {
        let text = (header + "Zoë,north,,baseline,tab\u{E9},1,3\n").replacingOccurrences(of: ",", with: "\t")
        for encoding in [String.Encoding.utf16LittleEndian, .utf16BigEndian] {
            let mark: [UInt8] = encoding == .utf16LittleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF]
            let (t, summary) = try importing(Data(mark) + text.data(using: encoding)!)
            #expect(summary.new == 1 && summary.transcodedFrom == .utf16 && summary.delimiter == "tab")
            let frame = try t.store.responses(instrument: "survey", wave: "baseline", respondentCodes: true)
            #expect(frame.respondents == ["Zoë"])
            #expect(frame.column("note") == .texts(["tabé"]))
        }
    }

    @Test func utf16WithoutAMarkIsNamedNotParsedIntoNULs() throws {
        let bytes = (header + "R1,north,,baseline,,1,3\n").data(using: .utf16LittleEndian)!
        let found = problems(bytes)
        #expect(found.count == 1)
        #expect(found[0].hasPrefix("in.csv:1: the file looks like UTF-16 text without a byte order mark"))
        #expect(found[0].contains("--encoding utf-16"))
        let (_, summary) = try importing(bytes, TextOptions(encoding: .utf16))
        #expect(summary.new == 1)
    }

    @Test func semicolonAndTabSeparatedFilesAreDetectedFromTheHeader() throws {
        let semicolon = (header + "R1;north;;baseline;\"a;b\";1;3\n").replacingOccurrences(of: ",", with: ";")
        let (t, summary) = try importing(Data(semicolon.utf8))
        #expect(summary.delimiter == ";" && summary.new == 1)
        #expect(try t.store.responses(instrument: "survey", wave: "baseline").column("note") == .texts(["a;b"]))
        let tabbed = header.replacingOccurrences(of: ",", with: "\t") + "R1\tnorth\t\tbaseline\tx, y\t1\t3\n"
        let (u, tabbedSummary) = try importing(Data(tabbed.utf8))
        #expect(tabbedSummary.delimiter == "tab" && tabbedSummary.new == 1)
        #expect(try u.store.responses(instrument: "survey", wave: "baseline").column("note") == .texts(["x, y"]))
    }

    @Test func aForcedSeparatorThatDoesNotFitSaysWhatTheFileLooksLike() {
        let semicolon = (header + "R1,north,,baseline,,1,3\n").replacingOccurrences(of: ",", with: ";")
        let found = problems(Data(semicolon.utf8), TextOptions(delimiter: UInt8(ascii: ",")))
        #expect(found.first?.contains("the file looks semicolon-separated, but is read as ,-separated: pass --delimiter ';'") == true)
    }

    @Test func numbersInASemicolonFileMayHaveADecimalComma() throws {
        let t = try TemporaryStore()
        let text = "respondent_id;site;wave;cost;outcome_independence;outcome_safety\nR1;north;baseline;120,5;1;3\nR2;north;baseline;7.25;1;3\n"
        _ = try t.store.importCSV(data: Data(text.utf8), file: "in.csv", instrument: t.instrument, definition: surveyYAML)
        #expect(try t.store.responses(instrument: "survey", wave: "baseline").column("cost") == .numbers([120.5, 7.25]))
        // In a comma-separated file a decimal comma cannot be told from a separator: it is refused, and says why.
        let found = t.problems("respondent_id,site,wave,cost,outcome_independence,outcome_safety\nR3,north,baseline,\"1,5\",1,3\n")
        #expect(found == ["in.csv:2:4: cost: '1,5': expected a number with a decimal point (this one has a decimal comma: declare the item decimal_separator: comma, or send the file semicolon-separated)"])
    }

    @Test func spacesAroundACellAreIgnoredInEveryColumn() throws {
        let t = try TemporaryStore()
        let summary = try t.importCSV("respondent_id,site,arm,wave,carer_hours,has_carer,cost,started,helpers,note,outcome_independence,outcome_safety\n"
            + " R1 ,  north , pilot , baseline ,\t20 , 1 , 2.5 , 2024-01-31 , 1;2 ,  a note  , 1 ,\" 3 \"\nR2,north,,baseline,   ,,,,,   ,1,3\n")
        #expect(summary.new == 2)
        let frame = try t.store.responses(instrument: "survey", wave: "baseline", respondentCodes: true)
        #expect(frame.respondents == ["R1", "R2"] && frame.sites.levels == ["north"])
        #expect(frame.arms.levels == ["pilot"])
        #expect(frame.column("carer_hours") == .integers([20, nil]))
        #expect(frame.column("cost") == .numbers([2.5, nil]))
        #expect(frame.column("started") == .texts(["2024-01-31", nil]))
        #expect(frame.column("helpers") == .texts(["1;2", nil]))
        #expect(frame.column("note") == .texts(["a note", nil]))
    }

    @Test func aDateOfTheRightShapeThatDoesNotExistSaysSo() {
        let t = try! TemporaryStore()
        let found = t.problems("respondent_id,site,wave,started,outcome_independence,outcome_safety\n"
            + "R1,north,baseline,2025-02-30,1,3\nR2,north,baseline,2024-13-01,1,3\nR3,north,baseline,31/01/2024,1,3\n"
            + "R4,north,baseline,03/04/2024,1,3\nR5,north,baseline,2024-02-29,1,3\n")
        #expect(found == [
            "in.csv:2:4: started: 2025-02-30 is not a date: February 2025 has 28 days",
            "in.csv:3:4: started: 2024-13-01 is not a date: there is no month 13",
            "in.csv:4:4: started: '31/01/2024': expected a date as YYYY-MM-DD (write this day/month/year date as 2024-01-31)",
            "in.csv:5:4: started: '03/04/2024': expected a date as YYYY-MM-DD (is this 2024-04-03 or 2024-03-04?)",
        ])
    }

    @Test func aNULByteIsRefusedWithItsPlace() {
        let data = Data(header.utf8) + Data("R1,north,,baseline,ab".utf8) + Data([0]) + Data("c,1,3\n".utf8)
        #expect(problems(data) == ["in.csv:2:22: a NUL byte (0x00): text cannot hold one, and nothing after it would be read back; remove it from the file"])
    }

    @Test func idsHaveAStatedMaximumLength() throws {
        let t = try TemporaryStore()
        let long = String(repeating: "é", count: 65), fits = String(repeating: "é", count: 64)
        let found = t.problems(header + "\(long),north,,baseline,,1,3\nR2,\(long),,baseline,,1,3\nR3,north,,w\(long),,1,3\n")
        #expect(found == [
            "in.csv:2:1: respondent_id 'éééééééééééééééééééé...' is 65 characters long (at most 64)",
            "in.csv:3:2: site 'éééééééééééééééééééé...' is 65 characters long (at most 64)",
            "in.csv:4:4: wave 'wééééééééééééééééééé...' is 66 characters long (at most 64)",
        ])
        #expect(try t.importCSV(header + "\(fits),\(fits),,w\(String(fits.dropFirst())),,1,3\n").new == 1)
    }

    /// `café` with a precomposed é and with e + a combining accent is one site and one respondent.
    @Test func idsAreComparedInNFC() throws {
        let t = try TemporaryStore()
        _ = try t.importCSV(header + "Ren\u{E9}e,caf\u{E9},,baseline,,1,3\n")
        let again = try t.importCSV(header + "Rene\u{301}e,cafe\u{301},,baseline,,1,3\n")
        #expect(again.duplicates == 1 && again.new == 0)
        #expect(try t.count("sites") == 1 && t.count("respondents") == 1)
        #expect(try t.store.db.scalarText("SELECT code FROM sites") == "caf\u{E9}")
        let repeated = t.problems(header + "X1,caf\u{E9},,followup,,1,3\nX1,cafe\u{301},,followup,,1,3\n")
        #expect(repeated == ["in.csv:3: respondent X1 at site café already has a followup response on line 2 of this file"])
    }

    @Test func theConvertersReadCSVTheSameWay() throws {
        let records = try readCSVRecords(Data("a;b\n1;\"x;y\"\n".utf8), file: "d.csv")
        #expect(records.map(\.fields) == [["a", "b"], ["1", "x;y"]])
        #expect(throws: DiagnosticList.self) { try readCSVRecords(Data([0x61, 0x2C, 0xE9, 0x0A]), file: "d.csv") }
        let transcoded = try readCSVRecords(Data([0x61, 0x2C, 0xE9, 0x0A]), file: "d.csv", options: TextOptions(encoding: .latin1))
        #expect(transcoded.map(\.fields) == [["a", "é"]])
    }
}
