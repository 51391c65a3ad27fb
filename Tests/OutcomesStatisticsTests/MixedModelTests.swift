import Foundation
import Testing
@testable import OutcomesStatistics

/// The random-intercept model against lme4 1.1-31 (REML), lmerTest 3.1-3 (Satterthwaite) and pbkrtest 0.5.2
/// (Kenward-Roger), on the four seeded datasets of scripts/reference/mixed_model_reference.R: 6 and 20 sites
/// with the arm constant within site, 12 sites with the arm varying within site, and a singular fit.
@Suite struct MixedModelAgainstLme4 {
    struct Case {
        var name: String
        var y: [Double]
        var site: [Int]
        var names: [String]
        var predictors: [[Double]]
        var reference: [String: Any]
        var coefficients: [[String: Any]]
    }

    static func cases() throws -> [Case] {
        let url = Bundle.module.bundleURL.appendingPathComponent("Fixtures/reference-mixed.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let cases = try #require(json["cases"] as? [[String: Any]])
        return try cases.map { c in
            let names = try #require(c["predictors"] as? [String])
            let data = try #require(c["data"] as? [String: [Double]])
            return Case(name: c["name"] as! String, y: c["y"] as! [Double], site: c["site"] as! [Int], names: names,
                        predictors: names.map { data[$0]! }, reference: c,
                        coefficients: c["coefficients"] as! [[String: Any]])
        }
    }

    /// |a − b| / max(|b|, floor): relative, with an absolute floor for figures near 0.
    static func difference(_ a: Double, _ b: Double, floor: Double = 1e-12) -> Double {
        abs(a - b) / max(abs(b), floor)
    }

    @Test func remlFitAndSatterthwaiteMatchLmerTest() throws {
        let cases = try Self.cases()
        #expect(cases.count == 4)
        for c in cases {
            let fit = try Regression.randomIntercept(y: c.y, predictors: c.predictors, names: c.names,
                                                     clusters: c.site, degreesOfFreedom: .satterthwaite)
            let r = c.reference
            #expect(fit.n == r["n"] as! Int && fit.clusterCount == r["groups"] as! Int, "\(c.name)")
            #expect(fit.isSingular == (r["singular"] as! Bool), "\(c.name)")
            // Variances to 1e-7 relative (σ_b² absolute when 0), the REML criterion to 1e-9 relative.
            #expect(Self.difference(fit.clusterVariance, r["sigma_b2"] as! Double, floor: 1) < 1e-7, "\(c.name)")
            #expect(Self.difference(fit.residualVariance, r["sigma2"] as! Double) < 1e-7, "\(c.name)")
            #expect(Self.difference(fit.remlCriterion, r["remlcrit"] as! Double) < 1e-9, "\(c.name)")
            let sb2 = r["sigma_b2"] as! Double, s2 = r["sigma2"] as! Double
            #expect(abs(fit.intraclassCorrelation - sb2 / (sb2 + s2)) < 1e-7, "\(c.name)")
            for (j, reference) in c.coefficients.enumerated() {
                let coefficient = fit.coefficients[j], label = "\(c.name): \(coefficient.name)"
                #expect(coefficient.name == reference["name"] as! String, "\(label)")
                // Estimates, SEs, t and interval ends to 1e-6 relative; df to 1e-5 relative; p to 1e-6 relative.
                #expect(Self.difference(coefficient.estimate, reference["estimate"] as! Double) < 1e-6, "\(label)")
                #expect(Self.difference(coefficient.se, reference["se"] as! Double) < 1e-6, "\(label)")
                #expect(Self.difference(coefficient.statistic, reference["t"] as! Double) < 1e-6, "\(label)")
                #expect(Self.difference(coefficient.lower, reference["lower"] as! Double) < 1e-6, "\(label)")
                #expect(Self.difference(coefficient.upper, reference["upper"] as! Double) < 1e-6, "\(label)")
                #expect(Self.difference(fit.degreesOfFreedom[j], reference["df"] as! Double) < 1e-5,
                        "\(label): df \(fit.degreesOfFreedom[j]) vs \(reference["df"]!)")
                #expect(Self.difference(coefficient.pValue, reference["p"] as! Double, floor: 1e-300) < 1e-6,
                        "\(label): p \(coefficient.pValue) vs \(reference["p"]!)")
            }
        }
    }

    @Test func kenwardRogerMatchesPbkrtest() throws {
        for c in try Self.cases() {
            let fit = try Regression.randomIntercept(y: c.y, predictors: c.predictors, names: c.names,
                                                     clusters: c.site, degreesOfFreedom: .kenwardRoger)
            #expect(fit.method == .kenwardRoger)
            for (j, reference) in c.coefficients.enumerated() {
                let coefficient = fit.coefficients[j], label = "\(c.name): \(coefficient.name)"
                // Adjusted SEs and t to 1e-6 relative, df to 1e-5 relative, p to 1e-6 relative.
                #expect(Self.difference(coefficient.estimate, reference["estimate"] as! Double) < 1e-6, "\(label)")
                #expect(Self.difference(coefficient.se, reference["kr_se"] as! Double) < 1e-6,
                        "\(label): SE \(coefficient.se) vs \(reference["kr_se"]!)")
                #expect(Self.difference(coefficient.statistic, reference["kr_t"] as! Double) < 1e-6, "\(label)")
                #expect(Self.difference(fit.degreesOfFreedom[j], reference["kr_df"] as! Double) < 1e-5,
                        "\(label): df \(fit.degreesOfFreedom[j]) vs \(reference["kr_df"]!)")
                #expect(Self.difference(coefficient.pValue, reference["kr_p"] as! Double, floor: 1e-300) < 1e-6,
                        "\(label): p \(coefficient.pValue) vs \(reference["kr_p"]!)")
            }
        }
    }
}

