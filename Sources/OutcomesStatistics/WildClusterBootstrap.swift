import CGSL

/// The distribution of the wild bootstrap's cluster weights v_g (mean 0, variance 1).
public enum BootstrapWeights: String, Sendable, Equatable, CaseIterable {
    /// ±1, each with probability 1/2. With G clusters there are only 2^G distinct draws.
    case rademacher
    /// Webb's six-point distribution: ±√(1/2), ±1, ±√(3/2), each with probability 1/6 (6^G draws),
    /// for few clusters (fewer than about 12), where Rademacher's 2^G draws make the p-value coarse.
    case webb

    static let webbValues: [Double] = [-(1.5).squareRoot(), -1, -(0.5).squareRoot(), (0.5).squareRoot(), 1,
                                       (1.5).squareRoot()]
}

/// The restricted wild cluster bootstrap (WCR) of one coefficient of a linear model fitted by OLS with
/// errors clustered by site: the "11" variant of MacKinnon, Nielsen & Webb (2023), as Stata's boottest
/// (Roodman, Nielsen, MacKinnon & Webb 2019) and Python's wildboottest compute it. With few clusters
/// (6 to a dozen sites) the CR1 t test on G - 1 degrees of freedom over-rejects; this test does not.
public enum WildClusterBootstrap {
    /// The test of β_k = `null` and the interval that inverts it.
    public struct Result: Sendable, Equatable {
        /// The coefficient tested.
        public var name: String
        /// The OLS estimate β̂_k, its CR1 standard error (the small-sample factor G/(G - 1) · (n - 1)/(n - p), as
        /// `Regression.ols` with `.cluster`) and the CR1 t statistic (β̂_k - null) / se.
        public var estimate: Double
        public var se: Double
        public var statistic: Double
        /// The null value tested.
        public var null: Double
        /// The symmetric two-sided bootstrap p-value: the share of replicates with |t*| > |t|. Ties (draws with
        /// | |t*| - |t| | ≤ 1e-9 |t|) are not counted, as in wildboottest and boottest; the Rademacher draws
        /// v = ±1 reproduce the sample (t* = ±t) and always tie, so an enumerated p-value can be 0.
        public var pValue: Double
        /// The replicates that tied with |t|: (pValue · replicates + ties) / replicates is the "≥" convention.
        public var ties: Int
        /// The interval by test inversion: the values r whose WCR p-value is at least 1 - confidence, with
        /// the same draws for every r. Each limit is the outermost value found with p ≥ 1 - confidence;
        /// `precision` further out p < 1 - confidence. ±infinity when no bracketing value was found.
        public var lower: Double
        public var upper: Double
        public var confidence: Double
        /// How far each limit may be from the crossing point (1e-6 standard errors).
        public var precision: Double
        /// Replicates used: 2^G when every Rademacher draw was enumerated, else as requested.
        public var replicates: Int
        /// True when all 2^G Rademacher draws were used once each (2^G ≤ the replicates asked for), which
        /// makes the p-value and the interval exact and independent of the seed.
        public var enumerated: Bool
        public var weights: BootstrapWeights
        public var seed: UInt64
        /// Clusters, rows used and rows left out for a missing (NaN) value.
        public var clusters: Int
        public var n: Int
        public var nMissing: Int
    }

    /// Webb weights below 12 clusters, Rademacher from 12 (MacKinnon, Nielsen & Webb 2023's guidance).
    public static func recommendedWeights(clusters: Int) -> BootstrapWeights { clusters < 12 ? .webb : .rademacher }

