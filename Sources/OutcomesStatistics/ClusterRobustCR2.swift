import CGSL

/// The bias-reduced cluster-robust covariance CR2 (Bell and McCaffrey 2002) with Satterthwaite degrees of
/// freedom for each coefficient (Pustejovsky and Tipton 2018), as R's clubSandwich computes them
/// (`vcovCR(type = "CR2")`, `coef_test(test = "Satterthwaite")`) for `lm` and `glm` fits.
///
/// With few clusters CR1 is biased down and its t on G - 1 degrees of freedom over-rejects; CR2 adjusts
/// each cluster's residuals by A_g, the inverse symmetric square root of its block of the working
/// model's residual-maker, and the Satterthwaite degrees of freedom say how much information the
/// clusters really carry (for an arm effect with a few sites per arm, often far fewer than G - 1).
///
/// The n_g x n_g matrices are never formed: every quantity is a p x p matrix per cluster, from one pass
/// over the rows (least squares), or from the cluster's distinct covariate patterns (logistic models).
struct ClusterRobustCR2 {
    /// What one cluster contributes, as p x p matrices and a p-vector (see `degreesOfFreedom`).
    struct Cluster {
        /// X_g' A_g e_g: the cluster's adjusted score.
        var score: [Double]
        /// F_g = X_g' A_g Θ_g X_g, and S_g = X_g' A_g Θ_g A_g X_g (Θ: the working variance).
        var f: [Double]
        var s: [Double]
    }

    var p: Int
    /// The bread, (X' Θ⁻¹ X)⁻¹ (row-major p x p).
    var bread: [Double]
    var clusters: [Cluster]

    /// The covariance: bread · Σ_g score_g score_g' · bread.
    var covariance: [Double] {
        var meat = [Double](repeating: 0, count: p * p)
        for cluster in clusters {
            for a in 0..<p { for b in 0..<p { meat[a * p + b] += cluster.score[a] * cluster.score[b] } }
        }
        return Dense.multiply(Dense.multiply(bread, meat, p, p, p), bread, p, p, p)
    }

    /// Satterthwaite degrees of freedom of coefficient j: (Σ_g p_g'Θp_g)² / Σ_g Σ_h (p_g'Θp_h)², where
    /// p_g'Θp_h = δ_gh w'S_g w − (F_g'w)' M (F_h'w) with w = M e_j.
    func degreesOfFreedom(_ j: Int) -> Double {
        let w = (0..<p).map { bread[$0 * p + j] }
        let s = clusters.map { Dense.dot(w, Dense.apply($0.s, w, p, p)) }
        let z = clusters.map { Dense.apply(Dense.transpose($0.f, p, p), w, p, p) }
        let mz = z.map { Dense.apply(bread, $0, p, p) }
        var expectation = 0.0, variance = 0.0
        for g in clusters.indices {
            for h in clusters.indices {
                let cross = (g == h ? s[g] : 0) - Dense.dot(z[g], mz[h])
                if g == h { expectation += cross }
                variance += cross * cross
            }
        }
        return expectation * expectation / variance
    }

    /// A_g's eigenvalue function: (1 - λ)^(-1/2), and 0 where 1 - λ vanishes (a pseudo-inverse, as
    /// clubSandwich's `matrix_power` takes one).
    static func inverseRoot(_ x: Double) -> Double { x > 1e-12 ? 1 / x.squareRoot() : 0 }

