import Foundation
import Testing
@testable import OutcomesStatistics

/// Fixtures computed by scripts/reference/statistics_reference.py (SciPy, statsmodels).
struct ReferenceStatistics: Decodable {
    struct Single: Decodable { var count, n: Int; var wilson, clopper_pearson: [Double] }
    struct Two: Decodable { var c1, n1, c2, n2: Int; var difference, relative_risk, odds_ratio: [Double] }
    struct Proportions: Decodable { var single: [Single]; var two: [Two] }
    struct MW: Decodable { var u1, p: Double; var method: String }
    struct TwoSampleCase: Decodable {
        var name: String
        var x, y: [Double]
        var student, welch, cohens_d, hedges_g: [Double]
        var mann_whitney: MW
    }
    struct ContingencyCase: Decodable {
        var table: [[Int]]
        var chi_square, chi_square_uncorrected: [Double]
        var expected: [[Double]]
        var cramers_v: Double
        var fisher, mcnemar_exact, mcnemar_chi_square: [Double]?
    }
    struct Multiple: Decodable { var p, holm, bh: [Double] }
    struct Coef: Decodable { var name: String; var estimate, se, statistic, p, lower, upper: Double }
    struct OLSRef: Decodable { var classical, hc1, cluster: [Coef]; var r2, adj_r2: Double }
    struct LogitRef: Decodable { var classical, hc1, cluster: [Coef]; var deviance: Double }
    struct RegressionRef: Decodable {
        var y, arm, baseline, age, binary: [Double]
        var site: [Int]
        var ols: OLSRef
        var logistic: LogitRef
    }
    /// Rows as digit strings (site as letters A-L); see `logistic_discrete` in the script.
    struct DiscreteLogitRef: Decodable {
        var y, views, direct, site: String
        var classical, hc1, cluster: [Coef]
        var deviance: Double
    }
    var proportions: Proportions
    var two_sample: [TwoSampleCase]
    var contingency: [ContingencyCase]
    var multiple: Multiple
    var regression: RegressionRef
    var logistic_discrete: DiscreteLogitRef

    static let shared: ReferenceStatistics = {
        let url = Bundle.module.bundleURL.appendingPathComponent("Fixtures/reference-statistics.json")
        return try! JSONDecoder().decode(ReferenceStatistics.self, from: Data(contentsOf: url))
    }()
}

@Suite struct ProportionsAgainstStatsmodels {
    @Test func wilsonAndClopperPearson() throws {
        for c in ReferenceStatistics.shared.proportions.single {
            let w = try Proportions.wilson(count: c.count, n: c.n)
            expectClose(w.lower, c.wilson[0], "wilson lower \(c.count)/\(c.n)")
            expectClose(w.upper, c.wilson[1], "wilson upper \(c.count)/\(c.n)")
            let cp = try Proportions.clopperPearson(count: c.count, n: c.n)
            expectClose(cp.lower, c.clopper_pearson[0], "CP lower \(c.count)/\(c.n)")
            expectClose(cp.upper, c.clopper_pearson[1], "CP upper \(c.count)/\(c.n)")
        }
    }

    @Test func differenceRelativeRiskOddsRatio() throws {
        for c in ReferenceStatistics.shared.proportions.two {
            let d = try Proportions.difference(count1: c.c1, n1: c.n1, count2: c.c2, n2: c.n2)
            for (value, expected) in zip([d.estimate, d.lower, d.upper], c.difference) { expectClose(value, expected, "Newcombe \(c)") }
            let rr = try Proportions.relativeRisk(count1: c.c1, n1: c.n1, count2: c.c2, n2: c.n2)
            for (value, expected) in zip([rr.estimate, rr.lower, rr.upper], c.relative_risk) { expectClose(value, expected, "RR \(c)") }
            let or = try Proportions.oddsRatio([[c.c1, c.n1 - c.c1], [c.c2, c.n2 - c.c2]])
            for (value, expected) in zip([or.estimate, or.lower, or.upper], c.odds_ratio) { expectClose(value, expected, "OR \(c)") }
        }
    }

    @Test func degenerate() throws {
        #expect(throws: StatisticsError.self) { try Proportions.relativeRisk(count1: 0, n1: 10, count2: 3, n2: 10) }
        #expect(throws: StatisticsError.self) { try Proportions.oddsRatio([[0, 5], [3, 4]]) }
        #expect(throws: StatisticsError.self) { try Proportions.wilson(count: 5, n: 3) }
        #expect(try Proportions.clopperPearson(count: 0, n: 0).proportion.isNaN)
    }
}

