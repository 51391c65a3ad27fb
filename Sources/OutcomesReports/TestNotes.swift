import OutcomesAnalyses
import OutcomesStatistics

/// A test for people: "χ² = 4.21 (2 df)" or "Fisher's exact".
func testLabel(_ test: IndependenceTest) -> String {
    switch test.method {
    case .chiSquare: return "χ² = \(TableFormat.format(test.statistic ?? .nan, 2)) (\(test.df ?? 0) df)"
    case .fisher: return test.monteCarloTables == nil ? "Fisher's exact" : "Fisher's exact (Monte Carlo)"
    case .raoScott:
        let df = test.designDegreesOfFreedom.map { "\(TableFormat.format($0.numerator, 2)), "
            + "\(TableFormat.format($0.denominator, 1)) df" } ?? ""
        return "Rao-Scott F = \(TableFormat.format(test.statistic ?? .nan, 2)) (\(df))"
    }
}

func adjustmentName(_ adjustment: AnalysisDefinition.Adjustment) -> String {
    adjustment == .holm ? "Holm's method" : "the Benjamini-Hochberg method"
}

/// "Fisher's exact test where an expected count was below 5: Paid job (smallest 2.3), ..." and the
/// chi-square rule, so every test's method and reason are stated.
func testMethodNotes(_ tests: [(String, IndependenceTest)]) -> [String] {
    var notes: [String] = []
    let chi = tests.filter { $0.1.method == .chiSquare }
    if !chi.isEmpty {
        let yates = chi.contains { $0.1.correction == .yates }
            ? " (with Yates' continuity correction for two groups, as R's chisq.test and SciPy by default)"
            : chi.contains { $0.1.correction == .nMinusOne }
            ? " (for two groups the 'N − 1' chi-square, X² (N − 1)/N, of Campbell 2007)" : ""
        notes.append("Pearson's chi-square test\(yates) where every expected count was 5 or more"
            + "\(chi.count < tests.count ? ": \(chi.map(\.0).joined(separator: ", "))" : "").")
    }
    let fisher = tests.filter { $0.1.method == .fisher }
    if !fisher.isEmpty {
        notes.append("Fisher's exact test where an expected count was below 5: "
            + fisher.map { "\($0.0) (smallest expected \(TableFormat.format($0.1.smallestExpected, 1)))" }
                .joined(separator: ", ") + ".")
        if let tables = fisher.compactMap(\.1.monteCarloTables).first {
            notes.append("Tables too large to enumerate: Fisher's p estimated from \(TableFormat.thousands(tables)) "
                + "random tables with the same margins (seeded, reproducible).")
        }
    }
    let design = tests.filter { $0.1.method == .raoScott }
    if !design.isEmpty {
        notes.append("Weighted shares: Rao and Scott's F test, Pearson's X² of the weighted table divided by the "
            + "mean generalised design effect, on d₀ and d₀ × the design's degrees of freedom (R's svychisq, "
            + "statistic \"F\")\(design.count < tests.count ? ": \(design.map(\.0).joined(separator: ", "))" : "").")
    }
    return notes
}
