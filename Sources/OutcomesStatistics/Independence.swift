import CGSL

/// Fisher's exact test for a table of k groups by two outcomes (e.g. positive / not).
public struct FisherGroupsTest: Sendable, Equatable {
    public var pValue: Double
    /// The probability of the observed table given its margins (SciPy's "statistic" for r x c).
    public var tableProbability: Double
    /// Tables drawn when the table was too large to enumerate (nil: the p-value is exact).
    public var monteCarloTables: Int?
    /// For Rao and Scott's F: its numerator and denominator degrees of freedom (d₀ and d₀ ν).
    public var designDegreesOfFreedom: (numerator: Double, denominator: Double)? {
        designDF.count == 2 ? (designDF[0], designDF[1]) : nil
    }
    var designDF: [Double] = []
}

/// How Pearson's chi-square is computed for a 2 x 2 table (larger tables are never corrected).
public enum TwoByTwoChiSquare: String, Sendable, CaseIterable {
    /// Yates' continuity correction: the default, as R's `chisq.test` and SciPy's `chi2_contingency` have
    /// it, so that a reader recomputing a published p-value with either gets the same figure. Conservative.
    case yates
    /// The 'N − 1' chi-square, X² (N − 1) / N (Campbell 2007; E. Pearson 1947), which Campbell found
    /// closest to the nominal level for 2 x 2 tables when every expected count is at least 1.
    case nMinusOne = "n_minus_1"
    /// Pearson's X² without correction.
    case pearson
}

/// A test that the share with an outcome is the same in every group, with the method chosen by
/// the rule evaluators expect: Pearson's chi-square, or Fisher's exact test when an expected count
/// is below 5. `reason` says why, for the table's footnote.
public struct IndependenceTest: Sendable, Equatable {
    public enum Method: String, Sendable {
        case chiSquare = "chi_square", fisher = "fisher_exact"
        /// Weighted shares: Pearson's X² with Rao and Scott's second-order correction, an F.
        case raoScott = "rao_scott_f"
    }
    public var method: Method
    /// The chi-square statistic and its degrees of freedom (nil for Fisher's test).
    public var statistic: Double?
    public var df: Int?
    public var pValue: Double
    /// For a 2 x 2 chi-square, the correction applied (nil for larger tables and the other methods).
    public var correction: TwoByTwoChiSquare?
    /// The smallest expected count under independence.
    public var smallestExpected: Double
    public var monteCarloTables: Int?
    /// For Rao and Scott's F: its numerator and denominator degrees of freedom (d₀ and d₀ ν).
    public var designDegreesOfFreedom: (numerator: Double, denominator: Double)? {
        designDF.count == 2 ? (designDF[0], designDF[1]) : nil
    }
    var designDF: [Double] = []
    /// Why this method: e.g. "all expected counts ≥ 5" or "an expected count was below 5 (1.8)".
    public var reason: String
    /// The method for people, e.g. "Pearson's chi-square" or "Fisher's exact test".
    public var methodName: String {
        switch method {
        case .chiSquare:
            switch correction {
            case .yates?: return "Pearson's chi-square with Yates' correction"
            case .nMinusOne?: return "the 'N − 1' chi-square"
            case .pearson?, nil: return "Pearson's chi-square"
            }
        case .fisher: return monteCarloTables == nil ? "Fisher's exact test" : "Fisher's exact test (Monte Carlo p)"
        case .raoScott: return "Rao-Scott F test (design-based)"
        }
    }
}

extension Contingency {
    /// Tables with more arrangements than this are not enumerated; the p-value is then estimated.
    public static let fisherEnumerationLimit = 20_000_000.0