@Suite struct TwoSampleAgainstSciPy {
    @Test(arguments: ReferenceStatistics.shared.two_sample.map(\.name))
    func everyTest(_ name: String) throws {
        let c = ReferenceStatistics.shared.two_sample.first { $0.name == name }!
        let x = c.x.map { Optional($0) }, y = c.y.map { Optional($0) }
        let student = try TwoSample.student(x, y), welch = try TwoSample.welch(x, y)
        for (test, expected, label) in [(student, c.student, "Student"), (welch, c.welch, "Welch")] {
            expectClose(test.t, expected[0], "\(name) \(label) t")
            expectClose(test.df, expected[1], "\(name) \(label) df")
            expectClose(test.pValue, expected[2], "\(name) \(label) p")
            expectClose(test.lower, expected[3], "\(name) \(label) lower")
            expectClose(test.upper, expected[4], "\(name) \(label) upper")
        }
        let mw = try TwoSample.mannWhitney(x, y)
        #expect(mw.method.rawValue == c.mann_whitney.method, "\(name) method")
        expectClose(mw.u1, c.mann_whitney.u1, "\(name) U")
        expectClose(mw.pValue, c.mann_whitney.p, "\(name) Mann-Whitney p")
        let d = try TwoSample.cohensD(x, y), g = try TwoSample.hedgesG(x, y)
        for (value, expected) in zip([d.estimate, d.lower, d.upper], c.cohens_d) { expectClose(value, expected, "\(name) d") }
        for (value, expected) in zip([g.estimate, g.lower, g.upper], c.hedges_g) { expectClose(value, expected, "\(name) g") }
    }

    @Test func missingValuesAreCountedAndLeftOut() throws {
        let test = try TwoSample.welch([1, 2, nil, 4, .nan], [2, 3, 5, nil])
        #expect(test.n1 == 3 && test.n2 == 3 && test.nMissing == 3)
    }

    @Test func degenerate() {
        #expect(throws: StatisticsError.self) { try TwoSample.welch([1.0], [2.0, 3.0]) }
        #expect(throws: StatisticsError.self) { try TwoSample.student([1.0, 1.0], [2.0, 2.0]) }
        #expect(throws: StatisticsError.self) { try TwoSample.mannWhitney([], [1.0]) }
        #expect(throws: StatisticsError.self) { try TwoSample.cohensD([3.0, 3.0], [3.0, 3.0]) }
    }
}

@Suite struct ContingencyAgainstSciPy {
    @Test(arguments: 0..<ReferenceStatistics.shared.contingency.count)
    func tables(_ index: Int) throws {
        let c = ReferenceStatistics.shared.contingency[index]
        let corrected = try Contingency.chiSquare(c.table, yates: true)
        expectClose(corrected.statistic, c.chi_square[0], "table \(index) chi-square")
        #expect(corrected.df == Int(c.chi_square[1]))
        expectClose(corrected.pValue, c.chi_square[2], "table \(index) p")
        let plain = try Contingency.chiSquare(c.table, yates: false)
        expectClose(plain.statistic, c.chi_square_uncorrected[0], "table \(index) uncorrected")
        expectClose(plain.pValue, c.chi_square_uncorrected[2], "table \(index) uncorrected p")
        for (row, expectedRow) in zip(plain.expected, c.expected) {
            for (value, expected) in zip(row, expectedRow) { expectClose(value, expected, "expected count") }
        }
        #expect(plain.smallExpected == c.expected.joined().contains { $0 < 5 })
        expectClose(try Contingency.cramersV(c.table), c.cramers_v, "Cramér's V")
        if let fisher = c.fisher {
            let test = try Contingency.fisherExact(c.table)
            expectClose(test.oddsRatio, fisher[0], "Fisher odds ratio")
            expectClose(test.pValue, fisher[1], "Fisher p")
        }
        if let exact = c.mcnemar_exact, let chi = c.mcnemar_chi_square {
            let e = try Paired.mcNemar(c.table, exact: true)
            expectClose(e.statistic, exact[0], "McNemar exact statistic")
            expectClose(e.pValue, exact[1], "McNemar exact p")
            let a = try Paired.mcNemar(c.table, exact: false)
            expectClose(a.statistic, chi[0], "McNemar chi-square")
            expectClose(a.pValue, chi[1], "McNemar chi-square p")
        }
    }

