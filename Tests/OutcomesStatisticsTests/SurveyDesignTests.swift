import Foundation
import Testing
import OutcomesStatistics

/// Weighted shares and means with design-based standard errors, design effects and intervals against
/// R's survey package (scripts/reference/survey_reference.R, on the package's own California schools
/// samples): a stratified sample, a cluster sample, and both raked to population margins; to 1e-9
/// relative for estimates, standard errors, design effects and intervals, exactly for degrees of freedom.
@Suite struct SurveyDesignAgainstR {
    static func reference() throws -> [[String: Any]] {
        let url = Bundle.module.bundleURL.appendingPathComponent("Fixtures/reference-survey.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        return try #require(object?["cases"] as? [[String: Any]])
    }

    static func int32s(_ value: Any?) -> [Int32]? { (value as? [Int]).map { $0.map(Int32.init) } }

    /// The design a case describes, raked first when it is raked.
    static func design(_ c: [String: Any]) throws -> SurveyDesign {
        let base = c["base_weights"] as! [Double]
        var raking: Raking?
        if let spec = c["raking"] as? [String: Any] {
            let margins = (spec["margins"] as! [[String: Any]]).map {
                Raking.Margin(name: $0["name"] as! String, levelOfRow: int32s($0["levels"])!,
                              totals: $0["totals"] as! [Double])
            }
            raking = try Raking(base: base, margins: margins, epsilon: spec["epsilon"] as! Double,
                                maxPasses: spec["max_passes"] as! Int)
        }
        return try SurveyDesign(weights: raking?.weights ?? base, strata: int32s(c["strata"]),
                                clusters: int32s(c["clusters"]), raking: raking)
    }

    static func close(_ a: Double, _ b: Any?, _ what: String, tolerance: Double = 1e-9) -> Bool {
        let b = ((b as? [[Double]])?.first?.first) ?? (b as! Double)
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    @Test func rakedWeightsMeetTheMarginsAndMatchR() throws {
        for c in try Self.reference() where c["raking"] is [String: Any] {
            let design = try Self.design(c)
            let expected = c["weights"] as! [Double]
            for (mine, theirs) in zip(design.weights, expected) { #expect(abs(mine - theirs) < 1e-7 * theirs) }
            let raking = try #require(design.raking)
            #expect(raking.converged && raking.passes > 1)
        }
    }

    @Test func sharesMatchSvycipropAndSvymean() throws {
        var checked = 0
        for c in try Self.reference() {
            let design = try Self.design(c)
            let bands = (c["band"] as! [Int]).map { $0 < 0 ? UInt8(5) : UInt8($0) }
            let domains = Self.int32s(c["domain"])!
            let interval = SurveyEstimate.Interval(rawValue: c["interval"] as! String)!
            let shares = try design.shares(categories: bands, answering: [0, 1, 2], domains: domains,
                                           domainCount: Int(domains.max()!) + 1, confidence: 0.95, interval: interval)
            for r in c["shares"] as! [[String: Any]] {
                let e = try #require(shares[r["domain"] as! Int][r["category"] as! Int])
                let label = "\(c["name"]!) domain \(r["domain"]!) category \(r["category"]!)"
                #expect(Self.close(e.estimate, r["estimate"], "estimate"),
                        "\(label): \(e.estimate) vs \(r["estimate"]!)")
                #expect(Self.close(e.standardError, r["se"], "se", tolerance: 1e-7),
                        "\(label): SE \(e.standardError) vs \(r["se"]!)")
                checked += 1
                if e.estimate == 0 {
                    // R has no design effect here and an interval of no use (1e-11 to 5e-11 by logit, NA by
                    // beta); the toolkit gives the Clopper-Pearson interval of the unweighted count instead.
                    #expect(r["deff"] is NSNull)
                    let exact = try Proportions.clopperPearson(count: 0, n: e.n)
                    #expect(e.lower == 0 && e.upper == exact.upper, "\(label)")
                    continue
                }
                #expect(Self.close(e.designEffect, r["deff"], "deff", tolerance: 1e-7),
                        "\(label): deff \(e.designEffect) vs \(r["deff"]!)")
                #expect(e.degreesOfFreedom == r["df"] as! Int, "\(label): df")
                #expect(Self.close(e.lower, r["lower"], "lower", tolerance: 1e-7),
                        "\(label): lower \(e.lower) vs \(r["lower"]!)")
                #expect(Self.close(e.upper, r["upper"], "upper", tolerance: 1e-7),
                        "\(label): upper \(e.upper) vs \(r["upper"]!)")
            }
        }
        #expect(checked == 2 * 6 + 2 * 9 + 9 + 6)
    }

    @Test func meansMatchSvymeanWithTIntervals() throws {
        for c in try Self.reference() {
            let design = try Self.design(c)
            let domains = Self.int32s(c["domain"])!
            let sums = design.sums(values: c["api00"] as! [Double], domains: domains,
                                   domainCount: Int(domains.max()!) + 1)
            for r in c["means"] as! [[String: Any]] {
                let e = try design.estimate(sums[r["domain"] as! Int], confidence: 0.95, interval: .t)
                let label = "\(c["name"]!) mean in domain \(r["domain"]!)"
                #expect(Self.close(e.estimate, r["estimate"], "estimate"), "\(label)")
                #expect(Self.close(e.standardError, r["se"], "se", tolerance: 1e-7),
                        "\(label): SE \(e.standardError) vs \(r["se"]!)")
                #expect(Self.close(e.designEffect, r["deff"], "deff", tolerance: 1e-7), "\(label): deff")
                #expect(Self.close(e.lower, r["lower"], "lower", tolerance: 1e-7)
                            && Self.close(e.upper, r["upper"], "upper", tolerance: 1e-7), "\(label): interval")
            }
        }
    }

    @Test func badDesignsAreRefusedWithTheReason() throws {
        #expect(throws: StatisticsError.self) { try SurveyDesign(weights: [1, 0, 2]) }
        #expect(throws: StatisticsError.self) { try SurveyDesign(weights: [1, 1, 1], strata: [0, 0, 1]) }
        #expect(throws: StatisticsError.self) {
            try SurveyDesign(weights: [1, 1, 1, 1], strata: [0, 0, 1, 1], clusters: [0, 1, 1, 2])
        }
        #expect(throws: StatisticsError.self) {
            try Raking(base: [1, 1], margins: [.init(name: "sex", levelOfRow: [0, 0], totals: [5, 5])])
        }
    }
}
