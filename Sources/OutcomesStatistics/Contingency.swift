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

/// Pearson's chi-square test of independence for an r x c table.
public struct ChiSquareTest: Sendable, Equatable {
    public var statistic: Double
    public var df: Int
    public var pValue: Double
    /// Expected counts under independence, row by row.
    public var expected: [[Double]]
    /// Whether any expected count is below 5 (the approximation is then doubtful: use Fisher's test for 2 x 2).
    public var smallExpected: Bool
    /// Whether Yates' continuity correction was applied (2 x 2 only).
    public var yates: Bool
    public var n: Int
}

/// Fisher's exact test for a 2 x 2 table.
public struct FisherExactTest: Sendable, Equatable {
    /// The sample odds ratio ad / bc (infinite or zero with an empty cell, as SciPy reports).
    public var oddsRatio: Double
    public var pValue: Double
}

extension Contingency {
    /// Pearson's chi-square test of independence, with expected counts and a flag when any is below 5.
    /// For a 2 x 2 table Yates' correction is applied when `yates` is true (SciPy's default).
    ///
    /// Matches `scipy.stats.chi2_contingency(table, correction=yates)`. Rows or columns that are all
    /// zero make expected counts zero: an error, as in SciPy.
    public static func chiSquare(_ table: [[Int]], yates: Bool = true) throws -> ChiSquareTest {
        let rows = table.count, columns = table.first?.count ?? 0
        guard rows >= 2, columns >= 2, table.allSatisfy({ $0.count == columns }), table.joined().allSatisfy({ $0 >= 0 }) else {
            throw StatisticsError.invalidArgument("a chi-square test needs a table of at least 2 x 2 counts")
        }
        _ = GSL.ready
        let rowTotals = table.map { Double($0.reduce(0, +)) }
        let columnTotals = (0..<columns).map { j in Double(table.reduce(0) { $0 + $1[j] }) }
        let n = rowTotals.reduce(0, +)
        guard rowTotals.allSatisfy({ $0 > 0 }), columnTotals.allSatisfy({ $0 > 0 }) else {
            throw StatisticsError.insufficientData("a row or column of the table is empty: expected counts of zero")
        }
        let expected = rowTotals.map { r in columnTotals.map { c in r * c / n } }
        let correct = yates && rows == 2 && columns == 2
        var statistic = 0.0
        for i in 0..<rows {
            for j in 0..<columns {
                var difference = abs(Double(table[i][j]) - expected[i][j])
                // Yates: move each observed count 0.5 towards its expected count, never past it.
                if correct { difference = max(0, difference - 0.5) }
                statistic += difference * difference / expected[i][j]
            }
        }
        let df = (rows - 1) * (columns - 1)
        return ChiSquareTest(statistic: statistic, df: df, pValue: gsl_cdf_chisq_Q(statistic, Double(df)), expected: expected,
                             smallExpected: expected.joined().contains { $0 < 5 }, yates: correct, n: Int(n))
    }

    /// Cramér's V = √(χ² / (n (min(r, c) - 1))), from the uncorrected chi-square.
    ///
    /// Matches `scipy.stats.contingency.association(table, method="cramer")`.
    public static func cramersV(_ table: [[Int]]) throws -> Double {
        let test = try chiSquare(table, yates: false)
        let k = min(table.count, table[0].count)
        return (test.statistic / (Double(test.n) * Double(k - 1))).squareRoot()
    }

    /// Fisher's exact test for a 2 x 2 table, two-sided as SciPy: the probability of every table with
    /// the same margins that is no more likely than the one observed (relative tolerance 1e-7), from the
    /// hypergeometric distribution (`gsl_ran_hypergeometric_pdf`).
    ///
    /// Matches `scipy.stats.fisher_exact(table)`.
    public static func fisherExact(_ table: [[Int]]) throws -> FisherExactTest {
        guard table.count == 2, table.allSatisfy({ $0.count == 2 }), table.joined().allSatisfy({ $0 >= 0 }) else {
            throw StatisticsError.invalidArgument("Fisher's exact test here takes a 2 x 2 table of counts")
        }
        _ = GSL.ready
        let (a, b, c, d) = (table[0][0], table[0][1], table[1][0], table[1][1])
        let oddsRatio: Double = (b * c == 0) ? (a * d == 0 ? .nan : .infinity) : Double(a * d) / Double(b * c)
        let row1 = a + b, column1 = a + c, n = a + b + c + d
        guard row1 > 0, c + d > 0, column1 > 0, b + d > 0 else {
            return FisherExactTest(oddsRatio: oddsRatio, pValue: 1)
        }
        // a follows a hypergeometric distribution: column1 draws from n with row1 "successes".
        let lowest = max(0, column1 - (c + d)), highest = min(row1, column1)
        func probability(_ k: Int) -> Double {
            gsl_ran_hypergeometric_pdf(UInt32(k), UInt32(row1), UInt32(c + d), UInt32(column1))
        }
        let observed = probability(a)
        var p = 0.0
        for k in lowest...highest {
            let pk = probability(k)
            if pk <= observed * (1 + 1e-7) { p += pk }
        }
        return FisherExactTest(oddsRatio: oddsRatio, pValue: min(1, p))
    }
}
