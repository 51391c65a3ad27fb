import CGSL

/// How the degrees of freedom of a mixed model's fixed-effect t tests are found.
public enum MixedModelDF: Sendable, Equatable {
    /// Satterthwaite's approximation as lmerTest computes it (`summary(lmer)`, `contest1D`): the gradient of
    /// var(β_j) in the variance parameters (θ = σ_b/σ, σ) and their asymptotic covariance from the Hessian
    /// of the REML deviance. Standard errors are the model's, σ²(X'V⁻¹X)⁻¹.
    case satterthwaite
    /// Kenward and Roger (1997) as pbkrtest computes it (`vcovAdj`, `Lb_ddf`; lmerTest's
    /// `ddf = "Kenward-Roger"`): the small-sample adjusted covariance of β, and for each coefficient its df.
    case kenwardRoger
}

/// A linear mixed model y = Xβ + b_cluster + ε with a random intercept per cluster, fitted by REML.
public struct MixedModelFit: Sendable, Equatable {
    /// Fixed effects in order: the intercept first, then one per predictor; tests and intervals on `df`.
    public var coefficients: [Coefficient]
    /// Each coefficient's degrees of freedom, by `method`.
    public var degreesOfFreedom: [Double]
    /// The covariance of the fixed effects behind the standard errors (row-major, p × p): the model's
    /// for Satterthwaite, Kenward and Roger's adjusted one for Kenward-Roger.
    public var covariance: [Double]
    public var method: MixedModelDF
    /// The variance of the random intercepts σ_b² and the residual variance σ² (REML estimates).
    public var clusterVariance: Double
    public var residualVariance: Double
    /// The intraclass correlation σ_b² / (σ_b² + σ²).
    public var intraclassCorrelation: Double
    /// The REML criterion at the optimum, −2 × the restricted log-likelihood (lme4's `REMLcrit`).
    public var remlCriterion: Double
    /// Rows used, rows left out because the outcome or a predictor was missing (NaN), and clusters.
    public var n: Int
    public var nMissing: Int
    public var clusterCount: Int
    /// The REML cluster variance is 0, on the boundary of its space: a singular fit, as lme4 says. The
    /// fit is still reported (as lmerTest does); it is then ordinary least squares with n − p df
    /// (Satterthwaite), while Kenward-Roger still allows for the uncertainty in the variance.
    public var isSingular: Bool
    public var confidence: Double

    public func coefficient(_ name: String) -> Coefficient? { coefficients.first { $0.name == name } }
    public func degreesOfFreedom(of name: String) -> Double? {
        coefficients.firstIndex { $0.name == name }.map { degreesOfFreedom[$0] }
    }
}

