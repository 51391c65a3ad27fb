import CGSL

/// A design-based test of independence in a two-way table: Pearson's X² of the weighted table with
/// Rao and Scott's second-order correction, as R's `svychisq(~row + column, design, statistic = "F")`.
public struct RaoScottTest: Sendable, Equatable {
    /// Pearson's X² of the weighted table scaled to the number of respondents.
    public var pearson: Double
    /// F = X² / trace(Δ), on `numeratorDF` = d₀ and `denominatorDF` = d₀ · ν degrees of freedom.
    public var statistic: Double
    public var numeratorDF: Double
    public var denominatorDF: Double
    public var pValue: Double
    /// The mean generalised design effect, trace(Δ) / ((r - 1)(c - 1)).
    public var meanDesignEffect: Double
    /// Respondents in the table.
    public var n: Int
}

extension SurveyDesign {
    /// Rao and Scott's test that `rowOf` and `columnOf` (each row's level, -1 outside the table) are
    /// independent among the rows in both, with the design's variance of the cell shares (raking
    /// included): `svychisq(~r + c, subset(design, in table))`. As there, ν is the whole design's clusters
    /// less its strata (R's subset keeps every row, at weight 0).
    /// Levels no row in the table has are left out, as R's table does.
    public func raoScott(rowOf: [Int32], columnOf: [Int32]) throws -> RaoScottTest {
        _ = GSL.ready
        // Levels are small codes: which are present, and each one's place, by array rather than hashing
        // (this runs once per row for every test).
        var rowPresent = [Bool](), columnPresent = [Bool](), inTable = 0
        for row in 0..<count where rowOf[row] >= 0 && columnOf[row] >= 0 {
            let (i, j) = (Int(rowOf[row]), Int(columnOf[row]))
            if i >= rowPresent.count { rowPresent += Array(repeating: false, count: i + 1 - rowPresent.count) }
            if j >= columnPresent.count { columnPresent += Array(repeating: false, count: j + 1 - columnPresent.count) }
            (rowPresent[i], columnPresent[j]) = (true, true)
            inTable += 1
        }
        func places(_ present: [Bool]) -> [Int] {
            var next = 0
            return present.map { isPresent in
                guard isPresent else { return -1 }
                next += 1
                return next - 1
            }
        }
        let rowPlace = places(rowPresent), columnPlace = places(columnPresent)
        let r = rowPresent.filter { $0 }.count, c = columnPresent.filter { $0 }.count, k = r * c
        guard r >= 2, c >= 2 else {
            throw StatisticsError.insufficientData("a test of independence needs two or more groups and outcomes")
        }
        // Each row's cell, rows varying fastest (R's interaction order); -1 outside the table.
        var cellOf = Array(repeating: -1, count: count)
        for row in 0..<count where rowOf[row] >= 0 && columnOf[row] >= 0 {
            cellOf[row] = rowPlace[Int(rowOf[row])] + r * columnPlace[Int(columnOf[row])]
        }

        // The cell shares, and the design's covariance of them.
        let (means, variance) = cellShares(cellOf, cells: k)
        let degreesOfFreedom = clusterCount - strataCount

        // C: the interaction columns of the saturated model, less their projection on the main effects.
        let main = 1 + (r - 1) + (c - 1), interactions = (r - 1) * (c - 1)
        var x1 = Array(repeating: 0.0, count: k * main), x12 = Array(repeating: 0.0, count: k * interactions)
        for cell in 0..<k {
            let i = cell % r, j = cell / r
            x1[cell * main] = 1
            if i > 0 { x1[cell * main + i] = 1 }
            if j > 0 { x1[cell * main + (r - 1) + j] = 1 }
            if i > 0, j > 0 { x12[cell * interactions + (i - 1) + (r - 1) * (j - 1)] = 1 }
        }
        let xtx = Matrix.product(x1, transposing: true, x1, k, main, main)
        let xtc = Matrix.product(x1, transposing: true, x12, k, main, interactions)
        let coefficients = try Matrix.solve(xtx, main, xtc, interactions)
        let fitted = Matrix.product(x1, transposing: false, coefficients, k, main, interactions)
        let cMatrix = zip(x12, fitted).map { $0 - $1 }

        // Δ = (C' D⁻¹ C / N)⁻¹ (C' D⁻¹ V D⁻¹ C), with D the diagonal of the shares.
        let n = Double(inTable)
        let inverse = means.map { $0 == 0 ? 0 : 1 / $0 }
        var scaled = cMatrix                                   // D⁻¹ C
        for cell in 0..<k { for a in 0..<interactions { scaled[cell * interactions + a] *= inverse[cell] } }
        let denominator = Matrix.product(cMatrix, transposing: true, scaled, k, interactions, interactions)
            .map { $0 / n }
        let vScaled = Matrix.product(variance, transposing: false, scaled, k, k, interactions)
        let numerator = Matrix.product(scaled, transposing: true, vScaled, k, interactions, interactions)
        let delta = try Matrix.solve(denominator, interactions, numerator, interactions)
        var trace = 0.0, traceOfSquare = 0.0
        for a in 0..<interactions {
            trace += delta[a * interactions + a]
            for b in 0..<interactions { traceOfSquare += delta[a * interactions + b] * delta[b * interactions + a] }
        }
        // Pearson's X² of the weighted table scaled to n respondents.
        var rowShare = Array(repeating: 0.0, count: r), columnShare = Array(repeating: 0.0, count: c)
        for cell in 0..<k {
            rowShare[cell % r] += means[cell]
            columnShare[cell / r] += means[cell]
        }
        var pearson = 0.0
        for cell in 0..<k {
            let expected = rowShare[cell % r] * columnShare[cell / r]
            if expected > 0 { pearson += n * (means[cell] - expected) * (means[cell] - expected) / expected }
        }
        guard trace > 0, degreesOfFreedom > 0 else {
            throw StatisticsError.insufficientData("the design gives no variance for a test of these shares")
        }
        let d0 = trace * trace / traceOfSquare, statistic = pearson / trace
        return RaoScottTest(pearson: pearson, statistic: statistic, numeratorDF: d0,
                            denominatorDF: d0 * Double(degreesOfFreedom),
                            pValue: gsl_cdf_fdist_Q(statistic, d0, d0 * Double(degreesOfFreedom)),
                            meanDesignEffect: trace / Double(interactions), n: inTable)
    }

