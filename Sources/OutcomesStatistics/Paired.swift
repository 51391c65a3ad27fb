import Foundation
import CGSL

/// A paired t-test of follow-up minus baseline.
public struct PairedTTest: Sendable, Equatable {
    /// Pairs used (a pair with either value missing is left out).
    public var n: Int
    public var nMissing: Int
    /// Mean of the differences (after - before), with its t interval.
    public var meanDifference: Double
    public var sd: Double
    public var se: Double
    public var t: Double
    public var df: Double
    /// Two-sided p-value.
    public var pValue: Double
    public var lower: Double
    public var upper: Double
    public var confidence: Double
}

/// The Wilcoxon signed-rank test of follow-up minus baseline.
public struct WilcoxonSignedRank: Sendable, Equatable {
    public enum Method: String, Sendable {
        /// The exact null distribution (no ties, no zero differences, n <= 50).
        case exact
        /// Every sign assignment enumerated (ties or zeros, n <= 13), as SciPy's permutation test.
        case permutation
        /// The normal approximation with the tie correction (no continuity correction).
        case normal
    }
    /// Pairs used, including zero differences (which are then dropped from the ranking).
    public var n: Int
    public var nMissing: Int
    public var zeros: Int
    /// min(W+, W-), as SciPy reports for a two-sided test.
    public var statistic: Double
    /// The sum of ranks of positive differences.
    public var rankSumPositive: Double
    /// The z statistic of the normal approximation (-|z|, as SciPy), nil for other methods.
    public var z: Double?
    public var pValue: Double
    public var method: Method
}

public enum Paired {
    /// Pairs where both values are present, and how many pairs were incomplete.
    static func differences(before: [Double?], after: [Double?]) throws -> (d: [Double], missing: Int) {
        guard before.count == after.count else {
            throw StatisticsError.invalidArgument("paired samples differ in length (\(before.count) and \(after.count))")
        }
        var d: [Double] = []
        d.reserveCapacity(before.count)
        for (b, a) in zip(before, after) {
            guard let b, let a, !b.isNaN, !a.isNaN else { continue }
            d.append(a - b)
        }
        return (d, before.count - d.count)
    }

    /// Paired t-test, two-sided, with the t interval of the mean difference.
    ///
    /// Matches `scipy.stats.ttest_rel(after, before)` and its `confidence_interval()`. Throws with
    /// fewer than 2 pairs or when every difference is the same (no variance: t undefined).
    public static func tTest(before: [Double?], after: [Double?], confidence: Double = 0.95) throws -> PairedTTest {
        let (d, missing) = try differences(before: before, after: after)
        let m = try Descriptives.mean(of: d, missing: missing, confidence: confidence)
        guard m.sd > 0 else {
            throw StatisticsError.insufficientData("every difference is \(m.mean): no variation, so no t-test")
        }
        let t = m.mean / m.se
        return PairedTTest(n: m.n, nMissing: missing, meanDifference: m.mean, sd: m.sd, se: m.se, t: t, df: m.df,
                           pValue: min(1, 2 * gsl_cdf_tdist_Q(abs(t), m.df)), lower: m.lower, upper: m.upper,
                           confidence: confidence)
    }

    public static func tTest(before: [Double], after: [Double], confidence: Double = 0.95) throws -> PairedTTest {
        try tTest(before: before.map { Optional($0) }, after: after.map { Optional($0) }, confidence: confidence)
    }