extension Regression {
    /// A linear mixed model with a random intercept for each cluster (site), by REML: the standard analysis
    /// of a cluster-allocated trial (CONSORT extension for cluster trials). Matches lme4's
    /// `lmer(y ~ x1 + ... + (1 | cluster), REML = TRUE)` with lmerTest's Satterthwaite or Kenward-Roger df.
    ///
    /// The covariance of each cluster's outcomes is compound symmetric, V_g = σ²(I + λJ) with λ = σ_b²/σ²,
    /// so its inverse and determinant have closed forms in the cluster's size, means and within-cluster
    /// cross-products. One pass over the rows gathers those; each REML evaluation then costs O(G p²) for
    /// G clusters, whatever the number of rows. σ² is profiled out, leaving a criterion in λ ≥ 0 alone,
    /// whose analytic derivative is solved within a bracket from a grid (GSL's Brent root finder); the
    /// boundary λ = 0 is the estimate when the criterion rises from it.
    /// Rows with a NaN are left out and counted; cluster ids are any integers, one per row.
    public static func randomIntercept(y: [Double], predictors: [[Double]], names: [String], clusters: [Int],
                                       degreesOfFreedom method: MixedModelDF = .satterthwaite,
                                       confidence: Double = 0.95) throws -> MixedModelFit {
        guard confidence > 0, confidence < 1 else {
            throw StatisticsError.invalidArgument("confidence level \(confidence) is not between 0 and 1")
        }
        let d = try design(y: y, predictors: predictors, names: names, covariance: .cluster(clusters))
        _ = GSL.ready
        let sums = ClusterSums(d)
        guard sums.evaluate(lambda: 0) != nil else {
            throw StatisticsError.insufficientData("the design is singular: \(singularHint(d))")
        }
        let lambda = try sums.remlOptimum()
        guard let fit = sums.evaluate(lambda: lambda) else {
            throw StatisticsError.insufficientData("the mixed model's fixed effects cannot be estimated")
        }
        let p = d.p
        let sigma2 = fit.residualSS / Double(d.n - p)
        let phi = fit.inverse.map { $0 * sigma2 }
        let covariance: [Double], df: [Double]
        switch method {
        case .satterthwaite:
            (covariance, df) = (phi, sums.satterthwaite(fit, sigma2: sigma2))
        case .kenwardRoger:
            (covariance, df) = sums.kenwardRoger(fit, sigma2: sigma2)
        }
        let tail = 1 - (1 - confidence) / 2
        let coefficients = (0..<p).map { j -> Coefficient in
            let se = covariance[j * p + j].squareRoot()
            let t = fit.beta[j] / se
            let critical = gsl_cdf_tdist_Pinv(tail, df[j])
            return Coefficient(name: d.names[j], estimate: fit.beta[j], se: se, statistic: t,
                               pValue: min(1, 2 * gsl_cdf_tdist_Q(abs(t), df[j])),
                               lower: fit.beta[j] - critical * se, upper: fit.beta[j] + critical * se)
        }
        let clusterVariance = lambda * sigma2
        return MixedModelFit(coefficients: coefficients, degreesOfFreedom: df, covariance: covariance, method: method,
                             clusterVariance: clusterVariance, residualVariance: sigma2,
                             intraclassCorrelation: clusterVariance / (clusterVariance + sigma2),
                             remlCriterion: fit.criterion, n: d.n, nMissing: d.missing, clusterCount: d.clusterCount,
                             isSingular: lambda == 0, confidence: confidence)
    }
}

/// The sufficient statistics of a random-intercept model: each cluster's size and means of (x, y), and the
/// pooled within-cluster cross-products of (x, y). With them, X'V⁻¹X = (W_xx + Σ_g w_g x̄_g x̄_g')/σ² where
/// w_g = n_g/(1 + n_g λ), and likewise X'V⁻¹y and y'V⁻¹y. Sums of squares about the cluster means, not raw
/// ones, so that a million rows lose no precision to cancellation.
private struct ClusterSums {
    let n: Int, p: Int, clusterCount: Int
    let sizes: [Double]
    /// Row-major clusterCount × (p + 1): the means of the predictors (intercept first) and of y.
    let means: [Double]
    /// (p + 1) × (p + 1): within-cluster cross-products of (x, y).
    let within: [Double]

    init(_ d: Regression.Design) {
        let (n, p, groups) = (d.n, d.p, d.clusterCount)
        let width = p + 1
        var sizes = [Double](repeating: 0, count: groups)
        var means = [Double](repeating: 0, count: groups * width)
        var within = [Double](repeating: 0, count: width * width)
        let clusters = d.clusters!
        d.x.withUnsafeBufferPointer { x in
            d.y.withUnsafeBufferPointer { y in
                clusters.withUnsafeBufferPointer { cluster in
                    for i in 0..<n {
                        let base = cluster[i] * width
                        sizes[cluster[i]] += 1
                        for j in 0..<p { means[base + j] += x[i * p + j] }
                        means[base + p] += y[i]
                    }
                    for g in 0..<groups { for j in 0..<width { means[g * width + j] /= sizes[g] } }
                    var centred = [Double](repeating: 0, count: width)
                    for i in 0..<n {
                        let base = cluster[i] * width
                        for j in 0..<p { centred[j] = x[i * p + j] - means[base + j] }
                        centred[p] = y[i] - means[base + p]
                        for a in 0..<width {
                            let value = centred[a]
                            if value == 0 { continue }    // the intercept, and predictors constant within site
                            for b in a..<width { within[a * width + b] += value * centred[b] }
                        }
                    }
                }
            }
        }
        for a in 0..<width { for b in 0..<a { within[a * width + b] = within[b * width + a] } }
        (self.n, self.p, self.clusterCount) = (n, p, groups)
        (self.sizes, self.means, self.within) = (sizes, means, within)
    }

