import Foundation
import Testing
@testable import OutcomesInstruments
@testable import OutcomesStore

/// The text reader on files from other projects (`Fixtures/real/SOURCES.md`): the same French data
/// saved as ISO-8859-1, as UTF-16 without a byte order mark and as UTF-8, and smaller files with each
/// byte order mark. What a site's spreadsheet writes must be read as it was written or refused with
/// its place, never stored damaged.
@Suite struct RealTextFiles {
    static func fixture(_ name: String) throws -> (path: String, data: Data) {
        let path = Bundle.module.bundleURL.appendingPathComponent("Fixtures/real/\(name)").path
        return (path, try readInputFile(path))
    }

    static func records(_ name: String, _ options: TextOptions = TextOptions()) throws -> [[String]] {
        let file = try fixture(name)
        return try readCSVRecords(file.data, file: name, options: options).map(\.fields)
    }

    static func problems(_ name: String, _ options: TextOptions = TextOptions()) throws -> [String] {
        let file = try fixture(name)
        do {
            _ = try PreparedText.prepare(file.data, file: name, options: options)
        } catch let list as DiagnosticList {
            return list.diagnostics.map(\.description)
        }
        Issue.record("\(name) was read without a problem")
        return []
    }

    @Test func aLatin1ExportIsRefusedAtItsFirstAccentedLetter() throws {
        let found = try Self.problems("csvToJson_input_latin1_encode.csv")
        // Line 2 is "A;Système digestif...": the è is its 7th character.
        #expect(found.first == "csvToJson_input_latin1_encode.csv:2:7: byte 0xE8 is not UTF-8 (in Windows-1252, 'è')")
        #expect(found.last?.contains("lines hold such bytes") == true)
        #expect(found.last?.contains("--encoding windows-1252") == true)
    }

    @Test func theSameDataReadsAlikeInEveryEncodingOnceNamed() throws {
        let utf8 = try Self.records("csvToJson_input_utf8_encode.csv")
        #expect(utf8.count == 140 && utf8.allSatisfy { $0.count == 21 }, "semicolon-separated, detected from the header")
        #expect(utf8[1][1] == "Système digestif et métabolisme")
        #expect(try Self.records("csvToJson_input_latin1_encode.csv", TextOptions(encoding: .latin1)) == utf8)
        #expect(try Self.records("csvToJson_input_latin1_encode.csv", TextOptions(encoding: .windows1252)) == utf8)
        #expect(try Self.records("csvToJson_input_ucs2_encode.csv", TextOptions(encoding: .utf16)) == utf8)
    }

    @Test func utf16WithoutAByteOrderMarkIsNamedNotParsedIntoNULs() throws {
        let found = try Self.problems("csvToJson_input_ucs2_encode.csv")
        #expect(found == ["csvToJson_input_ucs2_encode.csv:1: the file looks like UTF-16 text without a byte order mark (every other byte is NUL): read it with --encoding utf-16, or save it as CSV UTF-8"])
    }

    @Test func byteOrderMarksAreReadWithoutBeingAsked() throws {
        let semicolonLatin1 = try Self.records("acsv_test_02_semicolon_iso8859.csv", TextOptions(encoding: .latin1))
        #expect(try Self.records("acsv_test_02_semicolon_utf16.csv") == semicolonLatin1)
        #expect(semicolonLatin1.count == 2 && semicolonLatin1[0].count > 5)
        let little = try Self.records("csvkit_test_utf16_little.csv"), big = try Self.records("csvkit_test_utf16_big.csv")
        #expect(little == big && big == [["a", "b", "c"], ["1", "2", "3"], ["4", "5", "ʤ"]])
        #expect(try Self.records("csvkit_test_utf8_bom.csv")[0] == ["foo", "bar", "baz"], "the mark is not part of the first name")
    }

    @Test func damagedOrMislabelledFilesSayWhatTheyAre() throws {
        #expect(try Self.problems("bids_bom-utf16.tsv") == [
            "bids_bom-utf16.tsv: the file is read as UTF-16 but has an odd number of bytes: it is cut short or not UTF-16"])
        #expect(try Self.problems("csvkit_test_latin1.csv").first == "csvkit_test_latin1.csv:3:5: byte 0xA9 is not UTF-8 (in Windows-1252, '©')")
        let tab = try Self.records("bids_iso8859.tsv", TextOptions(encoding: .latin1))
        #expect(tab == [["Name", "Age", "City"], ["José", "30", "São Paulo"], ["Müller", "25", "München"]])
        // Naming Latin-1 for a file that is already UTF-8 would change every accented letter: refused.
        #expect(try Self.problems("csvToJson_input_utf8_encode.csv", TextOptions(encoding: .latin1)).first?
            .contains("the file is already valid UTF-8") == true)
    }
}
