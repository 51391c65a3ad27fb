import Foundation
import Testing
@testable import OutcomesStatistics

/// CR2 errors with Satterthwaite degrees of freedom against R's clubSandwich
/// (scripts/reference/cr2_reference.R): least squares and logistic models with 6 to 20 sites, arms
/// allocated by site. Tolerances: estimates, standard errors and degrees of freedom 1e-6 relative (R's
/// logistic fits are iterated to 1e-14, these separately), interval limits 1e-6 of the half-width,
/// p-values 1e-7 absolute.
@Suite struct ClusterRobustCR2AgainstClubSandwich {
    struct Case {
        var name: String, binary: Bool, y: [Double], predictors: [[Double]], names: [String], sites: [Int]
        var reference: [String: Any]
        func values(_ key: String) -> [Double] { (reference[key] as! [Any]).map { ($0 as! NSNumber).doubleValue } }
    }

    static func cases() throws -> [Case] {
        let url = Bundle.module.bundleURL.appendingPathComponent("Fixtures/reference-cr2.json")
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return (reference["cases"] as! [[String: Any]]).map { c in
            let data = c["data"] as! [String: [Double]], names = c["predictors"] as! [String]
            return Case(name: c["name"] as! String, binary: c["binary"] as! Bool, y: data["y"]!,
                        predictors: names.map { data[$0]! }, names: names, sites: data["site"]!.map { Int($0) },
                        reference: c)
        }
    }

    static func close(_ a: Double, _ b: Double, _ relative: Double) -> Bool {
        abs(a - b) <= relative * max(abs(b), 1e-3)
    }

    @Test func everyFigureMatches() throws {
        let cases = try Self.cases()
        #expect(cases.count == 5)
        for c in cases {
            let fit = c.binary
                ? try Regression.logistic(y: c.y, predictors: c.predictors, names: c.names, covariance: .cr2(c.sites))
                : try Regression.ols(y: c.y, predictors: c.predictors, names: c.names, covariance: .cr2(c.sites))
            let (estimate, se, df, t, p) = (c.values("estimate"), c.values("se"), c.values("df"), c.values("t"),
                                            c.values("p"))
            let (lower, upper) = (c.values("lower"), c.values("upper"))
            #expect(fit.coefficients.count == estimate.count, "\(c.name)")
            for (j, coefficient) in fit.coefficients.enumerated() {
                let at = "\(c.name) \(coefficient.name)"
                #expect(Self.close(coefficient.estimate, estimate[j], 1e-6), "\(at) estimate \(coefficient.estimate) vs \(estimate[j])")
                #expect(Self.close(coefficient.se, se[j], 1e-6), "\(at) SE \(coefficient.se) vs \(se[j])")
                #expect(Self.close(coefficient.df ?? .nan, df[j], 1e-6), "\(at) df \(coefficient.df ?? .nan) vs \(df[j])")
                #expect(Self.close(coefficient.statistic, t[j], 1e-6), "\(at) t \(coefficient.statistic) vs \(t[j])")
                #expect(abs(coefficient.pValue - p[j]) < 1e-7, "\(at) p \(coefficient.pValue) vs \(p[j])")
                // A limit can be near 0: to 1e-6 of the interval's half-width.
                let halfWidth = (upper[j] - lower[j]) / 2
                #expect(abs(coefficient.lower - lower[j]) < 1e-6 * halfWidth, "\(at) lower \(coefficient.lower) vs \(lower[j])")
                #expect(abs(coefficient.upper - upper[j]) < 1e-6 * halfWidth, "\(at) upper \(coefficient.upper) vs \(upper[j])")
            }
            #expect(fit.df == nil, "each coefficient has its own degrees of freedom")
        }
    }

