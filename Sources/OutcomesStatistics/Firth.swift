import CGSL

/// Firth's penalised-likelihood logistic regression (Firth 1993; Heinze and Schemper 2002), for separated
/// data, where maximum likelihood has no finite estimate. Maximises ℓ*(β) = ℓ(β) + ½ log|X'WX|.
public struct FirthFit: Sendable, Equatable {
    /// Estimates with standard errors from the inverse penalised information (as logistf and brglm2), and
    /// profile penalised-likelihood intervals and penalised likelihood-ratio p-values (as logistf).
    public var coefficients: [Coefficient]
    public var n: Int
    public var nMissing: Int
    public var iterations: Int
    /// The penalised log-likelihood at the estimates.
    public var penalisedLogLikelihood: Double
    public var confidence: Double

    public func coefficient(_ name: String) -> Coefficient? { coefficients.first { $0.name == name } }
}

extension Regression {
    /// Fits Firth's penalised logistic regression of `y` (0/1; NaN rows left out) on `predictors` with an
    /// intercept: Newton steps on the modified score U*(β) = X'(y - π + h(½ - π)), h the hat diagonal,
    /// halved while ℓ* falls (as logistf). Intervals are where 2(ℓ*(β̂) - max ℓ* with β_j fixed) reaches
    /// the χ²₁ quantile; p-values from the same statistic at β_j = 0.
    public static func firth(y: [Double], predictors: [[Double]], names: [String],
                             confidence: Double = 0.95) throws -> FirthFit {
        guard y.allSatisfy({ $0.isNaN || $0 == 0 || $0 == 1 }) else {
            throw StatisticsError.invalidArgument("a logistic regression outcome must be 0 or 1")
        }
        let d = mergingIdenticalRows(try design(y: y, predictors: predictors, names: names, covariance: .classical))
        let model = FirthModel(d)
        let full = try model.maximise(fixed: nil, start: [Double](repeating: 0, count: d.p))
        let quantile = gsl_cdf_chisq_Pinv(confidence, 1)
        var coefficients: [Coefficient] = []
        for j in 0..<d.p {
            let se = full.inverse[j * d.p + j].squareRoot()
            // The profile statistic at β_j = b: 2(ℓ*(β̂) - ℓ*_j(b)).
            func statistic(_ b: Double) throws -> Double {
                var start = full.beta
                start[j] = b
                return 2 * (full.value - (try model.maximise(fixed: (j, b), start: start)).value)
            }
            func limit(_ direction: Double) throws -> Double {
                var inside = full.beta[j], step = max(se, 1e-3), outside = inside + direction * step
                var tries = 0
                while try statistic(outside) < quantile {
                    inside = outside; step *= 2; outside = inside + direction * step; tries += 1
                    if tries > 40 { return direction * .infinity }
                }
                for _ in 0..<80 {
                    let middle = (inside + outside) / 2
                    if try statistic(middle) < quantile { inside = middle } else { outside = middle }
                    if abs(outside - inside) < 1e-10 * max(1, abs(inside)) { break }
                }
                return (inside + outside) / 2
            }
            let chi = max(0, try statistic(0))
            coefficients.append(Coefficient(name: d.names[j], estimate: full.beta[j], se: se,
                                            statistic: chi, pValue: gsl_cdf_chisq_Q(chi, 1),
                                            lower: try limit(-1), upper: try limit(1)))
        }
        return FirthFit(coefficients: coefficients, n: d.n, nMissing: d.missing, iterations: full.iterations,
                        penalisedLogLikelihood: full.value, confidence: confidence)
    }
}

/// The penalised likelihood of one design, maximised over all coefficients or with one of them fixed.
struct FirthModel {
    let d: Regression.Design
    let counts: [Double]

    init(_ d: Regression.Design) {
        self.d = d
        counts = d.counts ?? [Double](repeating: 1, count: d.y.count)
    }

    struct State { var value: Double; var score: [Double]; var information: [Double]; var inverse: [Double] }

