import CGSL

/// One coefficient of a fitted model, with its standard error, test and interval.
public struct Coefficient: Sendable, Equatable {
    public var name: String
    public var estimate: Double
    public var se: Double
    /// t (linear models) or z (logistic) statistic.
    public var statistic: Double
    public var pValue: Double
    public var lower: Double
    public var upper: Double
    /// The degrees of freedom of this coefficient's t test when they are its own (CR2's Satterthwaite
    /// degrees of freedom); nil when the fit's `df` applies to every coefficient (or z was used).
    public var df: Double?

    public init(name: String, estimate: Double, se: Double, statistic: Double, pValue: Double,
                lower: Double, upper: Double, df: Double? = nil) {
        self.df = df
        self.name = name
        self.estimate = estimate
        self.se = se
        self.statistic = statistic
        self.pValue = pValue
        self.lower = lower
        self.upper = upper
    }
}

/// How coefficient standard errors are computed.
public enum CovarianceKind: Sendable, Equatable {
    /// The model-based covariance: σ²(X'X)⁻¹ for OLS, (X'WX)⁻¹ for logistic regression.
    case classical
    /// Heteroskedasticity-robust HC1 (White's sandwich times n / (n - p)).
    case hc1
    /// Cluster-robust CR1: clusters (e.g. sites) given per row; small-sample factor
    /// G/(G - 1) · (n - 1)/(n - p), as statsmodels' `cov_type="cluster"` by default.
    case cluster([Int])
    /// Cluster-robust CR2 (Bell and McCaffrey), bias-reduced, with each coefficient tested by t on its
    /// Satterthwaite degrees of freedom (Pustejovsky and Tipton 2018), as R's clubSandwich: the
    /// estimator for few clusters (a council's six sites), for least squares and logistic models alike.
    case cr2([Int])
    /// By linearisation over a survey design's clusters within strata (`SurveyDesign.logistic`).
    case design
}

/// A fitted regression model.
public struct RegressionFit: Sendable, Equatable {
    /// Coefficients in order: the intercept first, then one per predictor.
    public var coefficients: [Coefficient]
    /// Rows used, and rows left out because the outcome or a predictor was missing (NaN).
    public var n: Int
    public var nMissing: Int
    /// Residual degrees of freedom used for t tests (n - p; G - 1 with clusters), nil for z tests.
    public var df: Double?
    /// OLS: R² and adjusted R²; logistic: nil.
    public var rSquared: Double?
    public var adjustedRSquared: Double?
    /// Logistic: iterations to converge and the deviance; OLS: nil.
    public var iterations: Int?
    public var deviance: Double?
    public var covariance: CovarianceKind
    public var confidence: Double

    public func coefficient(_ name: String) -> Coefficient? { coefficients.first { $0.name == name } }
}

extension Coefficient {
    /// A log-odds coefficient as an odds ratio: the estimate and limits exponentiated, the rest (the
    /// standard error and test, on the log scale) as they are.
    public var exponentiated: Coefficient {
        var ratio = self
        (ratio.estimate, ratio.lower, ratio.upper) = (exp(estimate), exp(lower), exp(upper))
        return ratio
    }
}

extension CovarianceKind {
    /// Each row's cluster, for the cluster-robust kinds.
    var clusterIDs: [Int]? {
        switch self {
        case let .cluster(ids), let .cr2(ids): return ids
        case .classical, .hc1, .design: return nil
        }
    }
}

public enum Regression {
    /// The design: complete rows only, an intercept column first.
    struct Design {
        var x: [Double]       // n x p, row-major
        var y: [Double]
        /// Each row's cluster as 0..<clusterCount (numbered in order of first appearance).
        var clusters: [Int]?
        var clusterCount = 0
        var n: Int
        var p: Int
        var missing: Int
        var names: [String]
        /// How many observations each row stands for, when identical rows have been merged (nil: one each).
        /// `n` still counts observations; the arrays hold `y.count` rows.
        var counts: [Double]? = nil
    }