    /// The least-squares path (a p x p matrix function per cluster) and the pattern path (a k x k one on
    /// the distinct rows, used for logistic models) are two derivations of one estimator: on a design with
    /// repeated rows and unit working variance they must agree.
    @Test func theTwoDerivationsAgreeOnRepeatedRows() throws {
        let c = try #require(try Self.cases().first { $0.name == "logistic_8_sites" })
        let y = c.predictors[0].indices.map { i in c.predictors[1][i] + 2 * c.predictors[2][i] + Double(c.sites[i] % 3) }
        let d = try Regression.design(y: y, predictors: c.predictors, names: c.names, covariance: .cr2(c.sites))
        let ols = try Regression.ols(y: y, predictors: c.predictors, names: c.names, covariance: .cr2(c.sites))
        let beta = ols.coefficients.map(\.estimate)
        let residuals = (0..<d.y.count).map { i in d.y[i] - (0..<d.p).reduce(0) { $0 + d.x[i * d.p + $1] * beta[$1] } }
        var xtx = [Double](repeating: 0, count: d.p * d.p)
        for i in 0..<d.y.count { for a in 0..<d.p { for b in 0..<d.p { xtx[a * d.p + b] += d.x[i * d.p + a] * d.x[i * d.p + b] } } }
        let bread = try SymmetricEigen(xtx, n: d.p).applying { 1 / $0 }
        var patterns = [ClusterRobustCR2.Patterns](repeating: .init(), count: d.clusterCount)
        for i in 0..<d.y.count {
            let g = d.clusters![i]
            patterns[g].x.append(contentsOf: d.x[(i * d.p)..<(i * d.p + d.p)])
            patterns[g].count.append(1); patterns[g].variance.append(1); patterns[g].residual.append(residuals[i])
        }
        let viaPatterns = try ClusterRobustCR2.generalised(bread: bread, p: d.p, clusters: patterns)
        let viaGram = try ClusterRobustCR2.leastSquares(d, bread: bread, residuals: residuals)
        for (a, b) in zip(viaPatterns.covariance, viaGram.covariance) { #expect(Self.close(a, b, 1e-9)) }
        for j in 0..<d.p { #expect(Self.close(viaPatterns.degreesOfFreedom(j), viaGram.degreesOfFreedom(j), 1e-9)) }
    }
}

/// The intra-class correlation and design effect against R's mean squares (scripts/reference/cr2_reference.R),
/// to 1e-9 relative.
@Suite struct IntraclassCorrelationAgainstR {
    @Test func iccAndDesignEffectMatch() throws {
        let url = Bundle.module.bundleURL.appendingPathComponent("Fixtures/reference-icc.json")
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let cases = try #require(reference["cases"] as? [[String: Any]])
        #expect(cases.count == 3)
        for c in cases {
            let data = c["data"] as! [String: [Double]]
            let icc = try IntraclassCorrelation.estimate(data["y"]!, clusters: data["site"]!.map { Int($0) },
                                                         groups: data["arm"]!.map { Int($0) })
            for (figure, value) in [("icc", icc.icc), ("design_effect", icc.designEffect),
                                    ("mean_size", icc.meanClusterSize), ("cv", icc.sizeVariation)] {
                let expected = (c[figure] as! NSNumber).doubleValue
                #expect(abs(value - expected) <= 1e-9 * max(abs(expected), 1e-3), "\(c["name"]!) \(figure): \(value) vs \(expected)")
            }
        }
        #expect(throws: StatisticsError.self) { try IntraclassCorrelation.estimate([1, 2], clusters: [0, 1], groups: [0, 1]) }
    }
}

/// The 2 x 2 chi-square variants against R 4.2 on the table [[12, 5], [7, 15]]:
/// `chisq.test(m, correct = FALSE)$statistic * (N - 1) / N` with `pchisq`, and `chisq.test(m)` (Yates).
@Suite struct TwoByTwoChiSquareAgainstR {
    @Test func nMinusOneAndYatesMatch() throws {
        let table = [[12, 5], [7, 15]]
        let n1 = try Contingency.independence(groups: table, twoByTwo: .nMinusOne)
        #expect(abs(n1.statistic! - 5.62165775401069) < 1e-12 && abs(n1.pValue - 0.0177398615082376) < 1e-12)
        #expect(n1.correction == .nMinusOne && n1.methodName == "the 'N − 1' chi-square")
        let yates = try Contingency.independence(groups: table)
        #expect(abs(yates.statistic! - 4.32212039121869) < 1e-12 && abs(yates.pValue - 0.0376200166348401) < 1e-12)
        #expect(yates.correction == .yates)
        let three = try Contingency.independence(groups: [[12, 5], [7, 15], [9, 9]], twoByTwo: .nMinusOne)
        #expect(three.correction == nil, "tables larger than 2 x 2 are never corrected")
    }
}

@Suite struct ClusterRobustCR2WorkBound {
    /// A logistic model with a continuous covariate has one pattern per person: CR2's per-site decompositions
    /// are bounded, and refused with a reason the analyses fall back on, rather than run for minutes.
    @Test func tooManyPatternsPerSiteAreRefusedQuickly() throws {
        let n = 1_300
        let x = (0..<n).map { Double($0) / Double(n) }
        let y = (0..<n).map { Double(($0 * 7919) % 3 == 0 ? 1 : 0) }
        let sites = (0..<n).map { $0 % 2 }
        #expect {
            try Regression.logistic(y: y, predictors: [x], names: ["x"], covariance: .cr2(sites))
        } throws: { ($0 as? StatisticsError)?.reason.hasPrefix("CR2 errors") == true }
        // CR1 still fits.
        #expect(try Regression.logistic(y: y, predictors: [x], names: ["x"], covariance: .cluster(sites)).n == n)
    }
}