    /// ℓ*(β), the modified score, X'WX and its inverse; nil where X'WX is not positive definite.
    func evaluate(_ beta: [Double]) -> State? {
        let p = d.p, rows = d.y.count
        var information = [Double](repeating: 0, count: p * p), loglik = 0.0
        var probability = [Double](repeating: 0, count: rows)
        for i in 0..<rows {
            var eta = 0.0
            for j in 0..<p { eta += d.x[i * p + j] * beta[j] }
            let pi = 1 / (1 + exp(-eta))
            probability[i] = pi
            let w = counts[i] * max(pi * (1 - pi), 1e-300)
            for a in 0..<p { for b in a..<p { information[a * p + b] += w * d.x[i * p + a] * d.x[i * p + b] } }
            // log π = -log(1 + e^-η), log(1 - π) = -log(1 + e^η), without overflow.
            loglik += counts[i] * (d.y[i] == 1 ? -softplus(-eta) : -softplus(eta))
        }
        for a in 0..<p { for b in 0..<a { information[a * p + b] = information[b * p + a] } }
        guard let (inverse, logDeterminant) = Self.invert(information, p) else { return nil }
        var score = [Double](repeating: 0, count: p)
        for i in 0..<rows {
            let pi = probability[i], w = counts[i] * pi * (1 - pi)
            var quadratic = 0.0
            for a in 0..<p { for b in 0..<p { quadratic += d.x[i * p + a] * inverse[a * p + b] * d.x[i * p + b] } }
            let h = w * quadratic        // the hat diagonal of this row's `count` observations together
            let residual = counts[i] * (d.y[i] - pi) + h * (0.5 - pi)
            for j in 0..<p { score[j] += d.x[i * p + j] * residual }
        }
        return State(value: loglik + 0.5 * logDeterminant, score: score, information: information, inverse: inverse)
    }

    func softplus(_ x: Double) -> Double { x > 30 ? x : log1p(exp(x)) }

    /// The maximum of ℓ*, over every coefficient or with coefficient `fixed.0` held at `fixed.1`.
    func maximise(fixed: (Int, Double)?, start: [Double]) throws
        -> (beta: [Double], value: Double, inverse: [Double], iterations: Int) {
        let p = d.p
        let free = (0..<p).filter { $0 != fixed?.0 }
        var beta = start
        guard var state = evaluate(beta) else { throw StatisticsError.insufficientData("the design is singular") }
        for iteration in 1...200 {
            // Newton on the free coefficients: their block of X'WX against their modified score.
            let q = free.count
            var block = [Double](repeating: 0, count: q * q)
            for (a, i) in free.enumerated() {
                for (b, j) in free.enumerated() { block[a * q + b] = state.information[i * p + j] }
            }
            guard let (blockInverse, _) = Self.invert(block, q) else {
                throw StatisticsError.insufficientData("the design is singular")
            }
            var step = [Double](repeating: 0, count: p)
            for (a, i) in free.enumerated() {
                step[i] = free.indices.reduce(0) { $0 + blockInverse[a * q + $1] * state.score[free[$1]] }
            }
            // Steps of at most 5 on the log-odds scale, halved while ℓ* falls.
            let largest = step.map(abs).max() ?? 0
            if largest > 5 { step = step.map { $0 * 5 / largest } }
            var scale = 1.0, next: State?
            for _ in 0..<30 {
                let candidate = zip(beta, step).map { $0 + scale * $1 }
                if let trial = evaluate(candidate), trial.value >= state.value - 1e-12 * abs(state.value) {
                    next = trial; beta = candidate; break
                }
                scale /= 2
            }
            // No step raises ℓ*: at the maximum to rounding.
            guard let next else { return (beta, state.value, state.inverse, iteration) }
            state = next
            let moved = (step.map(abs).max() ?? 0) * scale
            let scoreSize = free.map { abs(state.score[$0]) }.max() ?? 0
            if moved < 1e-10 * (1 + (beta.map(abs).max() ?? 0)) || scoreSize < 1e-11 {
                return (beta, state.value, state.inverse, iteration)
            }
        }
        throw StatisticsError.insufficientData("Firth's penalised likelihood did not converge in 200 iterations")
    }

    /// The inverse and log-determinant of a symmetric positive-definite matrix, by GSL's Cholesky.
    static func invert(_ matrix: [Double], _ n: Int) -> ([Double], Double)? {
        _ = GSL.ready
        var a = matrix
        return a.withUnsafeMutableBufferPointer { buffer -> ([Double], Double)? in
            var view = gsl_matrix_view_array(buffer.baseAddress, n, n)
            guard gsl_linalg_cholesky_decomp1(&view.matrix) == Int32(GSL_SUCCESS) else { return nil }
            var logDeterminant = 0.0
            for i in 0..<n { logDeterminant += 2 * log(buffer[i * n + i]) }
            guard gsl_linalg_cholesky_invert(&view.matrix) == Int32(GSL_SUCCESS) else { return nil }
            return (Array(buffer), logDeterminant)
        }
    }
}
