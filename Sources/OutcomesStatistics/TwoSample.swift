import CGSL
import Foundation

/// A t-test of two independent groups (mean of the first minus mean of the second).
public struct TwoSampleTTest: Sendable, Equatable {
    public var n1: Int
    public var n2: Int
    public var nMissing: Int
    public var mean1: Double
    public var mean2: Double
    public var difference: Double
    public var se: Double
    public var t: Double
    /// n1 + n2 - 2 (Student) or the Welch-Satterthwaite degrees of freedom.
    public var df: Double
    public var pValue: Double
    public var lower: Double
    public var upper: Double
    public var confidence: Double
}

/// The Mann-Whitney U test of two independent groups.
public struct MannWhitneyU: Sendable, Equatable {
    public enum Method: String, Sendable {
        /// The exact distribution of U (one group of 8 or fewer, no ties).
        case exact
        /// The normal approximation with tie correction and continuity correction.
        case normal
    }
    public var n1: Int
    public var n2: Int
    public var nMissing: Int
    /// U of the first group (SciPy's statistic): the number of (x, y) pairs with x > y, ties counting 1/2.
    public var u1: Double
    public var pValue: Double
    public var method: Method
}

/// A standardised mean difference with its confidence interval.
public struct EffectSize: Sendable, Equatable {
    public var estimate: Double
    public var se: Double
    public var lower: Double
    public var upper: Double
    public var confidence: Double
}

public enum TwoSample {
    /// Student's t-test (pooled variance), two-sided, with the t interval of the difference of means.
    ///
    /// Matches `scipy.stats.ttest_ind(x, y, equal_var=True)` and its `confidence_interval()`.
    public static func student(_ x: [Double?], _ y: [Double?], confidence: Double = 0.95) throws -> TwoSampleTTest {
        try tTest(x, y, pooled: true, confidence: confidence)
    }

    /// Welch's t-test (unequal variances), two-sided, Welch-Satterthwaite degrees of freedom.
    ///
    /// Matches `scipy.stats.ttest_ind(x, y, equal_var=False)` and its `confidence_interval()`.
    public static func welch(_ x: [Double?], _ y: [Double?], confidence: Double = 0.95) throws -> TwoSampleTTest {
        try tTest(x, y, pooled: false, confidence: confidence)
    }

    static func tTest(_ x: [Double?], _ y: [Double?], pooled: Bool, confidence: Double) throws -> TwoSampleTTest {
        let (a, missingA) = Descriptives.present(x)
        let (b, missingB) = Descriptives.present(y)
        let ma = try Descriptives.mean(of: a, missing: missingA, confidence: confidence)
        let mb = try Descriptives.mean(of: b, missing: missingB, confidence: confidence)
        let n1 = Double(a.count), n2 = Double(b.count)
        let va = ma.sd * ma.sd, vb = mb.sd * mb.sd
        let se: Double, df: Double
        if pooled {
            df = n1 + n2 - 2
            let pooledVariance = ((n1 - 1) * va + (n2 - 1) * vb) / df
            se = (pooledVariance * (1 / n1 + 1 / n2)).squareRoot()
        } else {
            let qa = va / n1, qb = vb / n2
            se = (qa + qb).squareRoot()
            df = (qa + qb) * (qa + qb) / (qa * qa / (n1 - 1) + qb * qb / (n2 - 1))
        }
        guard se > 0 else { throw StatisticsError.insufficientData("both groups have no variation: t is undefined") }
        let difference = ma.mean - mb.mean
        let t = difference / se
        let critical = gsl_cdf_tdist_Pinv(1 - (1 - confidence) / 2, df)
        return TwoSampleTTest(n1: a.count, n2: b.count, nMissing: missingA + missingB, mean1: ma.mean, mean2: mb.mean,
                              difference: difference, se: se, t: t, df: df, pValue: min(1, 2 * gsl_cdf_tdist_Q(abs(t), df)),
                              lower: difference - critical * se, upper: difference + critical * se, confidence: confidence)
    }