    /// Tests β_k = `null` for the predictor named `coefficient` (or "(Intercept)") in the OLS fit of `y` on
    /// `predictors` with an intercept, errors clustered by `clusters` (one id per row), by the restricted
    /// wild cluster bootstrap, and inverts the test for an interval.
    ///
    /// With Rademacher weights and 2^G ≤ `replicates` every draw is enumerated once, as boottest does
    /// (wildboottest enumerates only when 2^G < B, so at 2^G = B it draws). Otherwise the weights are drawn
    /// from `RandomSource(seed:)`, cluster by cluster within each replicate, so a seed gives the same
    /// result on every machine. Each replicate costs O(G p) whatever the number of rows, from sums over each
    /// cluster's rows formed once (Roodman et al. 2019); the same draws serve every null value, so the
    /// interval's search costs O(replicates) per value tried. The interval is found by stepping out from
    /// the estimate and bisecting on each side: a p-value that dips below 1 - confidence and rises again
    /// (a disjoint confidence set) is not searched for.
    ///
    /// Rows with a NaN are left out. The normal equations must be well conditioned (see
    /// `Regression.normalEquations`); a singular or nearly collinear design is an error.
    public static func test(y: [Double], predictors: [[Double]], names: [String], clusters: [Int],
                            coefficient: String, null: Double = 0, weights: BootstrapWeights, replicates: Int = 9999,
                            seed: UInt64, confidence: Double = 0.95) throws -> Result {
        guard confidence > 0, confidence < 1 else {
            throw StatisticsError.invalidArgument("confidence level \(confidence) is not between 0 and 1")
        }
        guard replicates >= 99 else { throw StatisticsError.invalidArgument("use at least 99 bootstrap replicates") }
        let setup = try WildSetup(y: y, predictors: predictors, names: names, clusters: clusters,
                                  coefficient: coefficient)
        let draws = WildReplicates(setup: setup, weights: weights, replicates: replicates, seed: seed)
        let test = draws.pValue(null: null)
        let alpha = 1 - confidence
        let precision = 1e-6 * setup.se
        let (lower, upper) = draws.interval(alpha: alpha, precision: precision)
        return Result(name: setup.name, estimate: setup.estimate, se: setup.se,
                      statistic: (setup.estimate - null) / setup.se, null: null, pValue: test.pValue,
                      ties: test.ties, lower: lower, upper: upper,
                      confidence: confidence, precision: precision, replicates: draws.sums.count,
                      enumerated: draws.enumerated, weights: weights, seed: seed, clusters: setup.clusterCount,
                      n: setup.n, nMissing: setup.missing)
    }
}

/// What every replicate needs, from two passes over the rows. With a = (X'X)⁻¹ e_k, c = a / a_k and
/// δ = β̂_k - r, the restricted estimate is β̃ = β̂ - δ c, so cluster g's restricted score X_g'ũ_g is
/// ŝ_g + δ A_g c (ŝ_g = X_g'û_g, A_g = X_g'X_g): linear in δ, which lets one set of replicates serve
/// every null value r.
struct WildSetup {
    var name: String
    var n: Int
    var missing: Int
    var p: Int
    var clusterCount: Int
    var estimate: Double
    /// The CR1 standard error and its factor G/(G - 1) · (n - 1)/(n - p).
    var se: Double
    var smallSample: Double
    /// a = (X'X)⁻¹ e_k: β_k of any coefficient-scale vector is a' times its score.
    var a: [Double]
    /// Per cluster, G x p row-major: ŝ_g, A_g c, and q_g = (X'X)⁻¹ A_g a, which takes a shift of all the
    /// scores to the shift of cluster g's contribution to β_k's score.
    var scores: [Double]
    var shifts: [Double]
    var projections: [Double]
    /// Per cluster: a'ŝ_g and a'A_g c, cluster g's part of β̂_k - β̃_k's numerator at δ = 0 and per unit δ.
    var scoreEffects: [Double]
    var shiftEffects: [Double]