    func mean(_ g: Int, _ j: Int) -> Double { means[g * (p + 1) + j] }

    /// The generalised least-squares fit at one variance ratio λ = σ_b²/σ², with σ² profiled out.
    struct Evaluation {
        var lambda: Double
        /// A = σ² X'V⁻¹X, its inverse and log determinant; β = A⁻¹ σ² X'V⁻¹y.
        var inverse: [Double]
        var logDeterminant: Double
        var beta: [Double]
        /// The penalised residual sum of squares σ² r'V⁻¹r (lme4's pwrss).
        var residualSS: Double
        /// Each cluster's mean residual ȳ_g − x̄_g'β.
        var clusterResiduals: [Double]
        /// The REML criterion: log|I + λ Z'Z| + log|A| + (n − p)(1 + log(2π pwrss / (n − p))).
        var criterion: Double
    }

    /// Σ_g weight(g) x̄_g x̄_g' (p × p).
    func betweenProducts(_ weight: (Int) -> Double) -> [Double] {
        var result = [Double](repeating: 0, count: p * p)
        for g in 0..<clusterCount {
            let w = weight(g)
            for a in 0..<p {
                let wa = w * mean(g, a)
                for b in a..<p { result[a * p + b] += wa * mean(g, b) }
            }
        }
        for a in 0..<p { for b in 0..<a { result[a * p + b] = result[b * p + a] } }
        return result
    }

    /// X'(α(I − J/n_g) + β_g J/n_g)X summed over clusters: α W_xx + Σ_g β_g n_g x̄_g x̄_g'. Every matrix
    /// the variance derivatives need is of this form within a cluster.
    func quadratic(identity alpha: Double, mean beta: (Int) -> Double) -> [Double] {
        var result = betweenProducts { beta($0) * sizes[$0] }
        for a in 0..<p { for b in 0..<p { result[a * p + b] += alpha * within[a * (p + 1) + b] } }
        return result
    }

    func evaluate(lambda: Double) -> Evaluation? {
        let width = p + 1
        var a = [Double](repeating: 0, count: p * p), b = [Double](repeating: 0, count: p)
        var yy = within[p * width + p]
        var logSizes = 0.0
        for row in 0..<p {
            for column in 0..<p { a[row * p + column] = within[row * width + column] }
            b[row] = within[row * width + p]
        }
        for g in 0..<clusterCount {
            let w = sizes[g] / (1 + sizes[g] * lambda)
            logSizes += log1p(sizes[g] * lambda)
            let yMean = mean(g, p)
            for row in 0..<p {
                let wr = w * mean(g, row)
                for column in row..<p { a[row * p + column] += wr * mean(g, column) }
                b[row] += wr * yMean
            }
            yy += w * yMean * yMean
        }
        for row in 0..<p { for column in 0..<row { a[row * p + column] = a[column * p + row] } }
        guard let factor = SmallMatrix.cholesky(a, p) else { return nil }
        let beta = SmallMatrix.solve(factor, b, p)
        var residualSS = yy
        for j in 0..<p { residualSS -= b[j] * beta[j] }
        guard residualSS > 0 else { return nil }
        var logDeterminant = 0.0
        for j in 0..<p { logDeterminant += 2 * log(factor[j * p + j]) }
        let residuals = (0..<clusterCount).map { g in
            var fitted = 0.0
            for j in 0..<p { fitted += mean(g, j) * beta[j] }
            return mean(g, p) - fitted
        }
        let freedom = Double(n - p)
        let criterion = logSizes + logDeterminant + freedom * (1 + log(2 * Double.pi * residualSS / freedom))
        return Evaluation(lambda: lambda, inverse: SmallMatrix.inverse(factor, p), logDeterminant: logDeterminant,
                          beta: beta, residualSS: residualSS, clusterResiduals: residuals, criterion: criterion)
    }