@Suite struct MixedModelProperties {
    /// Six sites, arm by site, a baseline: small enough to write out, with a clear site effect.
    static func trial(rows: Int = 240, sites: Int = 6, siteEffect: Double = 3) -> (y: [Double], arm: [Double],
                                                                                   baseline: [Double], site: [Int]) {
        let random = RandomSource(seed: 7)
        let effects = (0..<sites).map { _ in siteEffect * (random.uniform() - 0.5) }
        var y: [Double] = [], arm: [Double] = [], baseline: [Double] = [], site: [Int] = []
        for i in 0..<rows {
            let s = Int(Double(sites) * pow(random.uniform(), 1.5))   // unequal site sizes
            let a = Double(s % 2), b = 40 + 20 * random.uniform()
            site.append(s * 10 + 5)                     // ids need not be dense
            arm.append(a)
            baseline.append(b)
            y.append(5 + 2 * a + 0.5 * b + effects[s] + 4 * (random.uniform() - 0.5))
        }
        return (y, arm, baseline, site)
    }

    @Test func rowOrderSiteNumberingAndMissingRowsDoNotChangeTheFit() throws {
        let t = Self.trial()
        let fit = try Regression.randomIntercept(y: t.y, predictors: [t.arm, t.baseline], names: ["arm", "baseline"],
                                                 clusters: t.site)
        let order = Array((0..<t.y.count).reversed())
        var y = order.map { t.y[$0] }, arm = order.map { t.arm[$0] }, baseline = order.map { t.baseline[$0] }
        var site = order.map { 1000 - t.site[$0] }
        y.append(.nan); arm.append(1); baseline.append(50); site.append(1)      // missing outcome: left out
        y.append(3); arm.append(0); baseline.append(.nan); site.append(2)       // missing predictor: left out
        let shuffled = try Regression.randomIntercept(y: y, predictors: [arm, baseline], names: ["arm", "baseline"],
                                                      clusters: site)
        #expect(shuffled.nMissing == 2 && shuffled.n == fit.n && shuffled.clusterCount == 6)
        for (a, b) in zip(fit.coefficients, shuffled.coefficients) {
            #expect(abs(a.estimate - b.estimate) < 1e-9 * max(1, abs(a.estimate)) && abs(a.se - b.se) < 1e-9)
        }
        #expect(abs(fit.remlCriterion - shuffled.remlCriterion) < 1e-8)
        #expect(fit.clusterVariance > 0 && !fit.isSingular && fit.intraclassCorrelation > 0)
    }

