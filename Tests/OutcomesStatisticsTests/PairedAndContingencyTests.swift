import Foundation
import Testing
@testable import OutcomesStatistics

/// Fixtures computed by scripts/reference/paired_reference.py (SciPy, statsmodels).
struct ReferencePaired: Decodable {
    struct PairedCase: Decodable {
        struct TTest: Decodable { var mean_difference, sd, t, df, p, lower, upper: Double }
        struct Wilcoxon: Decodable { var statistic, p: Double; var method: String }
        struct MeanCI: Decodable { var lower, upper: Double }
        var name: String
        var before: [Double?]
        var after: [Double?]
        var n, n_missing, zeros: Int
        var t: TTest
        var wilcoxon: Wilcoxon
        var mean_ci: MeanCI
    }
    struct SummaryCase: Decodable {
        var name: String
        var values: [Double?]
        var n, n_missing: Int
        var mean, sd, se, median, q1, q3, min, max, lower, upper: Double
    }
    struct StuartMaxwellCase: Decodable {
        var name: String
        var table: [[Int]]
        var statistic: Double?
        var df: Int
        var p: Double?
    }
    var paired: [PairedCase]
    var summaries: [SummaryCase]
    var stuart_maxwell: [StuartMaxwellCase]

    static let shared: ReferencePaired = {
        let url = Bundle.module.bundleURL.appendingPathComponent("Fixtures/reference-paired.json")
        return try! JSONDecoder().decode(ReferencePaired.self, from: Data(contentsOf: url))
    }()
}

/// Relative tolerance 1e-9 where the algorithm is the same as the reference's (with a 1e-14
/// absolute floor, for values that are zero up to rounding).
func expectClose(_ actual: Double, _ expected: Double, _ what: String, tolerance: Double = 1e-9,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(actual - expected) <= tolerance * abs(expected) + 1e-14, "\(what): \(actual) vs reference \(expected)",
            sourceLocation: sourceLocation)
}

@Suite struct PairedAgainstSciPy {
    static let names = ReferencePaired.shared.paired.map(\.name)

    @Test(arguments: names)
    func pairedTTest(_ name: String) throws {
        let c = ReferencePaired.shared.paired.first { $0.name == name }!
        let t = try Paired.tTest(before: c.before, after: c.after)
        #expect(t.n == c.n && t.nMissing == c.n_missing)
        expectClose(t.meanDifference, c.t.mean_difference, "\(name) mean difference")
        expectClose(t.sd, c.t.sd, "\(name) sd")
        expectClose(t.t, c.t.t, "\(name) t")
        expectClose(t.df, c.t.df, "\(name) df")
        expectClose(t.pValue, c.t.p, "\(name) p")
        expectClose(t.lower, c.t.lower, "\(name) lower")
        expectClose(t.upper, c.t.upper, "\(name) upper")
    }

    @Test(arguments: names)
    func wilcoxonSignedRank(_ name: String) throws {
        let c = ReferencePaired.shared.paired.first { $0.name == name }!
        let w = try Paired.wilcoxonSignedRank(before: c.before, after: c.after)
        #expect(w.method.rawValue == c.wilcoxon.method, "\(name): method")
        #expect(w.zeros == c.zeros)
        expectClose(w.statistic, c.wilcoxon.statistic, "\(name) statistic")
        expectClose(w.pValue, c.wilcoxon.p, "\(name) p")
    }

    @Test(arguments: names)
    func meanIntervalOfTheDifferences(_ name: String) throws {
        let c = ReferencePaired.shared.paired.first { $0.name == name }!
        let d = zip(c.before, c.after).compactMap { b, a -> Double? in
            guard let b, let a else { return nil }
            return a - b
        }
        let m = try Descriptives.mean(d)
        expectClose(m.lower, c.mean_ci.lower, "\(name) lower")
        expectClose(m.upper, c.mean_ci.upper, "\(name) upper")
    }

    @Test func degenerateInputsAreErrorsNotNumbers() {
        #expect(throws: StatisticsError.self) { try Paired.tTest(before: [1.0], after: [2.0]) }
        // Every difference the same: no variance, so no t.
        #expect(throws: StatisticsError.self) { try Paired.tTest(before: [1.0, 2, 3], after: [2.0, 3, 4]) }
        #expect(throws: StatisticsError.self) { try Paired.wilcoxonSignedRank(before: [1.0, 2], after: [1.0, 2]) }
        #expect(throws: StatisticsError.self) { try Paired.tTest(before: [1.0, 2], after: [1.0]) }
        #expect(throws: StatisticsError.self) { try Descriptives.mean([Double?.none, 3]) }
    }
}

@Suite struct DescriptivesAgainstNumPy {
    @Test(arguments: ReferencePaired.shared.summaries.map(\.name))
    func summary(_ name: String) throws {
        let c = ReferencePaired.shared.summaries.first { $0.name == name }!
        let s = try Descriptives.summarize(c.values)
        #expect(s.n == c.n && s.nMissing == c.n_missing)
        expectClose(s.mean.mean, c.mean, "mean")
        expectClose(s.mean.sd, c.sd, "sd")
        expectClose(s.mean.se, c.se, "se")
        expectClose(s.median, c.median, "median")
        expectClose(s.q1, c.q1, "q1")
        expectClose(s.q3, c.q3, "q3")
        #expect(s.min == c.min && s.max == c.max)
        expectClose(s.mean.lower, c.lower, "lower")
        expectClose(s.mean.upper, c.upper, "upper")
    }
}

@Suite struct StuartMaxwellAgainstStatsmodels {
    @Test(arguments: ReferencePaired.shared.stuart_maxwell.map(\.name))
    func reference(_ name: String) throws {
        let c = ReferencePaired.shared.stuart_maxwell.first { $0.name == name }!
        let test = try Contingency.stuartMaxwell(c.table)
        expectClose(test.statistic, try #require(c.statistic), "statistic")
        #expect(test.df == c.df)
        // GSL's upper tail (gsl_cdf_chisq_Q) against statsmodels' 1 - cdf: equal to rounding.
        expectClose(test.pValue, try #require(c.p), "p", tolerance: 1e-9)
    }

    @Test func anEmptyCategoryIsDroppedBeforeTesting() throws {
        // The 3 x 3 "empty category dropped" reference with a fourth, empty level added.
        let reduced = try #require(ReferencePaired.shared.stuart_maxwell.first { $0.name == "empty category dropped" })
        let padded = reduced.table.map { $0 + [0] } + [[0, 0, 0, 0]]
        let test = try Contingency.stuartMaxwell(padded)
        expectClose(test.statistic, try #require(reduced.statistic), "statistic")
        #expect(test.df == 2)
    }

    @Test func degenerateTables() {
        #expect(throws: StatisticsError.self) { try Contingency.stuartMaxwell([[5, 0], [0, 0]]) }  // one category only
        #expect(throws: StatisticsError.self) { try Contingency.stuartMaxwell([[5, 0], [0, 5]]) }  // nobody moved: V singular
        #expect(throws: StatisticsError.self) { try Contingency.stuartMaxwell([[1, 2, 3], [4, 5, 6]]) }
        #expect(throws: StatisticsError.self) { try Contingency.stuartMaxwell([[0, 0], [0, 0]]) }
    }
}