    @Test func degenerate() {
        #expect(throws: StatisticsError.self) { try Contingency.chiSquare([[0, 0], [3, 4]]) }
        #expect(throws: StatisticsError.self) { try Contingency.chiSquare([[1, 2, 3]]) }
        #expect(throws: StatisticsError.self) { try Paired.mcNemar([[5, 0], [0, 7]], exact: true) }
    }
}

@Suite struct MultipleComparisonsAgainstStatsmodels {
    @Test func holmAndBenjaminiHochberg() {
        let m = ReferenceStatistics.shared.multiple
        for (value, expected) in zip(MultipleComparisons.holm(m.p), m.holm) { expectClose(value, expected, "Holm") }
        for (value, expected) in zip(MultipleComparisons.benjaminiHochberg(m.p), m.bh) { expectClose(value, expected, "BH") }
        // A test that could not be computed stays NaN and does not enlarge the family.
        let withGap = MultipleComparisons.holm([0.01, .nan, 0.04])
        #expect(withGap[1].isNaN && withGap[0] == 0.02 && withGap[2] == 0.04)
    }
}

@Suite struct RegressionAgainstStatsmodels {
    static let r = ReferenceStatistics.shared.regression
    static let predictors = [r.arm, r.baseline, r.age]
    static let names = ["arm", "baseline", "age"]

    func compare(_ fit: RegressionFit, _ reference: [ReferenceStatistics.Coef], _ label: String, tolerance: Double) {
        #expect(fit.coefficients.map(\.name) == reference.map(\.name))
        for (c, e) in zip(fit.coefficients, reference) {
            expectClose(c.estimate, e.estimate, "\(label) \(c.name) estimate", tolerance: tolerance)
            expectClose(c.se, e.se, "\(label) \(c.name) se", tolerance: tolerance)
            expectClose(c.statistic, e.statistic, "\(label) \(c.name) statistic", tolerance: tolerance)
            expectClose(c.pValue, e.p, "\(label) \(c.name) p", tolerance: tolerance)
            expectClose(c.lower, e.lower, "\(label) \(c.name) lower", tolerance: tolerance)
            expectClose(c.upper, e.upper, "\(label) \(c.name) upper", tolerance: tolerance)
        }
    }