    /// dREML/dλ: Σ n_g/(1 + n_g λ) + tr(A⁻¹ dA/dλ) + (n − p) (dpwrss/dλ) / pwrss, where dw_g/dλ =
    /// −n_g²/(1 + n_g λ)² and, β being optimal, dpwrss/dλ = Σ dw_g/dλ e_g²
    /// (e_g: the cluster's mean residual).
    func slope(_ e: Evaluation) -> Double {
        var sizeTerm = 0.0, traceTerm = 0.0, residualTerm = 0.0
        for g in 0..<clusterCount {
            let scale = 1 + sizes[g] * e.lambda
            sizeTerm += sizes[g] / scale
            let dw = -sizes[g] * sizes[g] / (scale * scale)
            residualTerm += dw * e.clusterResiduals[g] * e.clusterResiduals[g]
            var form = 0.0
            for a in 0..<p { for b in 0..<p { form += mean(g, a) * e.inverse[a * p + b] * mean(g, b) } }
            traceTerm += dw * form
        }
        return sizeTerm + traceTerm + Double(n - p) * residualTerm / e.residualSS
    }

    /// The REML estimate of λ = σ_b²/σ²: the criterion on a grid of θ = √λ from 10⁻⁶ to 10² (ten points a
    /// decade, and 0), then the root of its derivative in the bracket around the grid's minimum. λ = 0
    /// when the criterion rises from the boundary there (a singular fit).
    func remlOptimum() throws -> Double {
        let grid = [0.0] + (0...80).map { k in pow(10, -6 + Double(k) / 10) * pow(10, -6 + Double(k) / 10) }
        let criteria = grid.map { evaluate(lambda: $0)?.criterion ?? .infinity }
        guard let best = criteria.indices.min(by: { criteria[$0] < criteria[$1] }), criteria[best].isFinite else {
            throw StatisticsError.insufficientData("the REML criterion cannot be evaluated")
        }
        if best == grid.count - 1 {
            throw StatisticsError.insufficientData(
                "the site variance has no finite REML estimate (it dwarfs the residual variance: one row per site?)")
        }
        func slopeAt(_ index: Int) -> Double { evaluate(lambda: grid[index]).map(slope) ?? .nan }
        var low = max(best - 1, 0), high = best + 1
        while low > 0, !(slopeAt(low) < 0) { low -= 1 }
        while high < grid.count - 1, !(slopeAt(high) > 0) { high += 1 }
        guard slopeAt(low) < 0 else { return 0 }                      // rising from λ = 0: the boundary
        guard slopeAt(high) > 0 else {
            throw StatisticsError.insufficientData("the REML criterion has no minimum below a variance ratio of 10⁴")
        }
        let root = try brentRoot(lower: grid[low], upper: grid[high]) { lambda in
            evaluate(lambda: lambda).map(slope) ?? .nan
        }
        // The derivative's root is the minimum unless the boundary is lower (two local minima).
        if let atZero = evaluate(lambda: 0), let atRoot = evaluate(lambda: root), slope(atZero) >= 0,
           atZero.criterion < atRoot.criterion {
            return 0
        }
        return root
    }

    /// A root of f in [lower, upper] (f changes sign there), by GSL's Brent-Dekker method, to 1e-14 relative.
    private func brentRoot(lower: Double, upper: Double, _ f: @escaping (Double) -> Double) throws -> Double {
        final class Box { let f: (Double) -> Double; init(_ f: @escaping (Double) -> Double) { self.f = f } }
        let box = Unmanaged.passRetained(Box(f))
        defer { box.release() }
        var function = gsl_function(function: { x, parameters in
            Unmanaged<Box>.fromOpaque(parameters!).takeUnretainedValue().f(x)
        }, params: box.toOpaque())
        guard let solver = gsl_root_fsolver_alloc(outcomes_gsl_root_fsolver_brent()) else {
            throw StatisticsError.insufficientData("out of memory")
        }
        defer { gsl_root_fsolver_free(solver) }
        try GSL.check(gsl_root_fsolver_set(solver, &function, lower, upper), "gsl_root_fsolver_set")
        for _ in 0..<200 {
            try GSL.check(gsl_root_fsolver_iterate(solver), "gsl_root_fsolver_iterate")
            let (low, high) = (gsl_root_fsolver_x_lower(solver), gsl_root_fsolver_x_upper(solver))
            if gsl_root_test_interval(low, high, 0, 1e-14) == Int32(GSL_SUCCESS) { break }
        }
        return gsl_root_fsolver_root(solver)
    }