    init(y: [Double], predictors: [[Double]], names: [String], clusters: [Int], coefficient: String) throws {
        let d = try Regression.design(y: y, predictors: predictors, names: names, covariance: .cluster(clusters))
        guard let k = d.names.firstIndex(of: coefficient) else {
            throw StatisticsError.invalidArgument("no predictor named '\(coefficient)' in the model")
        }
        guard let normal = Regression.normalEquations(d) else {
            throw StatisticsError.insufficientData("the design is singular or nearly so: \(Regression.singularHint(d))")
        }
        let (n, p, groups, clusterCount) = (d.n, d.p, d.clusters!, d.clusterCount)
        var crossProducts = [Double](repeating: 0, count: clusterCount * p * p)
        var scores = [Double](repeating: 0, count: clusterCount * p)
        // Scores from the residuals themselves, not X_g'y_g - A_g β̂, which cancels badly in big clusters.
        d.x.withUnsafeBufferPointer { x in
            crossProducts.withUnsafeMutableBufferPointer { products in
                scores.withUnsafeMutableBufferPointer { scores in
                    for i in 0..<n {
                        let row = x.baseAddress! + i * p
                        let g = groups[i]
                        var fitted = 0.0
                        for j in 0..<p { fitted += row[j] * normal.beta[j] }
                        let residual = d.y[i] - fitted
                        let score = scores.baseAddress! + g * p
                        let product = products.baseAddress! + g * p * p
                        for j in 0..<p {
                            score[j] += row[j] * residual
                            let upper = product + j * p
                            for l in j..<p { upper[l] += row[j] * row[l] }
                        }
                    }
                }
            }
        }
        for g in 0..<clusterCount {
            let base = g * p * p
            for j in 0..<p { for l in 0..<j { crossProducts[base + j * p + l] = crossProducts[base + l * p + j] } }
        }
        let inverse = normal.inverse
        let a = (0..<p).map { inverse[$0 * p + k] }
        let c = a.map { $0 / a[k] }
        var shifts = [Double](repeating: 0, count: clusterCount * p)
        var projections = [Double](repeating: 0, count: clusterCount * p)
        var scoreEffects = [Double](repeating: 0, count: clusterCount)
        var shiftEffects = [Double](repeating: 0, count: clusterCount)
        for g in 0..<clusterCount {
            let product = Array(crossProducts[(g * p * p)..<((g + 1) * p * p)])
            var productA = [Double](repeating: 0, count: p)
            for j in 0..<p {
                for l in 0..<p {
                    shifts[g * p + j] += product[j * p + l] * c[l]
                    productA[j] += product[j * p + l] * a[l]
                }
            }
            for j in 0..<p {
                for l in 0..<p { projections[g * p + j] += inverse[j * p + l] * productA[l] }
                scoreEffects[g] += a[j] * scores[g * p + j]
                shiftEffects[g] += a[j] * shifts[g * p + j]
            }
        }
        let groupCount = Double(clusterCount)
        smallSample = groupCount / (groupCount - 1) * Double(n - 1) / Double(n - p)
        se = (smallSample * scoreEffects.reduce(0) { $0 + $1 * $1 }).squareRoot()
        guard se > 0, se.isFinite else {
            throw StatisticsError.insufficientData("the cluster-robust standard error of '\(coefficient)' is 0")
        }
        (name, self.n, missing, self.p, self.clusterCount, estimate) = (coefficient, n, d.missing, p, clusterCount,
                                                                          normal.beta[k])
        (self.a, self.scores, self.shifts, self.projections) = (a, scores, shifts, projections)
        (self.scoreEffects, self.shiftEffects) = (scoreEffects, shiftEffects)
    }

    /// One replicate's sums for cluster weights `v`: t*(r) = (n0 + δ n1) / √(ssc (p0 + 2δ p1 + δ² p2)).
    ///
    /// The bootstrap sample y* = X β̃ + v_g ũ has β* - β̃ = (X'X)⁻¹ w with w = Σ v_g (ŝ_g + δ A_g c)
    /// = w0 + δ w1, so its numerator β*_k - r is a'w; cluster h's score of the bootstrap residuals,
    /// taken to β_k, is z_h = v_h (a'ŝ_h + δ a'A_h c) - q_h'w, and CR1's variance is ssc Σ z_h².
    func sums(weights v: UnsafeBufferPointer<Double>, work: UnsafeMutableBufferPointer<Double>) -> ReplicateSums {
        let w0 = work.baseAddress!, w1 = work.baseAddress! + p
        for j in 0..<(2 * p) { work[j] = 0 }
        scores.withUnsafeBufferPointer { scores in
            shifts.withUnsafeBufferPointer { shifts in
                for g in 0..<clusterCount {
                    for j in 0..<p {
                        w0[j] += v[g] * scores[g * p + j]
                        w1[j] += v[g] * shifts[g * p + j]
                    }
                }
            }
        }
        var sums = ReplicateSums()
        for j in 0..<p {
            sums.n0 += a[j] * w0[j]
            sums.n1 += a[j] * w1[j]
        }
        projections.withUnsafeBufferPointer { projections in
            for h in 0..<clusterCount {
                var level = v[h] * scoreEffects[h], slope = v[h] * shiftEffects[h]
                for j in 0..<p {
                    level -= projections[h * p + j] * w0[j]
                    slope -= projections[h * p + j] * w1[j]
                }
                sums.p0 += level * level
                sums.p1 += level * slope
                sums.p2 += slope * slope
            }
        }
        return sums
    }
}

