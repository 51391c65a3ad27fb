import CGSL

/// Control limits of a funnel plot for a proportion: where a unit (a site) of `n` people would fall
/// with probability `probability` if its true proportion were the target `p0`.
///
/// Exact binomial limits with Spiegelhalter's interpolation (Statistics in Medicine 2005;24:1185-1202,
/// appendix A.1.1), as NHS and public-health benchmarking use: r is the smallest count with
/// P(R <= r) >= probability for R ~ Binomial(n, p0) (`gsl_cdf_binomial_P`); the limit is (r - alpha) / n
/// with alpha = (P(R <= r) - probability) / (P(R <= r) - P(R <= r - 1)), so the limits change smoothly
/// with n instead of in steps. Checked against SciPy (`scripts/reference/funnel_reference.py`).
public enum FunnelLimits {
    /// The interpolated limit as a proportion; below 0 or above 1 where the distribution is cut off
    /// (callers draw it clamped to 0 to 1).
    public static func binomial(target p0: Double, n: Int, probability: Double) throws -> Double {
        guard n > 0 else { throw StatisticsError.insufficientData("a funnel limit needs at least one person") }
        guard p0 >= 0, p0 <= 1, probability > 0, probability < 1 else {
            throw StatisticsError.invalidArgument("funnel limits need a target proportion in [0, 1] "
                                                  + "and a probability in (0, 1)")
        }
        _ = GSL.ready
        let trials = UInt32(n)
        func cdf(_ r: Int) -> Double { r < 0 ? 0 : gsl_cdf_binomial_P(UInt32(r), p0, trials) }
        // The quantile by bisection on the CDF, which rises with r: O(log n) evaluations.
        var low = 0, high = n
        while low < high {
            let middle = (low + high) / 2
            if cdf(middle) >= probability { high = middle } else { low = middle + 1 }
        }
        let upper = cdf(low), below = cdf(low - 1)
        let alpha = upper > below ? (upper - probability) / (upper - below) : 0
        return (Double(low) - alpha) / Double(n)
    }

    /// The 95% and 99.8% limits (probabilities 0.025 / 0.975 and 0.001 / 0.999), clamped to 0 to 1.
    public static func limits(target p0: Double, n: Int) throws
        -> (inner: ClosedRange<Double>, outer: ClosedRange<Double>) {
        func clamped(_ probability: Double) throws -> Double {
            min(1, max(0, try binomial(target: p0, n: n, probability: probability)))
        }
        return (try clamped(0.025)...clamped(0.975), try clamped(0.001)...clamped(0.999))
    }
}

extension FunnelLimits {
    /// The 95% and 99.8% limits for a weighted share at an effective sample size (Kish's (Σw)² / Σw²),
    /// by Spiegelhalter's (2005) normal approximation p₀ ± z √(p₀(1 − p₀) / n), clamped to 0 to 1: an
    /// exact binomial limit needs a whole number of people, which weighted responses are not.
    public static func normal(target p0: Double, effectiveN n: Double) throws
        -> (inner: ClosedRange<Double>, outer: ClosedRange<Double>) {
        guard n > 0, n.isFinite else {
            throw StatisticsError.insufficientData("a funnel limit needs at least one person")
        }
        guard p0 >= 0, p0 <= 1 else {
            throw StatisticsError.invalidArgument("the funnel's target should be in [0, 1]")
        }
        _ = GSL.ready
        let se = (p0 * (1 - p0) / n).squareRoot()
        func limit(_ probability: Double) -> Double {
            min(1, max(0, p0 + gsl_cdf_ugaussian_Pinv(probability) * se))
        }
        return (limit(0.025)...limit(0.975), limit(0.001)...limit(0.999))
    }
}
