import CGSL

/// A seeded pseudo-random source (GSL's Mersenne Twister, `gsl_rng_mt19937`), so that sample data and
/// bootstrap intervals are reproducible from a seed on every machine.
///
/// Not thread-safe: give each thread its own source.
public final class RandomSource {
    private let rng: UnsafeMutablePointer<gsl_rng>
    var rngPointer: UnsafeMutablePointer<gsl_rng> { rng }

    /// A generator seeded with `seed` (GSL treats seed 0 as its default seed 4357).
    public init(seed: UInt64) {
        _ = GSL.ready
        rng = gsl_rng_alloc(outcomes_gsl_rng_mt19937())
        gsl_rng_set(rng, UInt(truncatingIfNeeded: seed))
    }

    deinit { gsl_rng_free(rng) }

    /// A uniform double in [0, 1) (`gsl_rng_uniform`).
    public func uniform() -> Double { gsl_rng_uniform(rng) }

    /// A uniform integer in 0 ..< n (`gsl_rng_uniform_int`); n must be at least 1.
    public func integer(below n: Int) -> Int {
        precondition(n >= 1, "integer(below:) needs n >= 1")
        return Int(gsl_rng_uniform_int(rng, UInt(n)))
    }

    /// A normal deviate with the given mean and standard deviation (`gsl_ran_gaussian_ziggurat`).
    public func normal(mean: Double = 0, sd: Double = 1) -> Double {
        mean + gsl_ran_gaussian_ziggurat(rng, sd)
    }

    /// True with probability p.
    public func bernoulli(_ p: Double) -> Bool { gsl_rng_uniform(rng) < p }

    /// An index drawn with probability proportional to `weights` (which need not sum to 1).
    public func categorical(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var u = gsl_rng_uniform(rng) * total
        for (index, weight) in weights.enumerated() {
            if u < weight { return index }
            u -= weight
        }
        return weights.count - 1
    }
}

extension RandomSource {
    /// The number of successes in `draws` draws without replacement from an urn of `successes` and
    /// `failures` (`gsl_ran_hypergeometric`).
    public func hypergeometric(successes: Int, failures: Int, draws: Int) -> Int {
        Int(gsl_ran_hypergeometric(rngPointer, UInt32(successes), UInt32(failures), UInt32(draws)))
    }
}
