import CGSL

extension SurveyDesign {
    /// A design-weighted logistic regression of a 0/1 outcome, as R's `svyglm(y ~ x, design =
    /// subset(design, rows), family = quasibinomial())`: the weighted maximum likelihood estimates (by iteratively
    /// reweighted least squares), their covariance by linearisation over the design's clusters within
    /// strata (the sandwich A⁻¹ B A⁻¹, raking included), and t tests and intervals on the design's degrees
    /// of freedom less the coefficients but one (`df.residual` of `svyglm`).
    ///
    /// `rows` are the design's rows in the model; `y` and each predictor give one value per such row.
    public func logistic(rows: [Int], y: [Double], predictors: [[Double]], names: [String],
                         confidence: Double = 0.95) throws -> RegressionFit {
        _ = GSL.ready
        let n = rows.count, p = predictors.count + 1
        guard n > p, y.count == n, predictors.allSatisfy({ $0.count == n }) else {
            throw StatisticsError.insufficientData("a logistic regression needs more rows than coefficients")
        }
        guard y.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw StatisticsError.invalidArgument("a logistic regression outcome must be 0 or 1")
        }
        let events = y.reduce(0, +)
        guard events > 0, events < Double(n) else {
            throw StatisticsError.insufficientData("the outcome is \(events == 0 ? 0 : 1) for everyone: "
                                                   + "nothing to model")
        }
        // R rescales the weights to mean 1 among the rows used; the estimates and their covariance
        // do not change, but the deviance and the working weights are then R's.
        let raw = rows.map { weights[$0] }, meanWeight = raw.reduce(0, +) / Double(n)
        let w = raw.map { $0 / meanWeight }
        var x = Array(repeating: 1.0, count: n * p)
        for (j, column) in predictors.enumerated() { for i in 0..<n { x[i * p + j + 1] = column[i] } }

        var beta = Array(repeating: 0.0, count: p), mu = Array(repeating: 0.0, count: n)
        var deviance = Double.infinity
        var iterations = 0, converged = false
        while iterations < 50, !converged {
            iterations += 1
            var xtwx = Array(repeating: 0.0, count: p * p), xtwz = Array(repeating: 0.0, count: p)
            var newDeviance = 0.0
            for i in 0..<n {
                var eta = 0.0
                for j in 0..<p { eta += x[i * p + j] * beta[j] }
                let m = 1 / (1 + exp(-eta))
                mu[i] = m
                let working = max(m * (1 - m), 1e-300) * w[i]
                let z = working * eta + w[i] * (y[i] - m)
                for a in 0..<p {
                    xtwz[a] += x[i * p + a] * z
                    for b in 0..<p { xtwx[a * p + b] += working * x[i * p + a] * x[i * p + b] }
                }
                newDeviance -= 2 * w[i] * log(max(y[i] == 1 ? m : 1 - m, 1e-300))
            }
            converged = abs(newDeviance - deviance) < 1e-10 * (abs(newDeviance) + 0.1)
            deviance = newDeviance
            beta = try Matrix.solve(xtwx, p, xtwz, 1)
            guard beta.allSatisfy(\.isFinite) else { throw StatisticsError.insufficientData("the design is singular") }
        }
        if mu.contains(where: { $0 < 1e-10 || $0 > 1 - 1e-10 }) {
            throw StatisticsError.insufficientData("perfect or quasi-complete separation: some fitted probabilities "
                                                   + "are 0 or 1, so the odds ratios are infinite; remove or combine "
                                                   + "the predictor that separates the outcome")
        }
        guard converged else {
            throw StatisticsError.insufficientData("logistic regression did not converge in 50 iterations")
        }
        // At the estimates: A = X'WX with the working weights, and each row's influence A⁻¹ x w (y - μ).
        var a = Array(repeating: 0.0, count: p * p)
        for i in 0..<n {
            let working = mu[i] * (1 - mu[i]) * w[i]
            for r in 0..<p { for c in 0..<p { a[r * p + c] += working * x[i * p + r] * x[i * p + c] } }
        }
        var identity = Array(repeating: 0.0, count: p * p)
        for j in 0..<p { identity[j * p + j] = 1 }
        let inverse = try Matrix.solve(a, p, identity, p)
        var influence = Array(repeating: 0.0, count: n * p)
        for i in 0..<n {
            let residual = w[i] * (y[i] - mu[i])
            for r in 0..<p {
                var sum = 0.0
                for c in 0..<p { sum += inverse[r * p + c] * x[i * p + c] }
                influence[i * p + r] = sum * residual
            }
        }
        let covariance = linearisedCovariance(rows: rows, influence: influence, dimension: p)

        // degf of the rows in the model (clusters with one, less their strata), plus 1, less p.
        var clusterSeen = Set<Int32>(), strataSeen = Set<Int32>()
        for row in rows {
            clusterSeen.insert(clusters?[row] ?? Int32(truncatingIfNeeded: row))
            strataSeen.insert(strata[row])
        }
        let df = Double(clusterSeen.count - strataSeen.count + 1 - p)
        guard df > 0 else {
            throw StatisticsError.insufficientData("the design has too few clusters for \(p) coefficients")
        }
        let t = gsl_cdf_tdist_Pinv(1 - (1 - confidence) / 2, df)
        let coefficients = (0..<p).map { j -> Coefficient in
            let se = covariance[j * p + j].squareRoot(), statistic = beta[j] / se
            return Coefficient(name: j == 0 ? "intercept" : names[j - 1], estimate: beta[j], se: se,
                               statistic: statistic, pValue: 2 * gsl_cdf_tdist_Q(abs(statistic), df),
                               lower: beta[j] - t * se, upper: beta[j] + t * se)
        }
        return RegressionFit(coefficients: coefficients, n: n, nMissing: 0, df: df, rSquared: nil,
                             adjustedRSquared: nil, iterations: iterations, deviance: deviance,
                             covariance: .design, confidence: confidence)
    }

    /// The linearisation covariance of estimates whose influence per row in `rows` is given
    /// (`dimension` values each; every other row has none), less the raking's projection for every row:
    /// totals by cluster (or per row), centred within strata, times n_h / (n_h - 1), as `svyrecvar`.
    func linearisedCovariance(rows: [Int], influence: [Double], dimension k: Int) -> [Double] {
        var positionOf = [Int32](repeating: -1, count: count)
        for (position, row) in rows.enumerated() { positionOf[row] = Int32(position) }
        // The raking's adjustment of each estimate, per raking cell: from each cell's sum of influence / weight.
        let calibration: [[Double]]? = raking.map { raking in
            (0..<k).map { a in
                var inCell = Array(repeating: 0.0, count: cellCount)
                for (position, row) in rows.enumerated() {
                    inCell[Int(cellOfRow[row])] += influence[position * k + a] / weights[row]
                }
                return projection(inCell: inCell, raking: raking)
            }
        }
        return covariance(dimension: k) { row, z in
            let position = Int(positionOf[row])
            if position < 0, calibration == nil { return false }
            for a in 0..<k {
                let own = position < 0 ? 0 : influence[position * k + a]
                z[a] = own - (calibration?[a][Int(cellOfRow[row])] ?? 0) * weights[row]
            }
            return true
        }
    }
}
