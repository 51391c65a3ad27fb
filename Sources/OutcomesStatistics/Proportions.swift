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