    /// Least squares (Θ = I) from each cluster's C_g = X_g'X_g and raw score X_g'e_g, with M = (X'X)⁻¹.
    /// A_g X_g = X_g f(M C_g) for f(t) = (1 - t)^(-1/2) (a power series in H_gg = X_g M X_g'), and
    /// f(M C_g) = M^½ f(T_g) M^-½ with T_g = M^½ C_g M^½ symmetric, whose eigenvalues are H_gg's.
    static func leastSquares(bread: [Double], p: Int, gram: [[Double]], scores: [[Double]]) throws -> ClusterRobustCR2 {
        let root = try SymmetricEigen(bread, n: p)
        let half = root.applying { $0 > 0 ? $0.squareRoot() : 0 }
        let inverseHalf = root.applying { $0 > 0 ? 1 / $0.squareRoot() : 0 }
        var clusters: [Cluster] = []
        for (c, u) in zip(gram, scores) {
            let t = Dense.multiply(Dense.multiply(half, c, p, p, p), half, p, p, p)
            let eigen = try SymmetricEigen(t, n: p)
            let f = eigen.applying { inverseRoot(1 - $0) }
            // F_g = C_g f(M C_g) = C_g M^½ f(T) M^-½; S_g = M^-½ f(T) T f(T) M^-½; score = M^-½ f(T) M^½ u.
            let fm = Dense.multiply(Dense.multiply(c, half, p, p, p), Dense.multiply(f, inverseHalf, p, p, p), p, p, p)
            let ftf = Dense.multiply(Dense.multiply(f, t, p, p, p), f, p, p, p)
            let s = Dense.multiply(Dense.multiply(inverseHalf, ftf, p, p, p), inverseHalf, p, p, p)
            let score = Dense.apply(Dense.multiply(Dense.multiply(inverseHalf, f, p, p, p), half, p, p, p), u, p, p)
            clusters.append(Cluster(score: score, f: fm, s: s))
        }
        return ClusterRobustCR2(p: p, bread: bread, clusters: clusters)
    }

    /// One cluster's distinct covariate patterns: each row of x (p values) stands for `count` observations
    /// with working variance `variance` (μ(1 - μ) for a logistic model) and residuals summing to `residual`.
    struct Patterns {
        var x: [Double] = []
        var count: [Double] = []
        var variance: [Double] = []
        var residual: [Double] = []
    }

    /// At most this many distinct covariate patterns in one cluster: each costs a k x k eigen-decomposition.
    static let patternLimit = 1_500
    /// At most this much work, Σ_g k_g³ over the clusters' pattern counts (a few seconds).
    static let workLimit = 2e8

    /// A generalised linear model (clubSandwich's `glm` method with its default inverse-variance working
    /// model): A_g = D^½ [D (I - H̃) D]^(-½) D^½ with D = diag(v), H̃ = D^½ X M X' D^½, M = (X'DX)⁻¹.
    /// Rows with the same covariates have the same v and the same row of H̃, so A_g acts within the span
    /// of the patterns' indicators and as 1/v on its complement, which X_g' annihilates: the k x k
    /// problem on the patterns gives exactly what the n_g x n_g one would.
    static func generalised(bread: [Double], p: Int, clusters patterns: [Patterns]) throws -> ClusterRobustCR2 {
        // Each cluster costs a k x k eigen-decomposition, about 10 k³ operations: bounded, so that a model
        // with many covariate patterns at each of its sites fails fast (its caller may fall back to CR1).
        let work = patterns.reduce(0.0) { $0 + pow(Double($1.count.count), 3) }
        guard work <= workLimit else {
            throw StatisticsError.insufficientData("CR2 errors for this logistic model would need an eigen-"
                + "decomposition per site of up to \(patterns.map(\.count.count).max() ?? 0) distinct covariate "
                + "patterns (\(Int(work / 1e9)) billion steps); too many to compute here")
        }
        var clusters: [Cluster] = []
        for (number, cluster) in patterns.enumerated() {
            let k = cluster.count.count
            guard k <= patternLimit else {
                throw StatisticsError.insufficientData("CR2 errors need at most \(patternLimit) distinct covariate "
                    + "patterns in a cluster; cluster \(number + 1) has \(k) (a covariate with many values?)")
            }
            // X̂: rows √m x; D; H̃ = Ẑ M Ẑ' with Ẑ = D^½ X̂; Ĝ = D (I - H̃) D.
            let xhat = (0..<k).flatMap { a in (0..<p).map { cluster.x[a * p + $0] * cluster.count[a].squareRoot() } }
            let zhat = (0..<k).flatMap { a in (0..<p).map { xhat[a * p + $0] * cluster.variance[a].squareRoot() } }
            let h = Dense.multiply(Dense.multiply(zhat, bread, k, p, p), Dense.transpose(zhat, k, p), k, p, k)
            var g = [Double](repeating: 0, count: k * k)
            for a in 0..<k {
                for b in 0..<k {
                    g[a * k + b] = cluster.variance[a] * cluster.variance[b] * ((a == b ? 1 : 0) - h[a * k + b])
                }
            }
            let eigen = try SymmetricEigen(g, n: k)
            let largest = eigen.values.max() ?? 0
            let root = eigen.applying { $0 > 1e-12 * largest ? 1 / $0.squareRoot() : 0 }
            // Â = D^½ Ĝ^-½ D^½; E = X̂'Â (p x k).
            var adjust = root
            for a in 0..<k {
                for b in 0..<k { adjust[a * k + b] *= (cluster.variance[a] * cluster.variance[b]).squareRoot() }
            }
            let e = Dense.multiply(Dense.transpose(xhat, k, p), adjust, p, k, k)
            let rhat = (0..<k).map { cluster.residual[$0] / cluster.count[$0].squareRoot() }
            var ed = e
            for a in 0..<p { for b in 0..<k { ed[a * k + b] *= cluster.variance[b] } }
            clusters.append(Cluster(score: Dense.apply(e, rhat, p, k),
                                    f: Dense.multiply(ed, xhat, p, k, p),
                                    s: Dense.multiply(ed, Dense.transpose(e, p, k), p, k, p)))
        }
        return ClusterRobustCR2(p: p, bread: bread, clusters: clusters)
    }
}