    @Test func olsClassicalHC1AndCluster() throws {
        let r = Self.r
        let classical = try Regression.ols(y: r.y, predictors: Self.predictors, names: Self.names)
        compare(classical, r.ols.classical, "OLS", tolerance: 1e-9)
        expectClose(try #require(classical.rSquared), r.ols.r2, "R²")
        expectClose(try #require(classical.adjustedRSquared), r.ols.adj_r2, "adjusted R²")
        compare(try Regression.ols(y: r.y, predictors: Self.predictors, names: Self.names, covariance: .hc1), r.ols.hc1, "OLS HC1",
                tolerance: 1e-9)
        let cluster = try Regression.ols(y: r.y, predictors: Self.predictors, names: Self.names, covariance: .cluster(r.site))
        compare(cluster, r.ols.cluster, "OLS CR1", tolerance: 1e-9)
        #expect(cluster.df == 11)
    }

    /// Iterative fits: IRLS here, Newton in statsmodels, both to the same maximum; 1e-6 relative.
    @Test func logisticClassicalHC1AndCluster() throws {
        let r = Self.r
        let fit = try Regression.logistic(y: r.binary, predictors: Self.predictors, names: Self.names)
        compare(fit, r.logistic.classical, "Logit", tolerance: 1e-6)
        expectClose(try #require(fit.deviance), r.logistic.deviance, "deviance", tolerance: 1e-9)
        compare(try Regression.logistic(y: r.binary, predictors: Self.predictors, names: Self.names, covariance: .hc1),
                r.logistic.hc1, "Logit HC1", tolerance: 1e-6)
        compare(try Regression.logistic(y: r.binary, predictors: Self.predictors, names: Self.names, covariance: .cluster(r.site)),
                r.logistic.cluster, "Logit cluster", tolerance: 1e-6)
    }

    /// A categorical design (3,000 rows; 12 distinct, 144 with their sites): fitted on its distinct rows weighted by their
    /// counts, which must give statsmodels' fit of all 3,000 rows, for every covariance.
    @Test func logisticOnMergedIdenticalRows() throws {
        let r = ReferenceStatistics.shared.logistic_discrete
        let digits = { (text: String) in text.utf8.map { Double($0 - UInt8(ascii: "0")) } }
        let views = digits(r.views), y = digits(r.y), direct = digits(r.direct)
        let site = r.site.utf8.map { Int($0 - UInt8(ascii: "A")) }
        let predictors = [views.map { $0 == 1 ? 1.0 : 0 }, views.map { $0 == 2 ? 1.0 : 0 }, direct]
        let names = ["views=Fully", "views=Partly", "direct"]
        // The fit below must take the merged route, or this test would not be testing it.
        for (covariance, distinct) in [(CovarianceKind.classical, 12), (.cluster(site), 144)] {
            let merged = Regression.mergingIdenticalRows(try Regression.design(y: y, predictors: predictors, names: names,
                                                                               covariance: covariance))
            #expect(merged.y.count == distinct && merged.counts?.reduce(0, +) == 3000 && merged.n == 3000)
        }
        let fit = try Regression.logistic(y: y, predictors: predictors, names: names)
        #expect(fit.n == 3000)
        compare(fit, r.classical, "merged Logit", tolerance: 1e-6)
        expectClose(try #require(fit.deviance), r.deviance, "merged deviance", tolerance: 1e-9)
        compare(try Regression.logistic(y: y, predictors: predictors, names: names, covariance: .hc1), r.hc1, "merged Logit HC1",
                tolerance: 1e-6)
        compare(try Regression.logistic(y: y, predictors: predictors, names: names, covariance: .cluster(site)), r.cluster,
                "merged Logit cluster", tolerance: 1e-6)
        // A continuous covariate makes every row distinct: the design is left as it is.
        let continuous = (0..<3000).map { Double($0) / 7 }
        #expect(Regression.mergingIdenticalRows(try Regression.design(y: y, predictors: predictors + [continuous],
                                                                      names: names + ["x"], covariance: .classical)).counts == nil)
    }

    @Test func missingRowsAreLeftOutAndCounted() throws {
        var y = Self.r.y
        y[0] = .nan
        y[5] = .nan
        let fit = try Regression.ols(y: y, predictors: Self.predictors, names: Self.names)
        #expect(fit.n == y.count - 2 && fit.nMissing == 2)
    }

    /// OLS solves the normal equations by Cholesky when they are well conditioned and takes the SVD
    /// otherwise: a nearly collinear design must take the SVD, and both routes give the same fit.
    @Test func nearlyCollinearDesignsTakeTheSVD() throws {
        let x = (0..<200).map { Double($0) / 10 }
        let nearlyX = x.enumerated().map { $0.element + 1e-6 * sin(Double($0.offset)) }
        let other = x.map { cos($0) }
        let y = x.enumerated().map { 3 + 2 * $0.element + other[$0.offset] + 0.1 * sin(Double($0.offset) * 7) }
        let wellConditioned = try Regression.design(y: y, predictors: [x, other], names: ["x", "other"], covariance: .classical)
        let collinear = try Regression.design(y: y, predictors: [x, nearlyX], names: ["x", "nearly x"], covariance: .classical)
        #expect(Regression.normalEquations(wellConditioned) != nil)
        #expect(Regression.normalEquations(collinear) == nil)
        // The collinear fit still comes out (by SVD), with its huge, honest standard errors.
        let fit = try Regression.ols(y: y, predictors: [x, nearlyX], names: ["x", "nearly x"])
        #expect(fit.coefficients[1].se > 1_000)
        #expect(abs(fit.coefficients[1].estimate + fit.coefficients[2].estimate - 2) < 0.05)
    }

    @Test func singularDesignsAndSeparationAreErrors() {
        let n = 20
        let x = (0..<n).map { Double($0) }
        let constant = [Double](repeating: 4, count: n)
        do {
            _ = try Regression.ols(y: x.map { $0 * 2 + 1 + sin($0) }, predictors: [x, constant], names: ["x", "flat"])
            Issue.record("a constant predictor must be refused")
        } catch {
            #expect("\(error)".contains("predictor 'flat' has the same value (4.0) in every row"))
        }
        #expect(throws: StatisticsError.self) {
            try Regression.ols(y: x, predictors: [x, x.map { $0 * 2 }], names: ["x", "twice x"])
        }
        // x separates y completely: no finite maximum-likelihood estimate.
        do {
            _ = try Regression.logistic(y: x.map { $0 < 10 ? 0 : 1 }, predictors: [x], names: ["x"])
            Issue.record("separation must be refused")
        } catch {
            #expect("\(error)".contains("separation"))
        }
        #expect(throws: StatisticsError.self) { try Regression.logistic(y: [Double](repeating: 1, count: n), predictors: [x], names: ["x"]) }
        #expect(throws: StatisticsError.self) { try Regression.ols(y: [1, 2], predictors: [[1, 2]], names: ["x"]) }
    }
}

