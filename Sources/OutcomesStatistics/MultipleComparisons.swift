/// Adjusted p-values for a family of tests (e.g. one per outcome in a table).
public enum MultipleComparisons {
    /// Holm's step-down adjustment (controls the family-wise error rate).
    ///
    /// Matches statsmodels `multipletests(p, method="holm")[1]` and R's `p.adjust(p, "holm")`.
    /// NaN p-values (tests not computed) stay NaN and do not count towards the family size.
    public static func holm(_ pValues: [Double]) -> [Double] {
        let order = pValues.indices.filter { !pValues[$0].isNaN }.sorted { pValues[$0] < pValues[$1] }
        let m = order.count
        var adjusted = [Double](repeating: .nan, count: pValues.count)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// Benjamini-Hochberg step-up adjustment (controls the false discovery rate).
    ///
    /// Matches statsmodels `multipletests(p, method="fdr_bh")[1]` and R's `p.adjust(p, "BH")`.
    public static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let order = pValues.indices.filter { !pValues[$0].isNaN }.sorted { pValues[$0] < pValues[$1] }
        let m = order.count
        var adjusted = [Double](repeating: .nan, count: pValues.count)
        var running = 1.0
        for (rank, index) in order.enumerated().reversed() {
            running = min(running, Double(m) / Double(rank + 1) * pValues[index])
            adjusted[index] = min(1, running)
        }
        return adjusted
    }
}
