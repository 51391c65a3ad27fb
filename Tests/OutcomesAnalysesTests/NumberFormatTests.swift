import Testing
@testable import OutcomesReports

@Suite struct NumberFormatting {
    /// Numbers in every table are printed by C's printf rules, with no negative zero.
    @Test func fixedDecimalsAsPrintfWithoutNegativeZero() {
        #expect(TableFormat.format(12.345, 1) == "12.3")
        #expect(TableFormat.format(0.125, 2) == "0.12")      // binary 0.125 is exact: printf rounds half to even
        #expect(TableFormat.format(2.5, 0) == "2")
        #expect(TableFormat.format(-0.0001, 2) == "0.00")
        #expect(TableFormat.format(-0.0, 0) == "0")
        #expect(TableFormat.format(-0.006, 2) == "-0.01")
        #expect(TableFormat.format(-.infinity, 1) == "-inf")
        #expect(TableFormat.format(1234567.891, 3) == "1234567.891")
    }
}

@Suite struct MachineNumbers {
    /// CSV and JSON keep a tiny p-value's significant digits (issue #22: p below 5e-7 printed 0).
    @Test func smallNumbersKeepSignificantDigitsInCSVAndJSON() throws {
        let table = ReportTable(title: "t", columns: [.init("p", "p"), .init("q", "q"), .init("zero", "zero")],
                                rows: [[.number(4.1234567e-8, decimals: 6), .number(0.0123456789, decimals: 6),
                                        .number(0, decimals: 6)]])
        #expect(TableFormat.csv(table) == "p,q,zero\n4.123e-08,0.012346,0.000000\n")
        let row = try #require((TableFormat.jsonObject(table)["rows"] as? [[String: Any]])?.first)
        #expect(row["p"] as? Double == 4.123e-8 && row["q"] as? Double == 0.012346 && row["zero"] as? Double == 0)
    }
}
