import CGSL

/// Quantiles and tail probabilities of the distributions the analyses need, from GSL's `gsl_cdf_*`.
public enum Distributions {
    /// The standard normal quantile: `z` with P(Z <= z) = p (`gsl_cdf_ugaussian_Pinv`).
    public static func normalQuantile(_ p: Double) -> Double {
        _ = GSL.ready
        return gsl_cdf_ugaussian_Pinv(p)
    }

    /// The two-sided critical value of the standard normal for a confidence level (1.959964 for 0.95).
    public static func normalCritical(confidence: Double) throws -> Double {
        guard confidence > 0, confidence < 1 else {
            throw StatisticsError.invalidArgument("confidence level \(confidence) is not between 0 and 1")
        }
        return normalQuantile(1 - (1 - confidence) / 2)
    }
}
