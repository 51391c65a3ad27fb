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