    /// The Mann-Whitney U test, two-sided, as `scipy.stats.mannwhitneyu(x, y)` by default: exact when
    /// one group has 8 or fewer values and there are no ties, otherwise the normal approximation with
    /// the tie correction and a continuity correction of 1/2.
    public static func mannWhitney(_ x: [Double?], _ y: [Double?]) throws -> MannWhitneyU {
        let (a, missingA) = Descriptives.present(x)
        let (b, missingB) = Descriptives.present(y)
        guard !a.isEmpty, !b.isEmpty else { throw StatisticsError.insufficientData("the Mann-Whitney test needs two non-empty groups") }
        _ = GSL.ready
        let (ranks, ties) = Ranks.average(a + b)
        var r1 = 0.0
        for index in 0..<a.count { r1 += ranks[index] }
        let n1 = Double(a.count), n2 = Double(b.count)
        let u1 = r1 - n1 * (n1 + 1) / 2
        let u = max(u1, n1 * n2 - u1)
        let hasTies = ties.contains { $0 > 1 }
        if (a.count <= 8 || b.count <= 8), !hasTies {
            let p = min(1, 2 * exactUUpperTail(Int(u.rounded()), a.count, b.count))
            return MannWhitneyU(n1: a.count, n2: b.count, nMissing: missingA + missingB, u1: u1, pValue: p, method: .exact)
        }
        let n = n1 + n2
        let tieTerm = ties.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
        let s = (n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))).squareRoot()
        guard s > 0 else { throw StatisticsError.insufficientData("every value is the same: the Mann-Whitney test is undefined") }
        let z = (u - n1 * n2 / 2 - 0.5) / s
        return MannWhitneyU(n1: a.count, n2: b.count, nMissing: missingA + missingB, u1: u1,
                            pValue: min(1, 2 * gsl_cdf_ugaussian_Q(z)), method: .normal)
    }

    /// P(U >= u) for group sizes m and n under the null, from the Gaussian binomial coefficient
    /// [m + n choose m]_q, whose q^k coefficient counts the arrangements with U = k.
    static func exactUUpperTail(_ u: Int, _ m: Int, _ n: Int) -> Double {
        let small = min(m, n), large = max(m, n)
        guard u <= small * large else { return 0 }
        var c = [Double](repeating: 0, count: small * large + small + 1)
        c[0] = 1
        var degree = 0
        for k in stride(from: 1, through: small, by: 1) {
            // [large + k choose k]_q = [large + k - 1 choose k - 1]_q (1 - q^(large + k)) / (1 - q^k), exactly.
            let shift = large + k
            let grown = degree + shift
            for i in stride(from: grown, through: shift, by: -1) { c[i] -= c[i - shift] }
            for i in stride(from: k, through: grown, by: 1) { c[i] += c[i - k] }
            degree = grown - k
        }
        let counts = c[0...(small * large)]
        return counts[max(0, u)...].reduce(0, +) / counts.reduce(0, +)
    }

    /// Cohen's d: (mean1 - mean2) / pooled SD, with the large-sample interval
    /// d ± z √((n1 + n2)/(n1 n2) + d²/(2(n1 + n2))) (Hedges & Olkin 1985).
    public static func cohensD(_ x: [Double?], _ y: [Double?], confidence: Double = 0.95) throws -> EffectSize {
        let (d, n1, n2) = try standardisedDifference(x, y)
        let se = ((n1 + n2) / (n1 * n2) + d * d / (2 * (n1 + n2))).squareRoot()
        let z = try Distributions.normalCritical(confidence: confidence)
        return EffectSize(estimate: d, se: se, lower: d - z * se, upper: d + z * se, confidence: confidence)
    }

    /// Hedges' g: Cohen's d times the exact small-sample correction
    /// J = Γ(m/2) / (√(m/2) Γ((m-1)/2)), m = n1 + n2 - 2 (`gsl_sf_lngamma`), with SE J·SE(d).
    public static func hedgesG(_ x: [Double?], _ y: [Double?], confidence: Double = 0.95) throws -> EffectSize {
        let (d, n1, n2) = try standardisedDifference(x, y)
        let m = n1 + n2 - 2
        let j = exp(gsl_sf_lngamma(m / 2) - gsl_sf_lngamma((m - 1) / 2)) / (m / 2).squareRoot()
        let g = j * d
        let se = j * ((n1 + n2) / (n1 * n2) + d * d / (2 * (n1 + n2))).squareRoot()
        let z = try Distributions.normalCritical(confidence: confidence)
        return EffectSize(estimate: g, se: se, lower: g - z * se, upper: g + z * se, confidence: confidence)
    }

    static func standardisedDifference(_ x: [Double?], _ y: [Double?]) throws -> (d: Double, n1: Double, n2: Double) {
        let (pooled, n1, n2) = try pooledStandardDeviation(x, y)
        let (a, _) = Descriptives.present(x), (b, _) = Descriptives.present(y)
        return ((a.reduce(0, +) / n1 - b.reduce(0, +) / n2) / pooled, n1, n2)
    }

    /// √(((n1 - 1)s1² + (n2 - 1)s2²) / (n1 + n2 - 2)), the SD both groups share under equal variances.
    static func pooledStandardDeviation(_ x: [Double?], _ y: [Double?]) throws -> (sd: Double, n1: Double, n2: Double) {
        let (a, missingA) = Descriptives.present(x)
        let (b, missingB) = Descriptives.present(y)
        let ma = try Descriptives.mean(of: a, missing: missingA, confidence: 0.95)
        let mb = try Descriptives.mean(of: b, missing: missingB, confidence: 0.95)
        let n1 = Double(a.count), n2 = Double(b.count)
        let pooled = (((n1 - 1) * ma.sd * ma.sd + (n2 - 1) * mb.sd * mb.sd) / (n1 + n2 - 2)).squareRoot()
        guard pooled > 0 else { throw StatisticsError.insufficientData("no variation within the groups: a standardised difference is undefined") }
        _ = GSL.ready
        return (pooled, n1, n2)
    }
}

extension TwoSample {
    /// Hedges' g for a difference estimated elsewhere (e.g. a baseline-adjusted ANCOVA coefficient):
    /// the difference and its interval divided by the pooled SD of the two groups' outcomes, times the
    /// small-sample correction J. With the unadjusted mean difference this is exactly `hedgesG(x, y)`'s
    /// estimate; its interval here is the difference's own interval, rescaled.
    public static func hedgesG(difference: Double, lower: Double, upper: Double, se: Double,
                               _ x: [Double?], _ y: [Double?], confidence: Double = 0.95) throws -> EffectSize {
        let (pooledSD, n1, n2) = try pooledStandardDeviation(x, y)
        let m = n1 + n2 - 2
        let j = exp(gsl_sf_lngamma(m / 2) - gsl_sf_lngamma((m - 1) / 2)) / (m / 2).squareRoot()
        return EffectSize(estimate: j * difference / pooledSD, se: j * se / pooledSD, lower: j * lower / pooledSD,
                          upper: j * upper / pooledSD, confidence: confidence)
    }
}