    /// Wilcoxon signed-rank test, two-sided, with SciPy's defaults (`scipy.stats.wilcoxon(after, before)`):
    /// zero differences dropped (`zero_method="wilcox"`), no continuity correction, and `method="auto"`:
    /// exact when n <= 50 with no ties or zeros, all 2^n sign assignments when there are ties or zeros
    /// and n <= 13, otherwise the normal approximation with the tie correction.
    ///
    /// Differences are ranked after rounding to 12 significant digits (as R's `wilcox.test` allows with
    /// `digits.rank`): scores such as 7.6923076923076925 and 7.692307692307692 are the same change
    /// computed by two routes and must tie. SciPy ranks raw values; the reference script rounds the
    /// same way before calling it.
    public static func wilcoxonSignedRank(before: [Double?], after: [Double?]) throws -> WilcoxonSignedRank {
        let (raw, missing) = try differences(before: before, after: after)
        // Scores take few distinct values, so their differences repeat: round each distinct one once.
        var rounded: [UInt64: Double] = [:]
        let d = raw.map { value in
            if let known = rounded[value.bitPattern] { return known }
            let result = significant12(value)
            rounded[value.bitPattern] = result
            return result
        }
        let nonzero = d.filter { $0 != 0 }
        let zeros = d.count - nonzero.count
        guard !nonzero.isEmpty else {
            throw StatisticsError.insufficientData("no non-zero differences: the signed-rank test is undefined")
        }
        _ = GSL.ready
        let (ranks, tieGroups) = Ranks.average(nonzero.map(abs))
        var rankPlus = 0.0, rankMinus = 0.0
        for (value, rank) in zip(nonzero, ranks) { if value > 0 { rankPlus += rank } else { rankMinus += rank } }
        let count = Double(nonzero.count)
        let hasTies = tieGroups.contains { $0 > 1 }

        if d.count <= 50, !hasTies, zeros == 0 {
            let p = exactSignedRankPValue(rankPlus: rankPlus, n: nonzero.count)
            return WilcoxonSignedRank(n: d.count, nMissing: missing, zeros: zeros, statistic: min(rankPlus, rankMinus),
                                      rankSumPositive: rankPlus, z: nil, pValue: p, method: .exact)
        }
        if d.count <= 50, d.count <= 13 {
            let p = enumeratedSignedRankPValue(ranks: ranks, observed: rankPlus)
            return WilcoxonSignedRank(n: d.count, nMissing: missing, zeros: zeros, statistic: min(rankPlus, rankMinus),
                                      rankSumPositive: rankPlus, z: nil, pValue: p, method: .permutation)
        }
        let mean = count * (count + 1) / 4
        let tieCorrection = tieGroups.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
        let se = ((count * (count + 1) * (2 * count + 1) - tieCorrection / 2) / 24).squareRoot()
        let z = (rankPlus - mean) / se
        return WilcoxonSignedRank(n: d.count, nMissing: missing, zeros: zeros, statistic: min(rankPlus, rankMinus),
                                  rankSumPositive: rankPlus, z: -abs(z), pValue: min(1, 2 * gsl_cdf_ugaussian_Q(abs(z))),
                                  method: .normal)
    }

    public static func wilcoxonSignedRank(before: [Double], after: [Double]) throws -> WilcoxonSignedRank {
        try wilcoxonSignedRank(before: before.map { Optional($0) }, after: after.map { Optional($0) })
    }

    /// 2 min(P(W+ >= w), P(W+ <= w)) under the exact null distribution of W+ for n untied ranks,
    /// counted by dynamic programming over the 2^n sign assignments.
    static func exactSignedRankPValue(rankPlus: Double, n: Int) -> Double {
        let total = n * (n + 1) / 2
        var counts = [Double](repeating: 0, count: total + 1)
        counts[0] = 1
        for k in 1...n {
            for s in stride(from: total, through: k, by: -1) { counts[s] += counts[s - k] }
        }
        let all = counts.reduce(0, +)
        let w = Int(rankPlus.rounded())
        let lowerTail = counts[0...min(w, total)].reduce(0, +) / all
        let upperTail = counts[max(w, 0)...total].reduce(0, +) / all
        return min(1, 2 * min(lowerTail, upperTail))
    }

    /// The two-sided p-value over every sign assignment of the (tied) ranks, as
    /// `scipy.stats.permutation_test(..., permutation_type="samples")` computes it when it can enumerate.
    static func enumeratedSignedRankPValue(ranks: [Double], observed: Double) -> Double {
        let n = ranks.count
        let assignments = 1 << n
        var atMost = 0, atLeast = 0
        let tolerance = abs(observed) * 1e-14 + 1e-12
        for mask in 0..<assignments {
            var sum = 0.0
            for i in 0..<n where mask & (1 << i) != 0 { sum += ranks[i] }
            if sum <= observed + tolerance { atMost += 1 }
            if sum >= observed - tolerance { atLeast += 1 }
        }
        return min(1, 2 * Double(min(atMost, atLeast)) / Double(assignments))
    }
}

