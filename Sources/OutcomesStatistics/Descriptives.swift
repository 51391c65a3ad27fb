import CGSL

/// A mean with its t-based confidence interval.
public struct MeanEstimate: Sendable, Equatable {
    /// Values used (missing values excluded).
    public var n: Int
    /// Values that were missing (nil or NaN) and left out.
    public var nMissing: Int
    public var mean: Double
    /// Sample standard deviation (n - 1 denominator).
    public var sd: Double
    /// Standard error of the mean, sd / sqrt(n).
    public var se: Double
    public var df: Double
    public var lower: Double
    public var upper: Double
    public var confidence: Double
}

/// n, mean, SD, SE, median, quartiles, min and max of a variable, with the CI of its mean.
public struct Summary: Sendable, Equatable {
    public var mean: MeanEstimate
    public var median: Double
    /// First and third quartiles (linear interpolation, numpy's default and R's type 7).
    public var q1: Double
    public var q3: Double
    public var min: Double
    public var max: Double
    /// For a weighted summary: the mean's design-based estimate, with its design effect (`mean` then
    /// holds its figures and the weighted SD; `n` stays the unweighted number of values).
    public var survey: SurveyEstimate? = nil
    public var n: Int { mean.n }
    public var nMissing: Int { mean.nMissing }
}

public enum Descriptives {
    /// The values present, and how many were missing (nil or NaN).
    static func present(_ values: [Double?]) -> (values: [Double], missing: Int) {
        var kept: [Double] = []
        kept.reserveCapacity(values.count)
        for case let value? in values where !value.isNaN { kept.append(value) }
        return (kept, values.count - kept.count)
    }

    /// The mean with its t interval: mean ± t(1 - α/2, n - 1) · sd / √n.
    ///
    /// Matches `scipy.stats.t.interval(confidence, n - 1, loc=mean, scale=sem)`. Needs n >= 2.
    public static func mean(_ values: [Double?], confidence: Double = 0.95) throws -> MeanEstimate {
        let (kept, missing) = present(values)
        return try mean(of: kept, missing: missing, confidence: confidence)
    }

    public static func mean(_ values: [Double], confidence: Double = 0.95) throws -> MeanEstimate {
        let (kept, missing) = present(values.map { Optional($0) })
        return try mean(of: kept, missing: missing, confidence: confidence)
    }

    static func mean(of values: [Double], missing: Int, confidence: Double) throws -> MeanEstimate {
        guard confidence > 0, confidence < 1 else {
            throw StatisticsError.invalidArgument("confidence level \(confidence) is not between 0 and 1")
        }
        let n = values.count
        guard n >= 2 else { throw StatisticsError.insufficientData("a confidence interval of a mean needs at least 2 values, got \(n)") }
        _ = GSL.ready
        // Two-pass mean and variance: plain loops (faster than gsl_stats_*, and as accurate).
        var sum = 0.0
        for value in values { sum += value }
        let mean = sum / Double(n)
        var squares = 0.0
        for value in values { squares += (value - mean) * (value - mean) }
        let sd = (squares / Double(n - 1)).squareRoot()
        let se = sd / Double(n).squareRoot()
        let df = Double(n - 1)
        let t = gsl_cdf_tdist_Pinv(1 - (1 - confidence) / 2, df)
        return MeanEstimate(n: n, nMissing: missing, mean: mean, sd: sd, se: se, df: df,
                            lower: mean - t * se, upper: mean + t * se, confidence: confidence)
    }

    /// The full summary of a variable. Quantiles by linear interpolation between order statistics
    /// (`gsl_stats_quantile_from_sorted_data`, the same rule as numpy's default).
    public static func summarize(_ values: [Double?], confidence: Double = 0.95) throws -> Summary {
        let (kept, missing) = present(values)
        let estimate = try mean(of: kept, missing: missing, confidence: confidence)
        let sorted = kept.sorted()
        func quantile(_ f: Double) -> Double {
            sorted.withUnsafeBufferPointer { gsl_stats_quantile_from_sorted_data($0.baseAddress, 1, sorted.count, f) }
        }
        return Summary(mean: estimate, median: quantile(0.5), q1: quantile(0.25), q3: quantile(0.75),
                       min: sorted.first!, max: sorted.last!)
    }
}
