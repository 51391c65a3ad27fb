import Foundation
import Testing
import OutcomesStatistics

/// Funnel-plot limits against SciPy's binomial distribution (scripts/reference/funnel_reference.py),
/// 180 cases from 1 to 25,000 people and targets from 2% to 98%, to 1e-9.
@Suite struct FunnelLimitsAgainstSciPy {
    @Test func interpolatedExactBinomialLimitsMatch() throws {
        let url = Bundle.module.bundleURL.appendingPathComponent("Fixtures/reference-funnel.json")
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let cases = try #require(reference["cases"] as? [[String: Any]])
        #expect(cases.count == 180)
        for c in cases {
            let p0 = c["p0"] as! Double, n = c["n"] as! Int, probability = c["probability"] as! Double
            let limit = try FunnelLimits.binomial(target: p0, n: n, probability: probability)
            #expect(abs(limit - (c["limit"] as! Double)) < 1e-9, "p0 \(p0), n \(n), P \(probability): \(limit) vs \(c["limit"]!)")
        }
    }

    @Test func limitsNarrowWithSizeAndAreClampedAroundTheTarget() throws {
        var previous = 1.0
        for n in [10, 40, 160, 640, 2560] {
            let (inner, outer) = try FunnelLimits.limits(target: 0.6, n: n)
            #expect(outer.lowerBound <= inner.lowerBound && inner.lowerBound < 0.6 && 0.6 < inner.upperBound && inner.upperBound <= outer.upperBound)
            #expect(outer.upperBound - outer.lowerBound < previous)
            previous = outer.upperBound - outer.lowerBound
        }
        // Far out at large n, the normal approximation p0 ± z √(p0(1 - p0)/n).
        let (inner, _) = try FunnelLimits.limits(target: 0.6, n: 25_000)
        let half = 1.959963984540054 * (0.6 * 0.4 / 25_000).squareRoot()
        #expect(abs(inner.upperBound - (0.6 + half)) < 1e-4 && abs(inner.lowerBound - (0.6 - half)) < 1e-4)
        let (tiny, _) = try FunnelLimits.limits(target: 0.02, n: 5)
        #expect(tiny.lowerBound == 0)
        #expect(throws: StatisticsError.self) { try FunnelLimits.binomial(target: 0.5, n: 0, probability: 0.5) }
    }
}