    /// The design with identical rows (same predictors, outcome and cluster) merged into one row
    /// weighted by its count, or the design unchanged if merging would not pay. A logistic likelihood,
    /// its score and its information are sums over observations, so an identical observation counted k
    /// times gives exactly the fit, classical, HC and cluster covariances of k rows (their residuals are
    /// equal too). Categorical designs, as in the process associations (a few process items and
    /// covariates, hundreds of thousands of respondents), have a few thousand distinct rows: each
    /// Newton step then costs thousands of rows' work, not hundreds of thousands.
    static func mergingIdenticalRows(_ d: Design) -> Design {
        let (n, p) = (d.y.count, d.p)
        let width = p + 1 + (d.clusters == nil ? 0 : 1)
        guard n >= 64 else { return d }
        var capacity = 1024
        // Each slot holds a merged row's index + 1 (0: empty) and, above it, the top half of the row's
        // hash: one look at memory per probe, not one at the slot and another at the row's hash.
        var slots = [UInt64](repeating: 0, count: capacity)
        var keys: [UInt64] = [], x: [Double] = [], y: [Double] = [], counts: [Double] = [], clusters: [Int] = []
        var hashes: [UInt64] = []                               // each merged row's, for growing the table
        var key = [UInt64](repeating: 0, count: width)
        for i in 0..<n {
            // Give up once three rows in four are distinct after 65,536 rows (a continuous covariate),
            // so that it costs little when it does not pay. Earlier would be wrong for designs with
            // many but bounded distinct rows: categories by 100 sites, when errors are clustered by
            // site, are mostly new rows at first and a quarter of them in the end.
            if i >= 65_536, counts.count * 4 > i * 3 { return d }
            for j in 0..<p { key[j] = d.x[i * p + j].bitPattern }
            key[p] = d.y[i].bitPattern
            if let groups = d.clusters { key[p + 1] = UInt64(groups[i]) }
            var hash: UInt64 = 0xcbf29ce484222325
            for part in key { hash = (hash ^ part) &* 0x100000001b3; hash ^= hash >> 29 }
            var slot = Int(hash & UInt64(capacity - 1))
            let tag = hash & 0xFFFF_FFFF_0000_0000
            while true {
                let entry = slots[slot]
                if entry == 0 {
                    slots[slot] = tag | UInt64(counts.count + 1)
                    hashes.append(hash)
                    keys.append(contentsOf: key)
                    x.append(contentsOf: d.x[(i * p)..<(i * p + p)])
                    y.append(d.y[i])
                    counts.append(1)
                    if let groups = d.clusters { clusters.append(groups[i]) }
                    break
                }
                let index = Int(entry & 0xFFFF_FFFF) - 1
                if entry & 0xFFFF_FFFF_0000_0000 == tag, keys[(index * width)..<(index * width + width)].elementsEqual(key) {
                    counts[index] += 1
                    break
                }
                slot = (slot + 1) & (capacity - 1)
            }
            if counts.count * 2 > capacity {
                // Keep the table at most half full: rehash into twice the room.
                capacity *= 2
                slots = [UInt64](repeating: 0, count: capacity)
                for index in 0..<counts.count {
                    var slot = Int(hashes[index] & UInt64(capacity - 1))
                    while slots[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
                    slots[slot] = (hashes[index] & 0xFFFF_FFFF_0000_0000) | UInt64(index + 1)
                }
            }
        }
        guard counts.count * 2 <= n else { return d }
        var merged = d
        merged.x = x
        merged.y = y
        merged.counts = counts
        merged.clusters = d.clusters == nil ? nil : clusters
        return merged
    }

    static func design(y: [Double], predictors: [[Double]], names: [String], covariance: CovarianceKind) throws -> Design {
        guard predictors.count == names.count else {
            throw StatisticsError.invalidArgument("\(predictors.count) predictors but \(names.count) names")
        }
        guard predictors.allSatisfy({ $0.count == y.count }) else {
            throw StatisticsError.invalidArgument("every predictor needs one value per outcome")
        }
        if let ids = covariance.clusterIDs, ids.count != y.count {
            throw StatisticsError.invalidArgument("one cluster id per row is needed")
        }
        let p = predictors.count + 1
        var x: [Double] = [], outcome: [Double] = [], clusters: [Int] = []
        x.reserveCapacity(y.count * p)
        outcome.reserveCapacity(y.count)
        var missing = 0
        for row in 0..<y.count {
            if y[row].isNaN || predictors.contains(where: { $0[row].isNaN }) { missing += 1; continue }
            x.append(1)
            for column in predictors { x.append(column[row]) }
            outcome.append(y[row])
            if let ids = covariance.clusterIDs { clusters.append(ids[row]) }
        }
        let n = outcome.count
        guard n > p else {
            throw StatisticsError.insufficientData("\(n) complete rows for \(p) coefficients: the model cannot be estimated")
        }
        var clusterIDs: [Int]? = nil
        var clusterCount = 0
        if covariance.clusterIDs != nil {
            // Dense numbers in order of first appearance, so that the sandwich sums clusters in a flat
            // array. Ids are usually small (site numbers): then an array, not a hash per row, finds them.
            if let low = clusters.min(), let high = clusters.max(), low >= 0, high < 1 << 20 {
                var numberOf = [Int](repeating: -1, count: high + 1)
                clusterIDs = clusters.map { id in
                    if numberOf[id] < 0 { numberOf[id] = clusterCount; clusterCount += 1 }
                    return numberOf[id]
                }
            } else {
                var clusterNumbers: [Int: Int] = [:]
                clusterIDs = clusters.map { id in
                    if let number = clusterNumbers[id] { return number }
                    clusterNumbers[id] = clusterNumbers.count
                    return clusterNumbers.count - 1
                }
                clusterCount = clusterNumbers.count
            }
            guard clusterCount >= 2 else { throw StatisticsError.insufficientData("cluster-robust errors need at least 2 clusters") }
        }
        return Design(x: x, y: outcome, clusters: clusterIDs, clusterCount: clusterCount, n: n, p: p, missing: missing,
                      names: ["(Intercept)"] + names)
    }

    /// Ordinary least squares with an intercept: by the normal equations, solved with GSL's Cholesky
    /// decomposition, when they are well conditioned; otherwise by `gsl_multifit_linear` (SVD).
    ///
    /// Matches statsmodels `OLS(y, add_constant(X)).fit()` (classical), `.fit(cov_type="HC1", use_t=True)`
    /// and `.fit(cov_type="cluster", cov_kwds={"groups": g}, use_t=True)`: estimates, standard errors,
    /// t statistics, p-values and intervals (t on n - p df; with clusters on G - 1 df, as Stata does:
    /// with a dozen sites a normal reference would overstate certainty), R².
    /// Rows with a NaN are left out and counted. A singular design (a predictor with no variance, or
    /// one that is a combination of others) is an error naming the problem, not a fit.
    public static func ols(y: [Double], predictors: [[Double]], names: [String],
                           covariance: CovarianceKind = .classical, confidence: Double = 0.95) throws -> RegressionFit {
        guard covariance != .design else {
            throw StatisticsError.invalidArgument("a survey design's covariance is not available for least squares")
        }
        var d = try design(y: y, predictors: predictors, names: names, covariance: covariance)
        _ = GSL.ready
        let (n, p) = (d.n, d.p)
        var beta = [Double](repeating: 0, count: p)
        var cov = [Double](repeating: 0, count: p * p)
        var chisq = 0.0
        var rank = p
        var bread: [Double]
        if let normal = normalEquations(d) {
            (beta, bread) = (normal.beta, normal.inverse)
            for i in 0..<n {
                var fitted = 0.0
                for j in 0..<p { fitted += d.x[i * p + j] * beta[j] }
                chisq += (d.y[i] - fitted) * (d.y[i] - fitted)
            }
            cov = bread.map { $0 * chisq / Double(n - p) }
        } else {
        try d.x.withUnsafeMutableBufferPointer { xBuffer in
            try d.y.withUnsafeMutableBufferPointer { yBuffer in
                try beta.withUnsafeMutableBufferPointer { bBuffer in
                    try cov.withUnsafeMutableBufferPointer { cBuffer in
                        var xView = gsl_matrix_view_array(xBuffer.baseAddress, n, p)
                        var yView = gsl_vector_view_array(yBuffer.baseAddress, n)
                        var bView = gsl_vector_view_array(bBuffer.baseAddress, p)
                        var cView = gsl_matrix_view_array(cBuffer.baseAddress, p, p)
                        guard let work = gsl_multifit_linear_alloc(n, p) else { throw StatisticsError.insufficientData("out of memory") }
                        defer { gsl_multifit_linear_free(work) }
                        try GSL.check(gsl_multifit_linear(&xView.matrix, &yView.vector, &bView.vector, &cView.matrix, &chisq, work),
                                      "gsl_multifit_linear")
                        rank = gsl_multifit_linear_rank(1e-10, work)
                    }
                }
            }
        }
        if rank < p { throw StatisticsError.insufficientData("the design is singular: \(singularHint(d))") }
        // (X'X)⁻¹ from GSL's σ²(X'X)⁻¹, for the sandwich estimators.
        let sigma2 = chisq / Double(n - p)
        bread = cov.map { $0 / sigma2 }
        }
        let residualDF = Double(n - p)
        var residuals = [Double](repeating: 0, count: n)
        var meanY = 0.0
        for i in 0..<n { meanY += d.y[i] }
        meanY /= Double(n)
        var totalSS = 0.0
        for i in 0..<n {
            var fitted = 0.0
            for j in 0..<p { fitted += d.x[i * p + j] * beta[j] }
            residuals[i] = d.y[i] - fitted
            totalSS += (d.y[i] - meanY) * (d.y[i] - meanY)
        }
        let finalCov: [Double]
        var df: Double = residualDF
        var perCoefficientDF: [Double]?
        switch covariance {
        case .classical, .design:   // .design is refused on entry: SurveyDesign.logistic computes it
            finalCov = cov
        case .hc1:
            finalCov = sandwich(bread: bread, x: d.x, multipliers: residuals, p: p, groups: nil, groupCount: 0).map { $0 * Double(n) / residualDF }
        case .cluster:
            let clusters = d.clusters!
            let g = Double(d.clusterCount)
            let factor = g / (g - 1) * Double(n - 1) / residualDF
            finalCov = sandwich(bread: bread, x: d.x, multipliers: residuals, p: p, groups: clusters, groupCount: d.clusterCount).map { $0 * factor }
            df = g - 1
        case .cr2:
            let cr2 = try ClusterRobustCR2.leastSquares(d, bread: bread, residuals: residuals)
            finalCov = cr2.covariance
            perCoefficientDF = (0..<p).map(cr2.degreesOfFreedom)
        }
        let coefficients = (0..<p).map { j -> Coefficient in
            let se = finalCov[j * p + j].squareRoot()
            let t = beta[j] / se
            let dfj = perCoefficientDF?[j] ?? df
            let critical = gsl_cdf_tdist_Pinv(1 - (1 - confidence) / 2, dfj)
            return Coefficient(name: d.names[j], estimate: beta[j], se: se, statistic: t,
                               pValue: min(1, 2 * gsl_cdf_tdist_Q(abs(t), dfj)), lower: beta[j] - critical * se,
                               upper: beta[j] + critical * se, df: perCoefficientDF?[j])
        }
        let r2 = 1 - chisq / totalSS
        return RegressionFit(coefficients: coefficients, n: n, nMissing: d.missing,
                             df: perCoefficientDF == nil ? df : nil, rSquared: r2,
                             adjustedRSquared: 1 - (1 - r2) * Double(n - 1) / residualDF, iterations: nil, deviance: nil,
                             covariance: covariance, confidence: confidence)
    }

    /// The least-squares coefficients and (X'X)⁻¹ from the normal equations X'X β = X'y, by Cholesky,
    /// or nil when X'X (its columns scaled to unit diagonal) has a reciprocal condition number below
    /// 1e-7: the solution's relative error grows with the condition number, so a design near
    /// collinearity takes the SVD instead. Forming X'X reads the n x p design once (np²/2 products),
    /// where the SVD applies Householder reflections to it several times: a fifth of the time for a
    /// million-row ANCOVA.
    static func normalEquations(_ d: Design) -> (beta: [Double], inverse: [Double])? {
        let (n, p) = (d.n, d.p)
        var xtx = [Double](repeating: 0, count: p * p), xty = [Double](repeating: 0, count: p)
        d.x.withUnsafeBufferPointer { x in
            d.y.withUnsafeBufferPointer { y in
                xtx.withUnsafeMutableBufferPointer { xtx in
                    xty.withUnsafeMutableBufferPointer { xty in
                        for i in 0..<n {
                            let row = x.baseAddress! + i * p
                            for a in 0..<p {
                                let xa = row[a]
                                xty[a] += xa * y[i]
                                let upper = xtx.baseAddress! + a * p
                                for b in a..<p { upper[b] += xa * row[b] }
                            }
                        }
                    }
                }
            }
        }
        // Scale to unit diagonal (D^-1/2 X'X D^-1/2), so that the condition number is not just units.
        var scale = [Double](repeating: 0, count: p)
        for a in 0..<p {
            guard xtx[a * p + a] > 0 else { return nil }
            scale[a] = 1 / xtx[a * p + a].squareRoot()
        }
        var a = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in i..<p { a[i * p + j] = xtx[i * p + j] * scale[i] * scale[j]; a[j * p + i] = a[i * p + j] } }
        var b = (0..<p).map { xty[$0] * scale[$0] }
        var solution = [Double](repeating: 0, count: p)
        let solved: Bool = a.withUnsafeMutableBufferPointer { aBuffer in
            b.withUnsafeMutableBufferPointer { bBuffer in
                solution.withUnsafeMutableBufferPointer { sBuffer in
                    var aView = gsl_matrix_view_array(aBuffer.baseAddress, p, p)
                    var bView = gsl_vector_view_array(bBuffer.baseAddress, p)
                    var sView = gsl_vector_view_array(sBuffer.baseAddress, p)
                    guard gsl_linalg_cholesky_decomp1(&aView.matrix) == Int32(GSL_SUCCESS) else { return false }
                    var rcond = 0.0
                    guard let work = gsl_vector_alloc(3 * p) else { return false }
                    defer { gsl_vector_free(work) }
                    guard gsl_linalg_cholesky_rcond(&aView.matrix, &rcond, work) == Int32(GSL_SUCCESS), rcond >= 1e-7,
                          gsl_linalg_cholesky_solve(&aView.matrix, &bView.vector, &sView.vector) == Int32(GSL_SUCCESS),
                          gsl_linalg_cholesky_invert(&aView.matrix) == Int32(GSL_SUCCESS) else { return false }
                    return true
                }
            }
        }
        guard solved else { return nil }
        let beta = (0..<p).map { solution[$0] * scale[$0] }
        var inverse = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in 0..<p { inverse[i * p + j] = a[i * p + j] * scale[i] * scale[j] } }
        return (beta, inverse)
    }

    /// Logistic regression of a 0/1 outcome by iteratively reweighted least squares (Newton's method:
    /// each step solves X'WX β = X'Wz by GSL's Cholesky decomposition, whose inverse at convergence is
    /// the covariance), Wald tests and intervals (z; t on G - 1 df with `.cluster`, on each coefficient's
    /// Satterthwaite df with `.cr2`); odds ratios are exp of the coefficients and limits.
    ///
    /// Matches statsmodels `Logit(y, add_constant(X)).fit()` and `.fit(cov_type="cluster", ..., use_t=True)`; HC1 is
    /// statsmodels' HC0 times n/(n - p), as HC1 is defined (statsmodels' Logit omits that factor). Non-convergence within 50 iterations, and (quasi-)complete separation (fitted
    /// probabilities of 0 or 1, where the estimates run off to infinity), are errors, not numbers.
    public static func logistic(y: [Double], predictors: [[Double]], names: [String],
                                covariance: CovarianceKind = .classical, confidence: Double = 0.95) throws -> RegressionFit {
        guard covariance != .design else {
            throw StatisticsError.invalidArgument("a survey design's covariance: use SurveyDesign.logistic")
        }
        guard y.allSatisfy({ $0.isNaN || $0 == 0 || $0 == 1 }) else {
            throw StatisticsError.invalidArgument("a logistic regression outcome must be 0 or 1")
        }
        let d = mergingIdenticalRows(try design(y: y, predictors: predictors, names: names, covariance: covariance))
        let rows = d.y.count
        let counts = d.counts ?? [Double](repeating: 1, count: rows)
        let events = zip(d.y, counts).reduce(0) { $0 + $1.0 * $1.1 }
        guard events > 0, events < Double(d.n) else {
            throw StatisticsError.insufficientData("the outcome is \(events == 0 ? 0 : 1) for everyone: nothing to model")
        }
        // Separation, found exactly by Konis's linear program (a test of fitted probabilities of 0 or 1
        // misses it when the iterations stop first). It is run whenever the fit is not plainly finite:
        // on separated data Newton's steps keep moving β along the separating direction by about the same
        // amount each time (the deviance can look settled while they do), so a fit whose deviance settled,
        // whose last step moved no coefficient by more than 1e-7 (1 + |β|) and whose probabilities are all
        // within [1e-6, 1 - 1e-6] has a finite maximum, and the linear program (2 s for a million distinct
        // rows) is not needed.
        func throwIfSeparated() throws {
            let separation = Separation.check(d)
            if separation.separated { throw StatisticsError.separated(separation.names.filter { $0 != "(Intercept)" }) }
        }
        _ = GSL.ready
        let (n, p) = (d.n, d.p)
        var beta = [Double](repeating: 0, count: p)
        var cov = [Double](repeating: 0, count: p * p)
        var probabilities = [Double](repeating: 0, count: rows)
        var deviance = Double.infinity
        var iterations = 0
        var converged = false
        var lastStep = Double.infinity
        while iterations < 50 {
            iterations += 1
            let previous = beta
            defer { lastStep = zip(beta, previous).map { abs($0 - $1) }.max() ?? 0 }
            // One Newton (IRLS) step: solve (X'WX) β = X'Wz with z = η + (y - p)/w, by Cholesky.
            var xtwx = [Double](repeating: 0, count: p * p)
            var xtwz = [Double](repeating: 0, count: p)
            var newDeviance = 0.0
            // Raw buffers: this loop runs n x p² times per iteration, and bounds checks double it.
            d.x.withUnsafeBufferPointer { x in
                d.y.withUnsafeBufferPointer { y in
                  counts.withUnsafeBufferPointer { counts in
                    beta.withUnsafeBufferPointer { beta in
                        probabilities.withUnsafeMutableBufferPointer { probabilities in
                            xtwx.withUnsafeMutableBufferPointer { xtwx in
                                xtwz.withUnsafeMutableBufferPointer { xtwz in
                                    for i in 0..<rows {
                                        let row = x.baseAddress! + i * p
                                        var eta = 0.0
                                        for j in 0..<p { eta += row[j] * beta[j] }
                                        let probability = 1 / (1 + exp(-eta))
                                        probabilities[i] = probability
                                        let w = max(probability * (1 - probability), 1e-300) * counts[i]
                                        let wz = w * eta + (y[i] - probability) * counts[i]
                                        for a in 0..<p {
                                            let xa = row[a]
                                            xtwz[a] += xa * wz
                                            let wxa = w * xa
                                            let upper = xtwx.baseAddress! + a * p
                                            for b in a..<p { upper[b] += wxa * row[b] }
                                        }
                                        newDeviance -= 2 * counts[i] * log(max(y[i] == 1 ? probability : 1 - probability, 1e-300))
                                    }
                                }
                            }
                        }
                    }
                  }
                }
            }
            for a in 0..<p { for b in 0..<a { xtwx[a * p + b] = xtwx[b * p + a] } }
            // Converged: one more step, so that the covariance is taken at the final weights.
            converged = abs(newDeviance - deviance) < 1e-10 * (abs(newDeviance) + 0.1)
            deviance = newDeviance
            var solvable = true
            xtwx.withUnsafeMutableBufferPointer { aBuffer in
                xtwz.withUnsafeMutableBufferPointer { bBuffer in
                    beta.withUnsafeMutableBufferPointer { xBuffer in
                        var aView = gsl_matrix_view_array(aBuffer.baseAddress, p, p)
                        var bView = gsl_vector_view_array(bBuffer.baseAddress, p)
                        var xView = gsl_vector_view_array(xBuffer.baseAddress, p)
                        // A non-positive-definite X'WX (status GSL_EDOM) means a singular design.
                        guard gsl_linalg_cholesky_decomp1(&aView.matrix) == Int32(GSL_SUCCESS),
                              gsl_linalg_cholesky_solve(&aView.matrix, &bView.vector, &xView.vector) == Int32(GSL_SUCCESS),
                              gsl_linalg_cholesky_invert(&aView.matrix) == Int32(GSL_SUCCESS)
                        else { solvable = false; return }
                        for k in 0..<(p * p) { cov[k] = aBuffer[k] }
                    }
                }
            }
            if !solvable || !beta.allSatisfy(\.isFinite) {
                // Nearly separated data also drive X'WX towards singularity: tell the two apart.
                try throwIfSeparated()
                if probabilities.contains(where: { $0 < 1e-10 || $0 > 1 - 1e-10 }) { break }
                throw StatisticsError.insufficientData("the design is singular: \(singularHint(d))")
            }
            if converged { break }
        }
        let settled = lastStep <= 1e-7 * (1 + (beta.map(abs).max() ?? 0))
        if !converged || !settled || probabilities.contains(where: { $0 < 1e-6 || $0 > 1 - 1e-6 }) {
            try throwIfSeparated()
        }
        // Not separated, yet probabilities of 0 or 1 to machine precision: the estimates only reflect when
        // the iterations stopped.
        let extreme = Int(probabilities.indices.filter { probabilities[$0] < 1e-10 || probabilities[$0] > 1 - 1e-10 }
            .reduce(0) { $0 + counts[$1] })
        if extreme > 0 {
            throw StatisticsError.insufficientData("perfect or quasi-complete separation: \(extreme) of \(n) fitted probabilities are 0 or 1, so the odds ratios are infinite; remove or combine the predictor that separates the outcome")
        }
        guard converged else {
            throw StatisticsError.insufficientData("logistic regression did not converge in 50 iterations")
        }
        // cov is (X'WX)⁻¹ from the last weighted fit, at the weights of the converged estimates.
        let finalCov: [Double]
        var perCoefficientDF: [Double]?, clusterDF: Double?
        switch covariance {
        case .classical, .design:   // .design is refused on entry: SurveyDesign.logistic computes it
            finalCov = cov
        case .hc1:
            let r = (0..<rows).map { d.y[$0] - probabilities[$0] }
            finalCov = sandwich(bread: cov, x: d.x, multipliers: r, p: p, groups: nil, groupCount: 0, counts: d.counts)
                .map { $0 * Double(n) / Double(n - p) }
        case .cluster:
            let r = (0..<rows).map { d.y[$0] - probabilities[$0] }
            let clusters = d.clusters!
            let g = Double(d.clusterCount)
            finalCov = sandwich(bread: cov, x: d.x, multipliers: r, p: p, groups: clusters, groupCount: d.clusterCount, counts: d.counts)
                .map { $0 * g / (g - 1) * Double(n - 1) / Double(n - p) }
            // t on G - 1 df, as for least squares (statsmodels' use_t=True, Stata): z overstates certainty
            // with a dozen sites.
            perCoefficientDF = Array(repeating: g - 1, count: p)
            clusterDF = g - 1
        case .cr2:
            let cr2 = try ClusterRobustCR2.logistic(d, bread: cov, probabilities: probabilities)
            finalCov = cr2.covariance
            perCoefficientDF = (0..<p).map(cr2.degreesOfFreedom)
        }
        let z = try Distributions.normalCritical(confidence: confidence)
        let coefficients = (0..<p).map { j -> Coefficient in
            let se = finalCov[j * p + j].squareRoot()
            let statistic = beta[j] / se
            // CR2 tests on t with the coefficient's Satterthwaite degrees of freedom; the others on z.
            guard let df = perCoefficientDF?[j] else {
                return Coefficient(name: d.names[j], estimate: beta[j], se: se, statistic: statistic,
                                   pValue: min(1, 2 * gsl_cdf_ugaussian_Q(abs(statistic))), lower: beta[j] - z * se,
                                   upper: beta[j] + z * se)
            }
            let critical = gsl_cdf_tdist_Pinv(1 - (1 - confidence) / 2, df)
            return Coefficient(name: d.names[j], estimate: beta[j], se: se, statistic: statistic,
                               pValue: min(1, 2 * gsl_cdf_tdist_Q(abs(statistic), df)), lower: beta[j] - critical * se,
                               upper: beta[j] + critical * se, df: clusterDF == nil ? df : nil)
        }
        return RegressionFit(coefficients: coefficients, n: n, nMissing: d.missing, df: clusterDF, rSquared: nil,
                             adjustedRSquared: nil,
                             iterations: iterations, deviance: deviance, covariance: covariance, confidence: confidence)
    }

    /// bread · meat · bread, where the meat sums the outer products of the score vectors x_i·r_i
    /// (r: residuals, or y - p for logistic regression), per row (HC) or summed within groups (CR).
    /// `groups` are dense cluster numbers 0..<groupCount (as `design` makes them); `counts`, if given,
    /// says how many identical observations each row stands for.
    static func sandwich(bread: [Double], x: [Double], multipliers r: [Double], p: Int, groups: [Int]?, groupCount: Int,
                         counts: [Double]? = nil) -> [Double] {
        var meat = [Double](repeating: 0, count: p * p)
        let n = r.count
        if let groups {
            // Each cluster's score sum, in one flat array.
            var sums = [Double](repeating: 0, count: groupCount * p)
            for i in 0..<n {
                let base = groups[i] * p
                let score = r[i] * (counts?[i] ?? 1)
                for j in 0..<p { sums[base + j] += x[i * p + j] * score }
            }
            for g in 0..<groupCount {
                for a in 0..<p { for b in 0..<p { meat[a * p + b] += sums[g * p + a] * sums[g * p + b] } }
            }
        } else {
            for i in 0..<n {
                let r2 = r[i] * r[i] * (counts?[i] ?? 1)
                for a in 0..<p {
                    let xa = x[i * p + a] * r2
                    for b in a..<p { meat[a * p + b] += xa * x[i * p + b] }
                }
            }
            for a in 0..<p { for b in 0..<a { meat[a * p + b] = meat[b * p + a] } }
        }
        var temp = [Double](repeating: 0, count: p * p), result = [Double](repeating: 0, count: p * p)
        for a in 0..<p { for b in 0..<p { var s = 0.0; for k in 0..<p { s += bread[a * p + k] * meat[k * p + b] }; temp[a * p + b] = s } }
        for a in 0..<p { for b in 0..<p { var s = 0.0; for k in 0..<p { s += temp[a * p + k] * bread[k * p + b] }; result[a * p + b] = s } }
        return result
    }

    /// Names a predictor with no variation, if there is one (the commonest cause of a singular design).
    static func singularHint(_ d: Design) -> String {
        for j in 1..<d.p {
            let first = d.x[j]
            if (0..<d.y.count).allSatisfy({ d.x[$0 * d.p + j] == first }) {
                return "predictor '\(d.names[j])' has the same value (\(first)) in every row"
            }
        }
        return "a predictor is a linear combination of the others (for example every category of a factor included)"
    }
}