    /// lmerTest's Satterthwaite df for each coefficient, in its parameters (θ = √λ, σ): var(β_j) =
    /// σ² (A⁻¹)_jj, its gradient in (θ, σ), and 2 H⁻¹ for the covariance of (θ, σ), H the Hessian of the
    /// REML deviance (not profiled) log|I + θ²Z'Z| + log|A| + pwrss/σ² + (n − p) log(2πσ²). lmerTest
    /// differentiates numerically; here the derivatives are analytic. Like lmerTest, H is inverted on
    /// its eigenvalues above 1e-8 only (at the boundary θ = 0 the θ gradient is 0, so df = n − p).
    func satterthwaite(_ e: Evaluation, sigma2: Double) -> [Double] {
        let theta = e.lambda.squareRoot(), sigma = sigma2.squareRoot()
        var sizeCurvature = 0.0, dq = 0.0, d2q = 0.0
        var u = [Double](repeating: 0, count: p)
        var first = [Double](repeating: 0, count: clusterCount), second = first
        for g in 0..<clusterCount {
            let m = sizes[g], scale = 1 + m * e.lambda
            first[g] = -2 * m * m * theta / (scale * scale)
            second[g] = -2 * m * m * (1 - 3 * m * e.lambda) / (scale * scale * scale)
            sizeCurvature += 2 * m * (1 - m * e.lambda) / (scale * scale)
            let r = e.clusterResiduals[g]
            dq += first[g] * r * r
            d2q += second[g] * r * r
            for j in 0..<p { u[j] += first[g] * r * mean(g, j) }
        }
        // β depends on θ: d²pwrss/dθ² = Σ w_g'' e_g² − 2 u'A⁻¹u, u = Σ w_g' e_g x̄_g.
        d2q -= 2 * SmallMatrix.form(u, e.inverse, p)
        let dA = betweenProducts { first[$0] }, d2A = betweenProducts { second[$0] }
        let inverseDA = SmallMatrix.multiply(e.inverse, dA, p)
        let logDetCurvature = SmallMatrix.traceOfProduct(e.inverse, d2A, p)
            - SmallMatrix.traceOfProduct(inverseDA, inverseDA, p)
        let freedom = Double(n - p)
        let hessian = [sizeCurvature + logDetCurvature + d2q / sigma2, -2 * dq / (sigma2 * sigma),
                       -2 * dq / (sigma2 * sigma), 6 * e.residualSS / (sigma2 * sigma2) - 2 * freedom / sigma2]
        let varianceOfParameters = SmallMatrix.symmetricPseudoInverse2(hessian) { $0 > 1e-8 }.map { 2 * $0 }
        let dVdTheta = SmallMatrix.multiply(inverseDA, e.inverse, p).map { -sigma2 * $0 }
        return (0..<p).map { j in
            let variance = sigma2 * e.inverse[j * p + j]
            let gradient = [dVdTheta[j * p + j], 2 * sigma * e.inverse[j * p + j]]
            return 2 * variance * variance / SmallMatrix.form(gradient, varianceOfParameters, 2)
        }
    }

