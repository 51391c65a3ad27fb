import CGSL
import Foundation
/// A proportion with its confidence interval.
public struct ProportionEstimate: Sendable, Equatable {
    /// Number of "successes" (e.g. respondents reporting a positive impact).
    public var count: Int
    /// Number of trials (respondents answering, excluding not applicable and missing).
    public var n: Int
    /// `count / n`; NaN when `n == 0`.
    public var proportion: Double
    /// Lower and upper confidence limits; NaN when `n == 0`.
    public var lower: Double
    public var upper: Double
    /// The confidence level the interval was computed at (e.g. 0.95).
    public var confidence: Double
    /// For a weighted share: the estimate, its design-based interval and design effect (`proportion`,
    /// `lower` and `upper` are then its); `count` and `n` stay the unweighted numbers of respondents.
    public var survey: SurveyEstimate? = nil
}

public enum Proportions {
    /// The Wilson score interval for a binomial proportion.
    ///
    /// Matches statsmodels `proportion_confint(count, nobs, alpha, method="wilson")` and R's
    /// `prop.test(correct = FALSE)$conf.int`. The critical value comes from `gsl_cdf_ugaussian_Pinv`.
    /// With `n == 0` the estimate and both limits are NaN (there is nothing to estimate), not an error,
    /// so that an empty subgroup shows as such in a table.
    public static func wilson(count: Int, n: Int, confidence: Double = 0.95) throws -> ProportionEstimate {
        guard n >= 0, count >= 0, count <= n else {
            throw StatisticsError.invalidArgument("count \(count) of n \(n) is not a proportion")
        }
        let z = try Distributions.normalCritical(confidence: confidence)
        guard n > 0 else {
            return ProportionEstimate(count: 0, n: 0, proportion: .nan, lower: .nan, upper: .nan, confidence: confidence)
        }
        let nn = Double(n), p = Double(count) / nn, z2 = z * z
        let centre = (p + z2 / (2 * nn)) / (1 + z2 / nn)
        let halfWidth = z / (1 + z2 / nn) * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot()
        // Clamp rounding spill at the bounds (count 0 or n gives a limit of exactly 0 or 1).
        return ProportionEstimate(count: count, n: n, proportion: p,
                                  lower: max(0, centre - halfWidth), upper: min(1, centre + halfWidth),
                                  confidence: confidence)
    }
}

/// A difference, ratio or other comparison of two groups with its confidence interval.
public struct Comparison: Sendable, Equatable {
    public var estimate: Double
    public var lower: Double
    public var upper: Double
    public var confidence: Double

    public init(estimate: Double, lower: Double, upper: Double, confidence: Double) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
        self.confidence = confidence
    }
}

extension Proportions {
    /// The Clopper-Pearson ("exact") interval from beta quantiles (`gsl_cdf_beta_Pinv`).
    ///
    /// Matches statsmodels `proportion_confint(count, nobs, alpha, method="beta")` and R's
    /// `binom.test(x, n)$conf.int`. The lower limit is 0 when count is 0 and the upper 1 when count is n.
    public static func clopperPearson(count: Int, n: Int, confidence: Double = 0.95) throws -> ProportionEstimate {
        guard n >= 0, count >= 0, count <= n else {
            throw StatisticsError.invalidArgument("count \(count) of n \(n) is not a proportion")
        }
        _ = try Distributions.normalCritical(confidence: confidence)
        guard n > 0 else {
            return ProportionEstimate(count: 0, n: 0, proportion: .nan, lower: .nan, upper: .nan, confidence: confidence)
        }
        let alpha = 1 - confidence
        let x = Double(count), nn = Double(n)
        let lower = count == 0 ? 0 : gsl_cdf_beta_Pinv(alpha / 2, x, nn - x + 1)
        let upper = count == n ? 1 : gsl_cdf_beta_Pinv(1 - alpha / 2, x + 1, nn - x)
        return ProportionEstimate(count: count, n: n, proportion: x / nn, lower: lower, upper: upper, confidence: confidence)
    }

    /// The difference of two proportions p1 - p2 with Newcombe's hybrid score interval (method 10),
    /// built from the two Wilson intervals.
    ///
    /// Matches statsmodels `confint_proportions_2indep(count1, nobs1, count2, nobs2,
    /// method="newcomb", compare="diff")`.
    public static func difference(count1: Int, n1: Int, count2: Int, n2: Int, confidence: Double = 0.95) throws -> Comparison {
        guard n1 > 0, n2 > 0 else { throw StatisticsError.insufficientData("a difference of proportions needs both groups non-empty") }
        let a = try wilson(count: count1, n: n1, confidence: confidence)
        let b = try wilson(count: count2, n: n2, confidence: confidence)
        let d = a.proportion - b.proportion
        let lower = d - ((a.proportion - a.lower) * (a.proportion - a.lower) + (b.upper - b.proportion) * (b.upper - b.proportion)).squareRoot()
        let upper = d + ((a.upper - a.proportion) * (a.upper - a.proportion) + (b.proportion - b.lower) * (b.proportion - b.lower)).squareRoot()
        return Comparison(estimate: d, lower: lower, upper: upper, confidence: confidence)
    }

    /// The relative risk (count1/n1) / (count2/n2) with a log-scale Wald interval:
    /// exp(log RR ± z √(1/count1 - 1/n1 + 1/count2 - 1/n2)).
    ///
    /// Matches statsmodels `Table2x2([[count1, n1 - count1], [count2, n2 - count2]]).riskratio_confint()`.
    /// A zero count makes the log undefined: an error, rather than an infinite ratio.
    public static func relativeRisk(count1: Int, n1: Int, count2: Int, n2: Int, confidence: Double = 0.95) throws -> Comparison {
        guard count1 > 0, count2 > 0, n1 >= count1, n2 >= count2 else {
            throw StatisticsError.insufficientData("a relative risk needs at least one event in each group")
        }
        let z = try Distributions.normalCritical(confidence: confidence)
        let rr = (Double(count1) / Double(n1)) / (Double(count2) / Double(n2))
        let se = (1 / Double(count1) - 1 / Double(n1) + 1 / Double(count2) - 1 / Double(n2)).squareRoot()
        return Comparison(estimate: rr, lower: exp(log(rr) - z * se), upper: exp(log(rr) + z * se), confidence: confidence)
    }

    /// The odds ratio of a 2 x 2 table [[a, b], [c, d]] (ad / bc) with the log-scale Woolf interval:
    /// exp(log OR ± z √(1/a + 1/b + 1/c + 1/d)).
    ///
    /// Matches statsmodels `Table2x2(table).oddsratio_confint()`. A zero cell is an error.
    public static func oddsRatio(_ table: [[Int]], confidence: Double = 0.95) throws -> Comparison {
        guard table.count == 2, table.allSatisfy({ $0.count == 2 }) else {
            throw StatisticsError.invalidArgument("an odds ratio needs a 2 x 2 table")
        }
        let (a, b, c, d) = (Double(table[0][0]), Double(table[0][1]), Double(table[1][0]), Double(table[1][1]))
        guard a > 0, b > 0, c > 0, d > 0 else {
            throw StatisticsError.insufficientData("an odds ratio with a confidence interval needs every cell above zero")
        }
        let z = try Distributions.normalCritical(confidence: confidence)
        let or = a * d / (b * c)
        let se = (1 / a + 1 / b + 1 / c + 1 / d).squareRoot()
        return Comparison(estimate: or, lower: exp(log(or) - z * se), upper: exp(log(or) + z * se), confidence: confidence)
    }
}
