import CGSL
import Foundation

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
    /// stratum, e.g. within each arm, so every replicate keeps the arms' sizes) and returns each
    /// replicate's statistics. Several statistics from the same replicates keep their joint
    /// distribution (needed for net benefit and cost-effectiveness probabilities).
    ///
    /// Units are numbered stratum by stratum: with `strata: [3, 2]`, units 0-2 form the first stratum
    /// and 3-4 the second. A replicate reaches `statistics` as counts, not as a list of draws:
    /// `counts[i]` is how often unit i was drawn. Both choices are for speed at a million units: the
    /// draws land in one contiguous block per stratum, and summing count x value reads memory in order
    /// (following a million scattered indices instead costs ten times as long, in cache misses).
    ///
    /// Replicate r draws from its own generator (GSL's `taus2`, seeded from `seed` and r), so the
    /// replicates are the same whether they run on one core or several, and they do run on every core
    /// the machine has. `statistics` is called from several threads at once and must only read shared
    /// data.
    public static func stratified(strata: [Int], replicates: Int, seed: UInt64,
                                  statistics: @Sendable (UnsafeBufferPointer<UInt32>) -> [Double]) throws -> [[Double]] {
        try stratified(strata: strata, replicates: replicates, seed: seed,
                       workers: ProcessInfo.processInfo.activeProcessorCount, statistics: statistics)
    }

    static func stratified(strata: [Int], replicates: Int, seed: UInt64, workers: Int,
                           statistics: @Sendable (UnsafeBufferPointer<UInt32>) -> [Double]) throws -> [[Double]] {
        guard !strata.isEmpty, strata.allSatisfy({ $0 > 0 }) else { throw StatisticsError.insufficientData("a bootstrap stratum is empty") }
        guard replicates >= 10 else { throw StatisticsError.invalidArgument("use at least 10 bootstrap replicates") }
        _ = GSL.ready
        let units = strata.reduce(0, +)
        let workers = max(1, min(workers, replicates))
        // Worker w computes replicates w, w + workers, w + 2 workers, ...
        let shares = try parallelMap(Array(0..<workers)) { worker -> [[Double]] in
            let rng = gsl_rng_alloc(outcomes_gsl_rng_taus2())!
            defer { gsl_rng_free(rng) }
            let counts = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: units)
            defer { counts.deallocate() }
            return stride(from: worker, to: replicates, by: workers).map { replicate in
                gsl_rng_set(rng, UInt(truncatingIfNeeded: replicateSeed(seed, replicate)))
                counts.initialize(repeating: 0)
                var first = 0
                for size in strata {
                    let block = UnsafeMutableBufferPointer(rebasing: counts[first..<(first + size)])
                    for _ in 0..<size { block[Int(gsl_rng_uniform_int(rng, UInt(size)))] &+= 1 }
                    first += size
                }
                return statistics(UnsafeBufferPointer(counts))
            }
        }
        return (0..<replicates).map { shares[$0 % workers][$0 / workers] }
    }

    /// SplitMix64 of (seed, replicate): well-spread generator seeds from consecutive replicate numbers.
    static func replicateSeed(_ seed: UInt64, _ replicate: Int) -> UInt64 {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(replicate + 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
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