/// A replicate's numerator and denominator as functions of δ = β̂_k - r (see `WildSetup.sums`).
struct ReplicateSums: Sendable {
    var n0 = 0.0, n1 = 0.0, p0 = 0.0, p1 = 0.0, p2 = 0.0

    func t(delta: Double, smallSample: Double) -> Double {
        (n0 + delta * n1) / (smallSample * max(0, p0 + delta * (2 * p1 + delta * p2))).squareRoot()
    }
}

/// The replicates of one bootstrap: their sums, from which the p-value of any null value follows.
struct WildReplicates {
    var setup: WildSetup
    var sums: [ReplicateSums]
    var enumerated: Bool
    /// Draws within this relative distance of |t| count as ties (they differ from it by rounding only).
    static let tieTolerance = 1e-9

    init(setup: WildSetup, weights: BootstrapWeights, replicates: Int, seed: UInt64) {
        self.setup = setup
        let clusters = setup.clusterCount
        let enumerate = weights == .rademacher && clusters < 40 && (1 << clusters) <= replicates
        enumerated = enumerate
        let count = enumerate ? 1 << clusters : replicates
        var sums: [ReplicateSums] = []
        sums.reserveCapacity(count)
        var v = [Double](repeating: 0, count: clusters)
        var work = [Double](repeating: 0, count: 2 * setup.p)
        let random = RandomSource(seed: seed)
        let webb = BootstrapWeights.webbValues
        v.withUnsafeMutableBufferPointer { v in
            work.withUnsafeMutableBufferPointer { work in
                for replicate in 0..<count {
                    for g in 0..<clusters {
                        if enumerate {
                            v[g] = (replicate >> g) & 1 == 1 ? 1 : -1
                        } else if weights == .rademacher {
                            v[g] = random.integer(below: 2) == 1 ? 1 : -1
                        } else {
                            v[g] = webb[random.integer(below: 6)]
                        }
                    }
                    sums.append(setup.sums(weights: UnsafeBufferPointer(v), work: work))
                }
            }
        }
        self.sums = sums
    }

    /// The share of replicates with |t*| > |t| for the null β_k = r, and the ties.
    func pValue(null r: Double) -> (pValue: Double, ties: Int) {
        let delta = setup.estimate - r
        let observed = abs(delta / setup.se)
        let tolerance = Self.tieTolerance * observed
        var exceeding = 0, ties = 0
        for replicate in sums {
            let gap = abs(replicate.t(delta: delta, smallSample: setup.smallSample)) - observed
            if gap > tolerance { exceeding += 1 } else if gap >= -tolerance { ties += 1 }
        }
        return (Double(exceeding) / Double(sums.count), ties)
    }

    /// The limits of { r : p(r) ≥ alpha }, each to within `precision`, by stepping out from the estimate
    /// in doubling steps (from the CR1 interval's half-width) until p < alpha, then bisecting.
    func interval(alpha: Double, precision: Double) -> (lower: Double, upper: Double) {
        let center = setup.estimate
        func inside(_ r: Double) -> Bool { pValue(null: r).pValue >= alpha }
        guard inside(center) else { return (.nan, .nan) }
        let firstStep = max(1, gsl_cdf_tdist_Pinv(1 - alpha / 2, Double(setup.clusterCount - 1))) * setup.se
        func limit(_ direction: Double) -> Double {
            var step = firstStep
            var (inner, outer) = (center, center + direction * step)
            var doublings = 0
            while inside(outer) {
                doublings += 1
                guard doublings < 64 else { return direction * .infinity }
                inner = outer
                step *= 2
                outer = center + direction * step
            }
            while abs(outer - inner) > precision {
                let middle = (inner + outer) / 2
                if middle == inner || middle == outer { break }
                if inside(middle) { inner = middle } else { outer = middle }
            }
            return inner
        }
        return (limit(-1), limit(1))
    }
}