    /// pbkrtest's Kenward-Roger adjusted covariance Φ_A = Φ + 2Φ{Σ_rs W_rs (Q_rs − P_r Φ P_s)}Φ and df,
    /// for the variance parameters γ = (σ_b², σ²) with V = σ_b² ZZ' + σ² I (so G_1 = ZZ', G_2 = I and the
    /// second-derivative terms R_rs vanish): P_r = −X'V⁻¹G_rV⁻¹X, Q_rs = X'V⁻¹G_rV⁻¹G_sV⁻¹X,
    /// W = 2 I_E⁻¹
    /// with I_E the expected information of REML as pbkrtest writes it. Within a cluster V⁻¹ =
    /// (I − J/n_g)/σ² + h_g J/n_g with h_g = 1/(σ²(1 + n_g λ)), so each is α W_xx + Σ β_g n_g x̄_g x̄_g'.
    /// For one coefficient (q = 1) pbkrtest's `Lb_ddf` reduces to df = 2/A with A = Σ_rs W_rs t_r t_s and
    /// t_r = (Φ P_r Φ)_jj / Φ_jj: Satterthwaite's formula on Φ with the expected information.
    func kenwardRoger(_ e: Evaluation, sigma2: Double) -> (covariance: [Double], df: [Double]) {
        let a = 1 / sigma2
        let h = (0..<clusterCount).map { a / (1 + sizes[$0] * e.lambda) }
        let phi = e.inverse.map { $0 * sigma2 }
        // P_1 (G_1 = ZZ' = n_g J/n_g), P_2 (G_2 = I), Q_11, Q_12, Q_22.
        let p1 = quadratic(identity: 0) { -sizes[$0] * h[$0] * h[$0] }
        let p2 = quadratic(identity: -a * a) { -h[$0] * h[$0] }
        let q11 = quadratic(identity: 0) { sizes[$0] * sizes[$0] * h[$0] * h[$0] * h[$0] }
        let q12 = quadratic(identity: 0) { sizes[$0] * h[$0] * h[$0] * h[$0] }
        let q22 = quadratic(identity: a * a * a) { h[$0] * h[$0] * h[$0] }
        var k11 = 0.0, k12 = 0.0, k22 = 0.0
        for g in 0..<clusterCount {
            let m = sizes[g], h2 = h[g] * h[g]
            k11 += m * m * h2
            k12 += m * h2
            k22 += (m - 1) * a * a + h2
        }
        let pMatrices = [p1, p2], qMatrices = [[q11, q12], [q12, q22]], traces = [[k11, k12], [k12, k22]]
        let phiP = pMatrices.map { SmallMatrix.multiply(phi, $0, p) }
        var information = [Double](repeating: 0, count: 4)
        for r in 0..<2 {
            for s in 0..<2 {
                information[r * 2 + s] = traces[r][s] - 2 * SmallMatrix.traceOfProduct(phi, qMatrices[r][s], p)
                    + SmallMatrix.traceOfProduct(phiP[r], phiP[s], p)
            }
        }
        // pbkrtest inverts I_E unless an eigenvalue is below 1e-10 in size, then takes MASS::ginv.
        let eigenvalues = SmallMatrix.symmetricEigenvalues2(information)
        let magnitudes = (abs(eigenvalues.0), abs(eigenvalues.1))
        let (smallest, largest) = (min(magnitudes.0, magnitudes.1), max(magnitudes.0, magnitudes.1))
        let keep: (Double) -> Bool = smallest > 1e-10
            ? { _ in true } : { abs($0) > Double.ulpOfOne.squareRoot() * largest }
        let w = SmallMatrix.symmetricPseudoInverse2(information, keep: keep).map { 2 * $0 }
        var u = [Double](repeating: 0, count: p * p)
        for r in 0..<2 {
            for s in 0..<2 {
                let pPhiP = SmallMatrix.multiply(SmallMatrix.multiply(pMatrices[r], phi, p), pMatrices[s], p)
                for k in 0..<(p * p) { u[k] += w[r * 2 + s] * (qMatrices[r][s][k] - pPhiP[k]) }
            }
        }
        let adjustment = SmallMatrix.multiply(SmallMatrix.multiply(phi, u, p), phi, p)
        var adjusted = (0..<(p * p)).map { phi[$0] + 2 * adjustment[$0] }
        for row in 0..<p { for column in 0..<row {     // symmetric up to rounding: make it exactly so
            let average = (adjusted[row * p + column] + adjusted[column * p + row]) / 2
            (adjusted[row * p + column], adjusted[column * p + row]) = (average, average)
        } }
        let phiPPhi = phiP.map { SmallMatrix.multiply($0, phi, p) }
        let df = (0..<p).map { j -> Double in
            let t = phiPPhi.map { $0[j * p + j] / phi[j * p + j] }
            return 2 / SmallMatrix.form(t, w, 2)
        }
        return (adjusted, df)
    }
}

