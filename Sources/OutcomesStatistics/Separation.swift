/// Exact detection of (quasi-)complete separation in a logistic regression, by Konis's (2007) linear
/// program, as R's detectseparation does: the maximum likelihood estimates are infinite exactly when some
/// direction β ≠ 0 has s_i x_i'β ≥ 0 for every row (s_i = +1 for an event, -1 otherwise), i.e. when
///
///     maximise Σ_i s_i x_i'β  subject to  s_i x_i'β ≥ 0 for every i, -1 ≤ β_j ≤ 1
///
/// has a positive optimum; the optimal β points along which coefficients run off to ±infinity.
/// A test of fitted probabilities near 0 or 1 misses separation when the iterations stop first.
public enum Separation {
    public struct Result: Sendable, Equatable {
        /// Whether the data are separated (complete or quasi-complete): no finite maximum likelihood estimate.
        public var separated: Bool
        /// Per coefficient (intercept first): +1 or -1 where the estimate is infinite in that direction, 0 where
        /// finite.
        public var infinite: [Int]
        /// The names of the coefficients that are infinite.
        public var names: [String]
    }

    /// Checks the logistic model of `y` (0/1; NaN rows left out) on `predictors` with an intercept.
    public static func check(y: [Double], predictors: [[Double]], names: [String]) throws -> Result {
        let d = try Regression.design(y: y, predictors: predictors, names: names, covariance: .classical)
        return check(d)
    }

    static func check(_ d: Regression.Design) -> Result {
        let p = d.p
        // Rows with the same covariates and outcome give the same constraint: keep one of each.
        var seen = Set<[UInt64]>(), rows: [[Double]] = []
        for i in 0..<d.y.count {
            let sign = d.y[i] == 1 ? 1.0 : -1.0
            let row = (0..<p).map { sign * d.x[i * p + $0] }
            if seen.insert(row.map(\.bitPattern)).inserted { rows.append(row) }
        }
        let objective = (0..<p).map { j in rows.reduce(0) { $0 + $1[j] } }
        let beta = LinearProgram.maximiseOverBox(rows: rows, objective: objective)
        let value = zip(objective, beta).reduce(0) { $0 + $1.0 * $1.1 }
        let scale = objective.reduce(0) { $0 + abs($1) } + 1
        guard value > 1e-9 * scale else {
            return Result(separated: false, infinite: Array(repeating: 0, count: p), names: [])
        }
        let infinite = beta.map { abs($0) < 1e-9 ? 0 : ($0 > 0 ? 1 : -1) }
        return Result(separated: true, infinite: infinite,
                      names: infinite.indices.filter { infinite[$0] != 0 }.map { d.names[$0] })
    }
}

/// A dense simplex method in dictionary form (Chvátal 1983), with Bland's rule so that it terminates on
/// the degenerate problems separation gives (every constraint passes through the origin). The dictionary
/// keeps one row per basic variable over the 2p nonbasic ones, so a pivot costs O(rows · p), not
/// O(rows²): thousands of distinct covariate patterns are cheap.
enum LinearProgram {
    /// maximise c'β subject to A β ≥ 0 (each row of `rows`) and -1 ≤ β_j ≤ 1, from β = 0 (feasible).
    static func maximiseOverBox(rows: [[Double]], objective c: [Double]) -> [Double] {
        // Nonbasic at the start: β⁺_j (number j) and β⁻_j (number p + j), with β = β⁺ - β⁻.
        let p = c.count, k = 2 * p
        let m = rows.count + k              // basic at the start: one slack per row, then the box slacks
        // Each basic variable = b - Σ a x_nonbasic; variables are numbered 0..<k (structural), k..<k+m (slacks).
        var a = [Double](repeating: 0, count: m * k), b = [Double](repeating: 0, count: m)
        for (i, row) in rows.enumerated() {
            for j in 0..<p { a[i * k + j] = -row[j]; a[i * k + p + j] = row[j] }
        }
        for j in 0..<k { a[(rows.count + j) * k + j] = 1; b[rows.count + j] = 1 }
        var z = (0..<p).map { c[$0] } + (0..<p).map { -c[$0] }   // objective over the nonbasic variables
        var nonbasic = Array(0..<k), basic = Array(k..<(k + m))
        let tolerance = 1e-12
        for _ in 0..<(50 * (m + k)) {
            // Bland: the entering variable is the lowest-numbered with a positive reduced cost.
            guard let e = (0..<k).filter({ z[$0] > tolerance }).min(by: { nonbasic[$0] < nonbasic[$1] }) else { break }
            // The leaving row: the tightest ratio b_i / a_ie over a_ie > 0, ties to the lowest-numbered variable.
            var leave = -1, best = Double.infinity
            for i in 0..<m where a[i * k + e] > tolerance {
                let ratio = b[i] / a[i * k + e]
                if ratio < best - 1e-15 || (abs(ratio - best) <= 1e-15 && leave >= 0 && basic[i] < basic[leave]) {
                    best = ratio; leave = i
                }
            }
            guard leave >= 0 else { break }   // unbounded: impossible within the box
            // Pivot: the entering variable takes the leaving row.
            let pivot = a[leave * k + e]
            for j in 0..<k { a[leave * k + j] /= pivot }
            b[leave] /= pivot
            a[leave * k + e] = 1 / pivot
            for i in 0..<m where i != leave {
                let factor = a[i * k + e]
                if factor == 0 { continue }
                for j in 0..<k where j != e { a[i * k + j] -= factor * a[leave * k + j] }
                a[i * k + e] = -factor * a[leave * k + e]
                b[i] -= factor * b[leave]
            }
            let factor = z[e]
            for j in 0..<k where j != e { z[j] -= factor * a[leave * k + j] }
            z[e] = -factor * a[leave * k + e]
            swap(&basic[leave], &nonbasic[e])
        }
        var x = [Double](repeating: 0, count: k)
        for i in 0..<m where basic[i] < k { x[basic[i]] = b[i] }
        return (0..<p).map { x[$0] - x[p + $0] }
    }
}