    /// The weighted share of each cell among the rows in one (`cellOf` -1: in none), and their
    /// linearisation covariance from each row's influence w (I_k - m_k) / W, less the raking's
    /// adjustment of its raking cell (for every row).
    func cellShares(_ cellOf: [Int], cells k: Int) -> (means: [Double], covariance: [Double]) {
        // n, w and w² are the same for every cell's indicator; only the row's own cell has y = 1.
        var shared = DomainSums(size: unitCount * cellCount)
        var hits = Array(repeating: DomainSums(size: unitCount * cellCount), count: k)
        var total = 0.0
        for row in 0..<count where cellOf[row] >= 0 {
            let index = Int(unitOfRow[row]) * cellCount + Int(cellOfRow[row])
            shared.add(index, value: 0, weight: weights[row])
            hits[cellOf[row]].add(index, value: 1, weight: weights[row])
            total += weights[row]
        }
        let sums = hits.map { hit in
            var cell = shared
            (cell.y, cell.wy, cell.wyy, cell.w2y, cell.w2yy) = (hit.y, hit.wy, hit.wyy, hit.w2y, hit.w2yy)
            return cell
        }
        let means = sums.map { $0.wy.reduce(0, +) / total }
        let calibration = raking.map { raking in
            (0..<k).map { projection(sums[$0], mean: means[$0], total: total, raking: raking) }
        }
        let v = covariance(dimension: k) { row, z in
            let cell = cellOf[row], w = weights[row]
            // Outside the table and without raking, a row adds nothing.
            if cell < 0, calibration == nil { return false }
            for a in 0..<k {
                let own = cell < 0 ? 0 : w * ((cell == a ? 1 : 0) - means[a]) / total
                z[a] = own - (calibration?[a][Int(cellOfRow[row])] ?? 0) * w
            }
            return true
        }
        return (means, v)
    }
}

/// Small dense matrices, row-major, through GSL's BLAS and LU.
enum Matrix {
    /// A' B (or A B): A is rows x inner (as stored, before transposing), B inner' x columns.
    static func product(_ a: [Double], transposing: Bool, _ b: [Double], _ aRows: Int, _ aColumns: Int,
                        _ bColumns: Int) -> [Double] {
        let outRows = transposing ? aColumns : aRows
        var out = Array(repeating: 0.0, count: outRows * bColumns)
        var a = a, b = b
        a.withUnsafeMutableBufferPointer { aBuffer in
            b.withUnsafeMutableBufferPointer { bBuffer in
                out.withUnsafeMutableBufferPointer { outBuffer in
                    let aView = gsl_matrix_view_array(aBuffer.baseAddress, aRows, aColumns)
                    let bView = gsl_matrix_view_array(bBuffer.baseAddress, transposing ? aRows : aColumns, bColumns)
                    var outView = gsl_matrix_view_array(outBuffer.baseAddress, outRows, bColumns)
                    withUnsafePointer(to: aView.matrix) { aMatrix in
                        withUnsafePointer(to: bView.matrix) { bMatrix in
                            _ = gsl_blas_dgemm(transposing ? CblasTrans : CblasNoTrans, CblasNoTrans, 1, aMatrix,
                                               bMatrix, 0, &outView.matrix)
                        }
                    }
                }
            }
        }
        return out
    }

    /// X with A X = B, A n x n, B n x columns; a singular A is an error.
    static func solve(_ a: [Double], _ n: Int, _ b: [Double], _ columns: Int) throws -> [Double] {
        var a = a, x = Array(repeating: 0.0, count: n * columns)
        let permutation = gsl_permutation_alloc(n)
        defer { gsl_permutation_free(permutation) }
        try a.withUnsafeMutableBufferPointer { aBuffer in
            var aView = gsl_matrix_view_array(aBuffer.baseAddress, n, n)
            var sign: Int32 = 0
            try GSL.check(gsl_linalg_LU_decomp(&aView.matrix, permutation, &sign), "gsl_linalg_LU_decomp")
            let largest = (0..<n).map { abs(gsl_matrix_get(&aView.matrix, $0, $0)) }.max() ?? 0
            if (0..<n).contains(where: { abs(gsl_matrix_get(&aView.matrix, $0, $0)) <= 1e-12 * largest }) {
                throw StatisticsError.insufficientData("the design's covariance of the table is singular")
            }
            var column = Array(repeating: 0.0, count: n), solution = column
            for j in 0..<columns {
                for i in 0..<n { column[i] = b[i * columns + j] }
                try column.withUnsafeMutableBufferPointer { cBuffer in
                    try solution.withUnsafeMutableBufferPointer { sBuffer in
                        var cView = gsl_vector_view_array(cBuffer.baseAddress, n)
                        var sView = gsl_vector_view_array(sBuffer.baseAddress, n)
                        try GSL.check(gsl_linalg_LU_solve(&aView.matrix, permutation, &cView.vector, &sView.vector),
                                      "gsl_linalg_LU_solve")
                    }
                }
                for i in 0..<n { x[i * columns + j] = solution[i] }
            }
        }
        return x
    }
}