/// The few dense operations on p × p matrices (row-major) that the mixed model needs; p is a handful.
private enum SmallMatrix {
    /// The lower Cholesky factor L (LL' = a), or nil if a is not positive definite.
    static func cholesky(_ a: [Double], _ p: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: p * p)
        for j in 0..<p {
            var diagonal = a[j * p + j]
            for k in 0..<j { diagonal -= l[j * p + k] * l[j * p + k] }
            // Relative to the column's size, so that scale does not decide what counts as singular.
            guard diagonal > 1e-12 * max(abs(a[j * p + j]), .leastNormalMagnitude) else { return nil }
            l[j * p + j] = diagonal.squareRoot()
            for i in (j + 1)..<max(p, j + 1) {
                var value = a[i * p + j]
                for k in 0..<j { value -= l[i * p + k] * l[j * p + k] }
                l[i * p + j] = value / l[j * p + j]
            }
        }
        return l
    }

    /// x with LL'x = b.
    static func solve(_ l: [Double], _ b: [Double], _ p: Int) -> [Double] {
        var z = b
        for i in 0..<p {
            for k in 0..<i { z[i] -= l[i * p + k] * z[k] }
            z[i] /= l[i * p + i]
        }
        for i in stride(from: p - 1, through: 0, by: -1) {
            for k in (i + 1)..<max(p, i + 1) { z[i] -= l[k * p + i] * z[k] }
            z[i] /= l[i * p + i]
        }
        return z
    }

    static func inverse(_ l: [Double], _ p: Int) -> [Double] {
        var result = [Double](repeating: 0, count: p * p)
        for column in 0..<p {
            var unit = [Double](repeating: 0, count: p)
            unit[column] = 1
            let x = solve(l, unit, p)
            for row in 0..<p { result[row * p + column] = x[row] }
        }
        return result
    }

    static func multiply(_ a: [Double], _ b: [Double], _ p: Int) -> [Double] {
        var result = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for k in 0..<p {
            let aik = a[i * p + k]
            for j in 0..<p { result[i * p + j] += aik * b[k * p + j] }
        } }
        return result
    }

    /// tr(ab).
    static func traceOfProduct(_ a: [Double], _ b: [Double], _ p: Int) -> Double {
        var sum = 0.0
        for i in 0..<p { for k in 0..<p { sum += a[i * p + k] * b[k * p + i] } }
        return sum
    }

    /// v'mv.
    static func form(_ v: [Double], _ m: [Double], _ p: Int) -> Double {
        var sum = 0.0
        for i in 0..<p { for j in 0..<p { sum += v[i] * m[i * p + j] * v[j] } }
        return sum
    }

    static func symmetricEigenvalues2(_ m: [Double]) -> (Double, Double) {
        let centre = (m[0] + m[3]) / 2, radius = (((m[0] - m[3]) / 2) * ((m[0] - m[3]) / 2) + m[1] * m[1]).squareRoot()
        return (centre + radius, centre - radius)
    }

    /// Σ v v'/λ over the eigenpairs of a symmetric 2 × 2 matrix whose eigenvalue λ passes `keep`.
    static func symmetricPseudoInverse2(_ m: [Double], keep: (Double) -> Bool) -> [Double] {
        var result = [Double](repeating: 0, count: 4)
        guard m[1] != 0 else {
            if keep(m[0]) { result[0] = 1 / m[0] }
            if keep(m[3]) { result[3] = 1 / m[3] }
            return result
        }
        let (large, small) = symmetricEigenvalues2(m)
        for value in [large, small] where keep(value) {
            // An eigenvector: (b, λ − a) or (λ − d, b), whichever is longer (b ≠ 0, so one is not 0).
            let v = abs(value - m[0]) > abs(value - m[3]) ? (m[1], value - m[0]) : (value - m[3], m[1])
            let length = (v.0 * v.0 + v.1 * v.1).squareRoot()
            let (x, y) = (v.0 / length, v.1 / length)
            result[0] += x * x / value
            result[1] += x * y / value
            result[2] += x * y / value
            result[3] += y * y / value
        }
        return result
    }
}
