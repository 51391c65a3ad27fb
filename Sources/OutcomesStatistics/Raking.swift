/// Weights raked to population totals of several margins (iterative proportional fitting), as R's
/// `survey::rake()` does: each pass post-stratifies to each margin in turn, until no cell of the
/// margins' cross-classification changes by `epsilon` or more.
public struct Raking: Sendable {
    /// A margin: each row's level (0 ..< the number of totals) and the population total of each level.
    public struct Margin: Sendable {
        public var name: String
        public var levelOfRow: [Int32]
        public var totals: [Double]
        public init(name: String, levelOfRow: [Int32], totals: [Double]) {
            self.name = name
            self.levelOfRow = levelOfRow
            self.totals = totals
        }
    }

    /// The raked weights, per row.
    public let weights: [Double]
    /// Passes over the margins in the last raking; whether it converged.
    public let passes: Int
    public let converged: Bool
    /// The largest change of a cell's weighted total in the last pass.
    public let lastChange: Double
    /// Each row's cell of the margins' cross-classification, and each cell's level of each margin.
    let cellOfRow: [Int32]
    let cellCount: Int
    let levelOfCell: [[Int32]]
    let populationTotals: [[Double]]
    /// Per margin and cell: the final weight over the weight after that margin's step of the last pass
    /// (what R's variance divides by, as it keeps each step's weights).
    let ratioToFinal: [[Double]]

    /// Rakes `base` weights to the margins' totals; `epsilon` below 1 is a fraction of the base weights'
    /// sum, as in R (`control = list(epsilon = 1)` by default).
    public init(base: [Double], margins: [Margin], epsilon: Double = 1, maxPasses: Int = 10) throws {
        guard !margins.isEmpty else { throw StatisticsError.invalidArgument("raking needs at least one margin") }
        let n = base.count
        for margin in margins {
            guard margin.levelOfRow.count == n else {
                throw StatisticsError.invalidArgument("margin \(margin.name) has \(margin.levelOfRow.count) rows, "
                                                      + "not \(n)")
            }
            if let bad = margin.levelOfRow.firstIndex(where: { $0 < 0 || Int($0) >= margin.totals.count }) {
                throw StatisticsError.invalidArgument("row \(bad + 1) has no level of margin \(margin.name)")
            }
            if let level = margin.totals.indices.first(where: { !(margin.totals[$0] > 0) }) {
                throw StatisticsError.invalidArgument("margin \(margin.name)'s total for level \(level + 1) "
                                                      + "is not a positive number")
            }
        }
        let sums = margins.map { $0.totals.reduce(0, +) }
        if let unequal = sums.firstIndex(where: { abs($0 - sums[0]) > 1e-9 * sums[0] }) {
            throw StatisticsError.invalidArgument("margin \(margins[unequal].name) totals \(sums[unequal]), "
                                                  + "margin \(margins[0].name) \(sums[0]): the margins "
                                                  + "should describe the same population")
        }

        // Cells of the cross-classification that occur, numbered in order of first occurrence.
        var cellIndex: [[Int32]: Int32] = [:]
        var levels: [[Int32]] = []
        var cellOfRow = [Int32](repeating: 0, count: n)
        for row in 0..<n {
            let key = margins.map { $0.levelOfRow[row] }
            if let cell = cellIndex[key] {
                cellOfRow[row] = cell
            } else {
                cellIndex[key] = Int32(levels.count)
                cellOfRow[row] = Int32(levels.count)
                levels.append(key)
            }
        }
        let cellCount = levels.count
        for (m, margin) in margins.enumerated() {
            let present = Set(levels.map { $0[m] })
            if let absent = margin.totals.indices.first(where: { !present.contains(Int32($0)) }) {
                throw StatisticsError.insufficientData("no respondent is in level \(absent + 1) of margin "
                                                       + "\(margin.name), so its total cannot be met")
            }
        }
        self.cellOfRow = cellOfRow
        self.cellCount = cellCount
        levelOfCell = margins.indices.map { m in levels.map { $0[m] } }
        populationTotals = margins.map(\.totals)

        let tolerance = epsilon < 1 ? epsilon * base.reduce(0, +) : epsilon
        let pass = Self.rake(base, cellOfRow: cellOfRow, cellCount: cellCount, levelOfCell: levelOfCell,
                             totals: populationTotals, tolerance: tolerance, maxPasses: maxPasses)
        weights = (0..<n).map { base[$0] * pass.factor[Int(cellOfRow[$0])] }
        (passes, converged, lastChange, ratioToFinal) = (pass.passes, pass.converged, pass.change, pass.ratio)
    }

    /// One raking from `base`: each cell's factor, the passes it took and each step's ratio to the end.
    static func rake(_ base: [Double], cellOfRow: [Int32], cellCount: Int, levelOfCell: [[Int32]],
                     totals: [[Double]], tolerance: Double, maxPasses: Int)
        -> (factor: [Double], passes: Int, converged: Bool, change: Double, ratio: [[Double]]) {
        var baseInCell = Array(repeating: 0.0, count: cellCount)
        for (row, weight) in base.enumerated() { baseInCell[Int(cellOfRow[row])] += weight }
        var factor = Array(repeating: 1.0, count: cellCount)
        var table = baseInCell
        var steps: [[Double]] = []
        var passes = 0, change = Double.infinity, converged = false
        while passes < maxPasses {
            passes += 1
            steps = []
            for (m, levelOf) in levelOfCell.enumerated() {
                var weighted = Array(repeating: 0.0, count: totals[m].count)
                for cell in 0..<cellCount { weighted[Int(levelOf[cell])] += baseInCell[cell] * factor[cell] }
                let step = (0..<cellCount).map { totals[m][Int(levelOf[$0])] / weighted[Int(levelOf[$0])] }
                for cell in 0..<cellCount { factor[cell] *= step[cell] }
                steps.append(step)
            }
            let newTable = (0..<cellCount).map { baseInCell[$0] * factor[$0] }
            change = zip(table, newTable).map { abs($0 - $1) }.max() ?? 0
            table = newTable
            if change < tolerance {
                converged = true
                break
            }
        }
        // The weight after margin m's step is the final one divided by the later steps of the last pass.
        let ratio = levelOfCell.indices.map { m in
            (0..<cellCount).map { cell in steps[(m + 1)...].reduce(1.0) { $0 * $1[cell] } }
        }
        return (factor, passes, converged, change, ratio)
    }

    /// The weights' range and mean, for the methods note.
    public var range: (min: Double, max: Double, mean: Double) {
        (weights.min() ?? .nan, weights.max() ?? .nan, weights.reduce(0, +) / Double(max(weights.count, 1)))
    }
}