extension ClusterRobustCR2 {
    /// CR2 for a least-squares fit of `d`, with `bread` = (X'X)⁻¹ and the fit's residuals.
    static func leastSquares(_ d: Regression.Design, bread: [Double], residuals: [Double]) throws -> ClusterRobustCR2 {
        let p = d.p, groups = d.clusters!
        var gram = [[Double]](repeating: [Double](repeating: 0, count: p * p), count: d.clusterCount)
        var scores = [[Double]](repeating: [Double](repeating: 0, count: p), count: d.clusterCount)
        for i in 0..<d.y.count {
            let g = groups[i], row = d.x[(i * p)..<(i * p + p)].map { $0 }
            for a in 0..<p {
                scores[g][a] += row[a] * residuals[i]
                for b in a..<p { gram[g][a * p + b] += row[a] * row[b] }
            }
        }
        for g in gram.indices { for a in 0..<p { for b in 0..<a { gram[g][a * p + b] = gram[g][b * p + a] } } }
        return try leastSquares(bread: bread, p: p, gram: gram, scores: scores)
    }

    /// CR2 for a logistic fit of `d` (rows possibly merged, with counts), with `bread` = (X'WX)⁻¹ and
    /// each row's fitted probability: rows are gathered into each cluster's distinct covariate patterns.
    static func logistic(_ d: Regression.Design, bread: [Double], probabilities: [Double]) throws -> ClusterRobustCR2 {
        let p = d.p, groups = d.clusters!
        var patterns = [Patterns](repeating: Patterns(), count: d.clusterCount)
        var index: [[UInt64]: Int] = [:]
        for i in 0..<d.y.count {
            let g = groups[i], count = d.counts?[i] ?? 1
            let row = Array(d.x[(i * p)..<(i * p + p)])
            let key = [UInt64(g)] + row.map(\.bitPattern)
            let residual = count * (d.y[i] - probabilities[i])
            if let k = index[key] {
                patterns[g].count[k] += count
                patterns[g].residual[k] += residual
            } else {
                index[key] = patterns[g].count.count
                patterns[g].x.append(contentsOf: row)
                patterns[g].count.append(count)
                patterns[g].variance.append(probabilities[i] * (1 - probabilities[i]))
                patterns[g].residual.append(residual)
            }
        }
        return try generalised(bread: bread, p: p, clusters: patterns)
    }
}