    /// Fisher's exact test of independence for a k x 2 table (k groups, two outcomes), two-sided:
    /// the probability, with the margins fixed, of every table no more likely than the one observed
    /// (relative tolerance 1e-7, as R's `fisher.test`). Tables are enumerated when there are at most
    /// `fisherEnumerationLimit` of them; otherwise the p-value is estimated from `monteCarloTables`
    /// random tables with the same margins, as (1 + tables as or less likely) / (1 + tables), the
    /// estimate of R's `fisher.test(simulate.p.value = TRUE)`, drawn with GSL's hypergeometric sampler.
    ///
    /// Matches `scipy.stats.fisher_exact(table)` (SciPy ≥ 1.15 for more than two rows) when enumerated.
    public static func fisherExact(groups table: [[Int]], monteCarloTables: Int = 100_000, seed: UInt64 = 2026,
                                   enumerationLimit: Double = fisherEnumerationLimit) throws -> FisherGroupsTest {
        guard table.count >= 2, table.allSatisfy({ $0.count == 2 }), table.joined().allSatisfy({ $0 >= 0 }) else {
            throw StatisticsError.invalidArgument("Fisher's exact test here takes k rows of 2 counts (k >= 2)")
        }
        _ = GSL.ready
        // Empty rows have one arrangement and change nothing; rows sorted so the largest is last
        // (it is then fixed by the others, and the enumeration is smallest).
        let sizes = table.map { $0[0] + $0[1] }.filter { $0 > 0 }.sorted()
        let observedRows = table.filter { $0[0] + $0[1] > 0 }.sorted { $0[0] + $0[1] < $1[0] + $1[1] }
        let n = sizes.reduce(0, +), successes = observedRows.reduce(0) { $0 + $1[0] }
        guard sizes.count >= 2, successes > 0, successes < n else {
            return FisherGroupsTest(pValue: 1, tableProbability: 1, monteCarloTables: nil)
        }
        let logTotal = gsl_sf_lnchoose(UInt32(n), UInt32(successes))
        // log C(n_i, x) per row, tabulated once.
        let logChoose = sizes.map { size in (0...size).map { gsl_sf_lnchoose(UInt32(size), UInt32($0)) } }
        let observed = observedRows.indices.reduce(0.0) { $0 + logChoose[$1][observedRows[$1][0]] }
        let threshold = observed + log1p(1e-7)
        let k = sizes.count

        var arrangements = 1.0
        for size in sizes.dropLast() { arrangements *= Double(min(size, successes) + 1) }
        if arrangements <= enumerationLimit {
            // capacityAfter[i]: how many successes rows i+1... can still hold.
            var capacityAfter = [Int](repeating: 0, count: k)
            for i in stride(from: k - 2, through: 0, by: -1) { capacityAfter[i] = capacityAfter[i + 1] + sizes[i + 1] }
            var p = 0.0
            func visit(_ row: Int, _ remaining: Int, _ logSoFar: Double) {
                if row == k - 1 {
                    let value = logSoFar + logChoose[row][remaining]
                    if value <= threshold { p += exp(value - logTotal) }
                    return
                }
                let low = max(0, remaining - capacityAfter[row]), high = min(sizes[row], remaining)
                guard low <= high else { return }
                for x in low...high { visit(row + 1, remaining - x, logSoFar + logChoose[row][x]) }
            }
            visit(0, successes, 0)
            return FisherGroupsTest(pValue: min(1, p), tableProbability: exp(observed - logTotal), monteCarloTables: nil)
        }

        let random = RandomSource(seed: seed)
        var asExtreme = 0
        for _ in 0..<monteCarloTables {
            var remainingSuccesses = successes, remainingFailures = n - successes, value = 0.0
            for row in 0..<(k - 1) {
                let x = random.hypergeometric(successes: remainingSuccesses, failures: remainingFailures, draws: sizes[row])
                value += logChoose[row][x]
                remainingSuccesses -= x
                remainingFailures -= sizes[row] - x
            }
            value += logChoose[k - 1][remainingSuccesses]
            if value <= threshold { asExtreme += 1 }
        }
        return FisherGroupsTest(pValue: Double(1 + asExtreme) / Double(1 + monteCarloTables),
                                tableProbability: exp(observed - logTotal), monteCarloTables: monteCarloTables)
    }

    /// Tests whether the share in the first column is the same in every row of a k x 2 table:
    /// Pearson's chi-square (Yates-corrected for 2 x 2, as SciPy and R by default) when every expected
    /// count is at least 5, Fisher's exact test otherwise. Rows with no one in them are left out first.
    /// A 2 x 2 table's chi-square follows `twoByTwo`.
    public static func independence(groups table: [[Int]], twoByTwo: TwoByTwoChiSquare = .yates) throws
        -> IndependenceTest {
        let rows = table.filter { $0.reduce(0, +) > 0 }
        guard rows.count >= 2 else { throw StatisticsError.insufficientData("fewer than two groups have anyone in them") }
        let first = rows.reduce(0) { $0 + $1[0] }, second = rows.reduce(0) { $0 + $1[1] }
        guard first > 0, second > 0 else {
            throw StatisticsError.insufficientData("everyone is in the same outcome category: nothing to compare")
        }
        let square = rows.count == 2
        var chi = try chiSquare(rows, yates: square && twoByTwo == .yates)
        if square, twoByTwo == .nMinusOne {
            chi.statistic *= Double(chi.n - 1) / Double(chi.n)
            chi.pValue = gsl_cdf_chisq_Q(chi.statistic, 1)
        }
        let smallest = chi.expected.joined().min() ?? 0
        if !chi.smallExpected {
            return IndependenceTest(method: .chiSquare, statistic: chi.statistic, df: chi.df, pValue: chi.pValue,
                                    correction: square ? twoByTwo : nil, smallestExpected: smallest,
                                    monteCarloTables: nil, reason: "all expected counts were 5 or more")
        }
        let fisher = try fisherExact(groups: rows)
        let smallText = String(format: "%.1f", smallest)
        return IndependenceTest(method: .fisher, statistic: nil, df: nil, pValue: fisher.pValue, smallestExpected: smallest,
                                monteCarloTables: fisher.monteCarloTables,
                                reason: "an expected count was below 5 (smallest \(smallText))"
                                    + (fisher.monteCarloTables == nil ? "" : "; too many tables to enumerate, so p is a Monte Carlo estimate"))
    }
}


extension IndependenceTest {
    /// A design-based test, as an independence test of the table it was done on.
    public init(_ test: RaoScottTest) {
        self.init(method: .raoScott, statistic: test.statistic, df: nil, pValue: test.pValue, smallestExpected: .nan,
                  monteCarloTables: nil,
                  reason: "weighted shares: Pearson's X² of the weighted table with Rao and Scott's second-order "
                      + "correction (R's svychisq, statistic \"F\")")
        designDF = [test.numeratorDF, test.denominatorDF]
    }
}
