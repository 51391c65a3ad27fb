import CGSL

/// The Stuart-Maxwell test that a square table's row and column margins are the same
/// (for a transition table: that the distribution across levels did not change between waves).
public struct StuartMaxwellTest: Sendable, Equatable {
    public var statistic: Double
    public var df: Int
    public var pValue: Double
    /// Observations in the table.
    public var n: Int
}

public enum Contingency {
    /// Stuart-Maxwell test of marginal homogeneity for a k x k table of counts.
    ///
    /// Matches statsmodels `SquareTable(table).homogeneity(method="stuart_maxwell")`: the last
    /// category is dropped, d = column margins - row margins, V has row_i + col_i - 2 n_ii on the
    /// diagonal and -(n_ij + n_ji) off it, and n d'V⁻¹d is referred to chi-square on k - 1 df.
    /// Categories empty at both waves carry no information and would make V singular, so they are
    /// dropped first (statsmodels returns NaN there; on the reduced table the two agree). V is solved
    /// by LU decomposition (`gsl_linalg_LU_decomp`); a V that is still singular is an error.
    public static func stuartMaxwell(_ fullTable: [[Int]]) throws -> StuartMaxwellTest {
        guard fullTable.count >= 2, fullTable.allSatisfy({ $0.count == fullTable.count }) else {
            throw StatisticsError.invalidArgument("the Stuart-Maxwell test needs a square table of at least 2 x 2")
        }
        let used = fullTable.indices.filter { i in
            fullTable[i].reduce(0, +) + fullTable.reduce(0) { $0 + $1[i] } > 0
        }
        let table = used.map { i in used.map { j in fullTable[i][j] } }
        let k = table.count
        guard k >= 2 else {
            throw StatisticsError.insufficientData("everyone is in one category at both waves: nothing to compare")
        }
        let n = table.joined().reduce(0, +)
        guard n > 0 else { throw StatisticsError.insufficientData("the table is empty") }
        guard table.joined().allSatisfy({ $0 >= 0 }) else { throw StatisticsError.invalidArgument("counts must not be negative") }
        _ = GSL.ready
        let m = k - 1
        let total = Double(n)
        var d = [Double](repeating: 0, count: m)
        var v = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            let row = Double(table[i].reduce(0, +)) / total
            let column = Double(table.reduce(0) { $0 + $1[i] }) / total
            d[i] = column - row
            for j in 0..<m {
                v[i * m + j] = i == j ? row + column - 2 * Double(table[i][i]) / total
                                      : -Double(table[i][j] + table[j][i]) / total
            }
        }
        // Solve V x = d with LU; GSL reports a singular V as a zero pivot.
        var x = [Double](repeating: 0, count: m)
        try v.withUnsafeMutableBufferPointer { vBuffer in
            try d.withUnsafeMutableBufferPointer { dBuffer in
                try x.withUnsafeMutableBufferPointer { xBuffer in
                    var vView = gsl_matrix_view_array(vBuffer.baseAddress, m, m)
                    var dView = gsl_vector_view_array(dBuffer.baseAddress, m)
                    var xView = gsl_vector_view_array(xBuffer.baseAddress, m)
                    let permutation = gsl_permutation_alloc(m)
                    defer { gsl_permutation_free(permutation) }
                    var sign: Int32 = 0
                    try GSL.check(gsl_linalg_LU_decomp(&vView.matrix, permutation, &sign), "gsl_linalg_LU_decomp")
                    if (0..<m).contains(where: { abs(gsl_matrix_get(&vView.matrix, $0, $0)) < 1e-14 }) {
                        throw StatisticsError.insufficientData("the covariance of the margin differences is singular")
                    }
                    try GSL.check(gsl_linalg_LU_solve(&vView.matrix, permutation, &dView.vector, &xView.vector), "gsl_linalg_LU_solve")
                }
            }
        }
        var statistic = 0.0
        for i in 0..<m { statistic += d[i] * x[i] }
        statistic *= total
        return StuartMaxwellTest(statistic: statistic, df: m, pValue: gsl_cdf_chisq_Q(statistic, Double(m)), n: n)
    }
}
