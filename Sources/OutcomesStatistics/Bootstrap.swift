import CGSL

/// A bootstrap percentile interval.
public struct BootstrapInterval: Sendable, Equatable {
    /// The statistic on the original data.
    public var estimate: Double
    public var lower: Double
    public var upper: Double
    public var replicates: Int
    /// Replicates whose statistic could not be computed (NaN), left out of the percentiles.
    public var failed: Int
    public var confidence: Double
    public var seed: UInt64
}

public enum Bootstrap {
    /// The percentile bootstrap interval of any statistic of `n` units (respondents, or clusters).
    ///
    /// Each replicate draws n unit indices with replacement from a seeded Mersenne Twister
    /// (`RandomSource`), so the same seed gives the same interval on every machine. The limits are the
    /// α/2 and 1 - α/2 quantiles of the replicate statistics, interpolated linearly between order
    /// statistics (`gsl_stats_quantile_from_sorted_data`, as numpy's default percentile).
    public static func percentile(units n: Int, replicates: Int = 2000, confidence: Double = 0.95, seed: UInt64,
                                  statistic: ([Int]) throws -> Double) throws -> BootstrapInterval {
        guard n >= 1 else { throw StatisticsError.insufficientData("the bootstrap needs at least one unit") }
        guard replicates >= 10 else { throw StatisticsError.invalidArgument("use at least 10 bootstrap replicates (1,000 or more for an interval)") }
        _ = try Distributions.normalCritical(confidence: confidence)
        let estimate = try statistic(Array(0..<n))
        let random = RandomSource(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(replicates)
        var sample = [Int](repeating: 0, count: n)
        var failed = 0
        for _ in 0..<replicates {
            for i in 0..<n { sample[i] = random.integer(below: n) }
            let value = try statistic(sample)
            if value.isNaN { failed += 1 } else { values.append(value) }
        }
        guard values.count >= 2 else { throw StatisticsError.insufficientData("fewer than 2 bootstrap replicates could be computed") }
        values.sort()
        let alpha = 1 - confidence
        let lower = values.withUnsafeBufferPointer { gsl_stats_quantile_from_sorted_data($0.baseAddress, 1, values.count, alpha / 2) }
        let upper = values.withUnsafeBufferPointer { gsl_stats_quantile_from_sorted_data($0.baseAddress, 1, values.count, 1 - alpha / 2) }
        return BootstrapInterval(estimate: estimate, lower: lower, upper: upper, replicates: replicates, failed: failed,
                                 confidence: confidence, seed: seed)
    }
}

extension Bootstrap {
    /// Draws `replicates` stratified bootstrap samples (units resampled with replacement within each
    /// stratum, e.g. within each arm, so every replicate keeps the arms' sizes) from a seeded Mersenne
    /// Twister, and returns each replicate's statistics. Several statistics from the same replicates
    /// keep their joint distribution (needed for net benefit and cost-effectiveness probabilities).
    public static func stratified(strata: [[Int]], replicates: Int, seed: UInt64,
                                  statistics: ([Int]) throws -> [Double]) throws -> [[Double]] {
        guard strata.allSatisfy({ !$0.isEmpty }) else { throw StatisticsError.insufficientData("a bootstrap stratum is empty") }
        guard replicates >= 10 else { throw StatisticsError.invalidArgument("use at least 10 bootstrap replicates") }
        let random = RandomSource(seed: seed)
        let total = strata.reduce(0) { $0 + $1.count }
        var sample = [Int](repeating: 0, count: total)
        var results: [[Double]] = []
        results.reserveCapacity(replicates)
        let rng = random.rngPointer
        for _ in 0..<replicates {
            var position = 0
            // The same draws as RandomSource.integer(below:), without a call through the class per draw.
            sample.withUnsafeMutableBufferPointer { sample in
                for stratum in strata {
                    let size = UInt(stratum.count)
                    stratum.withUnsafeBufferPointer { units in
                        for _ in 0..<units.count {
                            sample[position] = units[Int(gsl_rng_uniform_int(rng, size))]
                            position += 1
                        }
                    }
                }
            }
            results.append(try statistics(sample))
        }
        return results
    }

    /// The percentile interval of replicate values (NaNs left out), as in `percentile(units:...)`.
    public static func interval(_ values: [Double], confidence: Double = 0.95) -> (lower: Double, upper: Double) {
        let sorted = values.filter { !$0.isNaN }.sorted()
        guard sorted.count >= 2 else { return (.nan, .nan) }
        let alpha = 1 - confidence
        return sorted.withUnsafeBufferPointer { buffer in
            (gsl_stats_quantile_from_sorted_data(buffer.baseAddress, 1, sorted.count, alpha / 2),
             gsl_stats_quantile_from_sorted_data(buffer.baseAddress, 1, sorted.count, 1 - alpha / 2))
        }
    }
}