/// `value` rounded to 12 significant digits.
func significant12(_ value: Double) -> Double {
    guard value != 0, value.isFinite else { return value }
    // C's printf and strtod, not Foundation's String(format:): the same digits, a tenth of the time.
    var text = [CChar](repeating: 0, count: 32)
    _ = withVaList([value]) { vsnprintf(&text, text.count, "%.12g", $0) }
    return strtod(text, nil)
}

/// Ranking with ties given their average rank.
enum Ranks {
    /// Average ranks (1-based) of `values` (none NaN: callers drop missing values first), and the
    /// sizes of the groups of tied values, in ascending order of value.
    static func average(_ values: [Double]) -> (ranks: [Double], tieGroups: [Int]) {
        guard !values.isEmpty else { return ([], []) }
        precondition(!values.contains { $0.isNaN }, "ranks of NaN are undefined")
        // Sort a copy (the standard library's sort of plain doubles), find each distinct value's average
        // rank, then look each value up among the distinct ones. Scores and their changes take few
        // distinct values, so this is a sequential sort and a short binary search per value: an index
        // sort (GSL's heapsort) of a million changes jumped about memory and took twice as long.
        let sorted = values.sorted()
        var distinct: [Double] = [], averages: [Double] = [], groups: [Int] = []
        var start = 0
        while start < sorted.count {
            var end = start + 1
            while end < sorted.count, sorted[end] == sorted[start] { end += 1 }
            distinct.append(sorted[start])
            averages.append(Double(start + end + 1) / 2)
            groups.append(end - start)
            start = end
        }
        let ranks = distinct.withUnsafeBufferPointer { distinct in
            values.map { value -> Double in
                var low = 0, high = distinct.count - 1
                while low < high {
                    let middle = (low + high) / 2
                    if distinct[middle] < value { low = middle + 1 } else { high = middle }
                }
                return averages[low]
            }
        }
        return (ranks, groups)
    }
}

/// McNemar's test for a paired 2 x 2 table (e.g. "positive" at baseline and at follow-up).
public struct McNemarTest: Sendable, Equatable {
    /// The discordant counts: table[0][1] and table[1][0].
    public var b: Int
    public var c: Int
    /// Exact: min(b, c); chi-square: (|b - c| - 1)² / (b + c) with the continuity correction.
    public var statistic: Double
    public var pValue: Double
    public var exact: Bool
}

extension Paired {
    /// McNemar's test. Exact: the two-sided binomial test of b against b + c with p = 1/2
    /// (`gsl_cdf_binomial_P`); otherwise chi-square on 1 df, with the continuity correction by default.
    ///
    /// Matches statsmodels `mcnemar(table, exact=True)` and `mcnemar(table, exact=False, correction=True)`.
    public static func mcNemar(_ table: [[Int]], exact: Bool, continuityCorrection: Bool = true) throws -> McNemarTest {
        guard table.count == 2, table.allSatisfy({ $0.count == 2 }), table.joined().allSatisfy({ $0 >= 0 }) else {
            throw StatisticsError.invalidArgument("McNemar's test needs a 2 x 2 table of counts")
        }
        _ = GSL.ready
        let b = table[0][1], c = table[1][0]
        guard b + c > 0 else { throw StatisticsError.insufficientData("no discordant pairs: McNemar's test is undefined") }
        if exact {
            let low = min(b, c)
            let p = min(1, 2 * gsl_cdf_binomial_P(UInt32(low), 0.5, UInt32(b + c)))
            return McNemarTest(b: b, c: c, statistic: Double(low), pValue: p, exact: true)
        }
        let difference = abs(Double(b - c)) - (continuityCorrection ? 1 : 0)
        let statistic = difference * difference / Double(b + c)
        return McNemarTest(b: b, c: c, statistic: statistic, pValue: gsl_cdf_chisq_Q(statistic, 1), exact: false)
    }
}