    @Test func scalingTheOutcomeScalesEstimatesAndVariances() throws {
        let t = Self.trial()
        let fit = try Regression.randomIntercept(y: t.y, predictors: [t.arm, t.baseline], names: ["arm", "baseline"],
                                                 clusters: t.site, degreesOfFreedom: .kenwardRoger)
        let scaled = try Regression.randomIntercept(y: t.y.map { 10 * $0 }, predictors: [t.arm, t.baseline],
                                                    names: ["arm", "baseline"], clusters: t.site,
                                                    degreesOfFreedom: .kenwardRoger)
        for (a, b) in zip(fit.coefficients, scaled.coefficients) {
            #expect(abs(10 * a.estimate - b.estimate) < 1e-8 * max(1, abs(b.estimate)))
            #expect(abs(10 * a.se - b.se) < 1e-8 * b.se && abs(a.pValue - b.pValue) < 1e-9)
        }
        #expect(abs(100 * fit.clusterVariance - scaled.clusterVariance) < 1e-7 * scaled.clusterVariance)
        for (a, b) in zip(fit.degreesOfFreedom, scaled.degreesOfFreedom) { #expect(abs(a - b) < 1e-6 * a) }
    }

    @Test func noSiteVariationIsASingularFitWithLeastSquaresEstimates() throws {
        let t = Self.trial(siteEffect: 0)
        // Remove the site means of the noise's between-site part: then the REML site variance is 0.
        var y = t.y
        let groups = Dictionary(grouping: y.indices, by: { t.site[$0] })
        for (_, rows) in groups {
            let residualMean = rows.map { y[$0] - 5 - 2 * t.arm[$0] - 0.5 * t.baseline[$0] }.reduce(0, +)
                / Double(rows.count)
            for row in rows { y[row] -= residualMean }
        }
        let fit = try Regression.randomIntercept(y: y, predictors: [t.arm, t.baseline], names: ["arm", "baseline"],
                                                 clusters: t.site)
        let ols = try Regression.ols(y: y, predictors: [t.arm, t.baseline], names: ["arm", "baseline"])
        #expect(fit.isSingular && fit.clusterVariance == 0 && fit.intraclassCorrelation == 0)
        for (j, (a, b)) in zip(fit.coefficients, ols.coefficients).enumerated() {
            #expect(abs(a.estimate - b.estimate) < 1e-9 && abs(a.se - b.se) < 1e-9 * b.se)
            #expect(abs(fit.degreesOfFreedom[j] - Double(fit.n - 3)) < 1e-6)   // Satterthwaite at the boundary
        }
    }

    @Test func badInputIsAnErrorNotAFit() throws {
        let t = Self.trial()
        #expect(throws: StatisticsError.self) {
            try Regression.randomIntercept(y: t.y, predictors: [t.arm], names: ["arm"], clusters: t.site, confidence: 1)
        }
        #expect(throws: StatisticsError.self) {     // one site
            try Regression.randomIntercept(y: t.y, predictors: [t.arm], names: ["arm"], clusters: t.site.map { _ in 1 })
        }
        #expect(throws: StatisticsError.self) {     // a predictor with no variation
            try Regression.randomIntercept(y: t.y, predictors: [t.arm.map { _ in 1 }], names: ["constant"],
                                           clusters: t.site)
        }
    }
}