@Suite struct BootstrapBehaviour {
    /// A percentile interval cannot match another program's random draws; it must be reproducible
    /// from its seed and, for the mean of a large sample, agree with the t interval (to sampling error).
    @Test func seededAndClosetoTheTIntervalForAMean() throws {
        let random = RandomSource(seed: 99)
        let data = (0..<2000).map { _ in random.normal(mean: 10, sd: 3) }
        let mean: ([Int]) -> Double = { sample in sample.reduce(0.0) { $0 + data[$1] } / Double(sample.count) }
        let first = try Bootstrap.percentile(units: data.count, replicates: 2000, seed: 7, statistic: mean)
        let again = try Bootstrap.percentile(units: data.count, replicates: 2000, seed: 7, statistic: mean)
        #expect(first == again)
        let other = try Bootstrap.percentile(units: data.count, replicates: 2000, seed: 8, statistic: mean)
        #expect(other.lower != first.lower)
        let t = try Descriptives.mean(data)
        // The half-width is about 0.13; the percentile limits must sit within 0.02 of the t limits.
        #expect(abs(first.lower - t.lower) < 0.02 && abs(first.upper - t.upper) < 0.02, "\(first) vs \(t)")
        #expect(first.estimate == t.mean)
    }

    /// The stratified bootstrap behind cost-effectiveness: each replicate keeps the strata's sizes, the
    /// replicates do not depend on how many cores ran them, and for a difference in means the spread of
    /// the replicates matches the standard error sqrt(s1^2/n1 + s2^2/n2) (to sampling error: 2,000
    /// replicates estimate a standard deviation to about 1.6%, so 6% is nearly 4 of those).
    @Test func stratifiedKeepsStrataAndMatchesTheStandardError() throws {
        let random = RandomSource(seed: 5)
        let values = (0..<3000).map { $0 < 1000 ? random.normal(mean: 4, sd: 2) : random.normal(mean: 5, sd: 3) }
        @Sendable func statistics(_ counts: UnsafeBufferPointer<UInt32>) -> [Double] {
            var sums = [0.0, 0.0], sizes = [0.0, 0.0]
            for i in 0..<counts.count {
                let stratum = i < 1000 ? 0 : 1
                sums[stratum] += Double(counts[i]) * values[i]; sizes[stratum] += Double(counts[i])
            }
            return [sums[1] / sizes[1] - sums[0] / sizes[0], sizes[0], sizes[1]]
        }
        let replicates = try Bootstrap.stratified(strata: [1000, 2000], replicates: 2000, seed: 11, workers: 1,
                                                  statistics: statistics)
        #expect(replicates.allSatisfy { $0[1] == 1000 && $0[2] == 2000 })
        let parallel = try Bootstrap.stratified(strata: [1000, 2000], replicates: 2000, seed: 11, workers: 3,
                                                statistics: statistics)
        #expect(parallel == replicates)
        let reseeded = try Bootstrap.stratified(strata: [1000, 2000], replicates: 2000, seed: 12, statistics: statistics)
        #expect(reseeded != replicates)
        let a = try Descriptives.mean(Array(values[0..<1000])), b = try Descriptives.mean(Array(values[1000...]))
        let standardError = (a.sd * a.sd / 1000 + b.sd * b.sd / 2000).squareRoot()
        let differences = replicates.map { $0[0] }
        let centre = differences.reduce(0, +) / 2000
        let spread = (differences.map { ($0 - centre) * ($0 - centre) }.reduce(0, +) / 1999).squareRoot()
        #expect(abs(spread / standardError - 1) < 0.06, "bootstrap SD \(spread) vs standard error \(standardError)")
        #expect(throws: StatisticsError.self) {
            try Bootstrap.stratified(strata: [1000, 0], replicates: 10, seed: 1) { _ in [] }
        }
    }

    @Test func failedReplicatesAreCounted() throws {
        let result = try Bootstrap.percentile(units: 10, replicates: 100, seed: 1) { sample in sample.contains(0) ? .nan : 1 }
        #expect(result.failed > 0 && result.failed < 100)
        #expect(throws: StatisticsError.self) { try Bootstrap.percentile(units: 0, seed: 1) { _ in 1 } }
    }
}
