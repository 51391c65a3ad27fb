import CGSL

/// A sample with survey weights, and optionally strata and clusters (primary sampling units), as R's
/// `svydesign(ids = ~cluster, strata = ~stratum, weights = ~w)` describes one: sampled with
/// replacement at the first stage, so that variances are by linearisation over the clusters within
/// strata (Binder's method, as `svymean` computes it). A design may carry a raking (`Raking`), whose
/// adjustment the variances then take into account as R's `rake()` designs do.
public struct SurveyDesign: Sendable {
    /// Each row's weight (after raking, if any).
    public let weights: [Double]
    /// Each row's stratum, 0 ..< `strataCount`.
    public let strata: [Int32]
    public let strataCount: Int
    /// Each row's cluster, 0 ..< `clusterCount`; nil when each row is its own cluster.
    public let clusters: [Int32]?
    public let clusterCount: Int
    /// The raking the weights came from; nil when they are used as given.
    public let raking: Raking?

    /// Units the sums are kept by: clusters when there are clusters, else strata (each row then its own
    /// cluster, whose squared contributions are summed within its stratum).
    let unitCount: Int
    let unitOfRow: [Int32]
    let stratumOfUnit: [Int32]
    /// Clusters (or rows) per stratum in the whole sample: the `n_h` of the variance.
    let clustersInStratum: [Int]
    /// Joint raking cell of each row (0 without raking), and the number of cells.
    let cellOfRow: [Int32]
    let cellCount: Int
    /// Rows per cell, and the sum of weights and of squared weights per unit and cell.
    let rowsInCell: [Double]
    let weightInUnitCell: [Double]
    let squaredWeightInUnitCell: [Double]

    /// A design from weights, strata and clusters (each given per row; nil: none).
    ///
    /// Weights must be positive and finite; each cluster lies in one stratum; each stratum has at least
    /// two clusters (R's default `survey.lonely.psu = "fail"`: a lone cluster gives no variance).
    public init(weights: [Double], strata: [Int32]? = nil, clusters: [Int32]? = nil, raking: Raking? = nil) throws {
        let n = weights.count
        guard n > 0 else { throw StatisticsError.insufficientData("a survey design needs at least one row") }
        if let bad = weights.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
            throw StatisticsError.invalidArgument("weight \(weights[bad]) in row \(bad + 1) is not a positive number")
        }
        let strata = strata ?? Array(repeating: 0, count: n)
        guard strata.count == n, clusters.map({ $0.count == n }) ?? true else {
            throw StatisticsError.invalidArgument("weights, strata and clusters have different lengths")
        }
        guard strata.allSatisfy({ $0 >= 0 }), clusters?.allSatisfy({ $0 >= 0 }) ?? true else {
            throw StatisticsError.invalidArgument("a row has no stratum or no cluster")
        }
        self.weights = weights
        self.strata = strata
        strataCount = Int(strata.max()!) + 1
        self.clusters = clusters
        clusterCount = clusters.map { Int($0.max()!) + 1 } ?? n
        self.raking = raking
        if let raking, raking.cellOfRow.count != n {
            throw StatisticsError.invalidArgument("the raking was done on \(raking.cellOfRow.count) rows, not \(n)")
        }

        var inStratum = Array(repeating: 0, count: strataCount)
        if let clusters {
            var stratumOf = Array(repeating: Int32(-1), count: clusterCount)
            for row in 0..<n {
                let cluster = Int(clusters[row])
                if stratumOf[cluster] < 0 {
                    stratumOf[cluster] = strata[row]
                    inStratum[Int(strata[row])] += 1
                } else if stratumOf[cluster] != strata[row] {
                    throw StatisticsError.invalidArgument("cluster \(cluster + 1) lies in two strata: "
                                                          + "clusters must be nested in strata")
                }
            }
            unitCount = clusterCount
            unitOfRow = clusters
            stratumOfUnit = stratumOf.map { max($0, 0) }
        } else {
            for stratum in strata { inStratum[Int(stratum)] += 1 }
            unitCount = strataCount
            unitOfRow = strata
            stratumOfUnit = (0..<strataCount).map(Int32.init)
        }
        if let lonely = inStratum.firstIndex(where: { $0 == 1 }) {
            throw StatisticsError.insufficientData("stratum \(lonely + 1) has only one "
                                                   + "\(clusters == nil ? "respondent" : "cluster"), "
                                                   + "which gives no variance: merge it with another")
        }
        clustersInStratum = inStratum
        cellOfRow = raking?.cellOfRow ?? Array(repeating: 0, count: n)
        cellCount = raking?.cellCount ?? 1
        var rows = Array(repeating: 0.0, count: cellCount)
        var w = Array(repeating: 0.0, count: unitCount * cellCount), w2 = w
        for row in 0..<n {
            let cell = Int(cellOfRow[row]), index = Int(unitOfRow[row]) * cellCount + cell
            rows[cell] += 1
            w[index] += weights[row]
            w2[index] += weights[row] * weights[row]
        }
        rowsInCell = rows
        weightInUnitCell = w
        squaredWeightInUnitCell = w2
    }

    public var count: Int { weights.count }
}

/// A weighted estimate with its design-based standard error and interval.
public struct SurveyEstimate: Sendable, Equatable {
    /// How the interval of a proportion was found.
    public enum Interval: String, Sendable, CaseIterable {
        /// On the logit scale with a t critical value on the design's degrees of freedom
        /// (`svyciprop(method = "logit")`, R's default).
        case logit
        /// Korn and Graubard's Clopper-Pearson interval at the effective sample size
        /// (`svyciprop(method = "beta")`).
        case beta
        /// Estimate ± t × SE (`confint(svymean(...), df = degf(design))`), for means.
        case t
    }

    /// The weighted mean (a proportion for a 0/1 variable).
    public var estimate: Double
    public var standardError: Double
    public var lower: Double
    public var upper: Double
    public var confidence: Double
    public var interval: Interval
    /// Respondents in the domain (unweighted).
    public var n: Int
    /// Their weights' sum.
    public var weightedN: Double
    /// The design's degrees of freedom in the domain: clusters less strata (`degf`).
    public var degreesOfFreedom: Int
    /// The variance over that of a simple random sample of the same size with replacement
    /// (`svymean(..., deff = "replace")`).
    public var designEffect: Double
    /// n over the design effect.
    public var effectiveN: Double { n > 0 ? Double(n) / designEffect : 0 }
}

/// Sums of one variable in one domain, by unit and raking cell: what a weighted mean, its
/// linearisation variance and its design effect need, so that each estimate costs the number of
/// units, not of rows.
public struct DomainSums: Sendable {
    var n: [Double], y: [Double], w: [Double], wy: [Double], wyy: [Double], w2: [Double], w2y: [Double],
        w2yy: [Double]

    init(size: Int) {
        n = Array(repeating: 0, count: size)
        (y, w, wy, wyy, w2, w2y, w2yy) = (n, n, n, n, n, n, n)
    }

    mutating func add(_ index: Int, value: Double, weight: Double) {
        let ww = weight * weight
        n[index] += 1
        y[index] += value
        w[index] += weight
        wy[index] += weight * value
        wyy[index] += weight * value * value
        w2[index] += ww
        w2y[index] += ww * value
        w2yy[index] += ww * value * value
    }
}

extension SurveyDesign {
    /// Sums of `values` in each domain (`domains[row]`, 0 ..< `domainCount`, or -1 for none), missing
    /// values (NaN) outside every domain: `svymean(~y, subset(design, domain == d & !is.na(y)))`.
    public func sums(values: [Double], domains: [Int32], domainCount: Int) -> [DomainSums] {
        var sums = Array(repeating: DomainSums(size: unitCount * cellCount), count: domainCount)
        for row in 0..<count where domains[row] >= 0 && !values[row].isNaN {
            sums[Int(domains[row])].add(Int(unitOfRow[row]) * cellCount + Int(cellOfRow[row]),
                                        value: values[row], weight: weights[row])
        }
        return sums
    }

    /// The weighted share of each category among rows of each domain in `answering` categories, in one
    /// pass: [domain][category] (nil for a category not in `answering`).
    public func shares(categories: [UInt8], answering: Set<UInt8>, domains: [Int32], domainCount: Int,
                       confidence: Double, interval: SurveyEstimate.Interval) throws -> [[SurveyEstimate?]] {
        let categoryCount = Int(categories.max() ?? 0) + 1
        let size = unitCount * cellCount
        // n, w and w² per domain, category, unit and cell.
        var n = Array(repeating: 0.0, count: domainCount * categoryCount * size), w = n, w2 = n
        for row in 0..<count where domains[row] >= 0 && answering.contains(categories[row]) {
            let index = (Int(domains[row]) * categoryCount + Int(categories[row])) * size
                + Int(unitOfRow[row]) * cellCount + Int(cellOfRow[row])
            let weight = weights[row]
            n[index] += 1
            w[index] += weight
            w2[index] += weight * weight
        }
        return try (0..<domainCount).map { domain in
            try (0..<categoryCount).map { category -> SurveyEstimate? in
                guard answering.contains(UInt8(category)) else { return nil }
                var sums = DomainSums(size: size)
                for other in answering where Int(other) < categoryCount {
                    let base = (domain * categoryCount + Int(other)) * size
                    let hit = Int(other) == category ? 1.0 : 0
                    for index in 0..<size {
                        sums.n[index] += n[base + index]
                        sums.w[index] += w[base + index]
                        sums.w2[index] += w2[base + index]
                        sums.y[index] += hit * n[base + index]
                        sums.wy[index] += hit * w[base + index]
                        sums.wyy[index] += hit * w[base + index]
                        sums.w2y[index] += hit * w2[base + index]
                        sums.w2yy[index] += hit * w2[base + index]
                    }
                }
                return try estimate(sums, confidence: confidence, interval: interval)
            }
        }
    }

    /// The weighted mean of a domain with its linearisation standard error, design effect and interval.
    public func estimate(_ s: DomainSums, confidence: Double, interval: SurveyEstimate.Interval) throws
        -> SurveyEstimate {
        _ = GSL.ready
        let W = s.w.reduce(0, +), nd = s.n.reduce(0, +)
        guard nd > 0, W > 0 else {
            return SurveyEstimate(estimate: .nan, standardError: .nan, lower: .nan, upper: .nan,
                                  confidence: confidence, interval: interval, n: 0, weightedN: 0,
                                  degreesOfFreedom: 0, designEffect: .nan)
        }
        let m = s.wy.reduce(0, +) / W
        let calibration = raking.map { projection(s, mean: m, total: W, raking: $0) }
            ?? Array(repeating: 0, count: cellCount)

        // Each unit's total of the influence values, and (rows as clusters) their squares.
        var unitTotal = Array(repeating: 0.0, count: unitCount), unitSquares = unitTotal
        var unitUsed = Array(repeating: false, count: unitCount)
        for unit in 0..<unitCount {
            for cell in 0..<cellCount {
                let i = unit * cellCount + cell, c = calibration[cell]
                unitTotal[unit] += (s.wy[i] - m * s.w[i]) / W - c * weightInUnitCell[i]
                if clusters == nil {
                    unitSquares[unit] += (s.w2yy[i] - 2 * m * s.w2y[i] + m * m * s.w2[i]) / (W * W)
                        - 2 * c * (s.w2y[i] - m * s.w2[i]) / W + c * c * squaredWeightInUnitCell[i]
                }
                if s.n[i] > 0 { unitUsed[unit] = true }
            }
        }
        let variance = stratifiedVariance(unitTotal: unitTotal, unitSquares: unitSquares)
        let df: Int
        if clusters == nil {
            let strataUsed = Set((0..<unitCount).filter { unitUsed[$0] }).count
            df = Int(nd) - strataUsed
        } else {
            let strataUsed = Set((0..<unitCount).filter { unitUsed[$0] }.map { stratumOfUnit[$0] }).count
            df = unitUsed.filter { $0 }.count - strataUsed
        }
        let spread = s.wyy.reduce(0, +) - 2 * m * s.wy.reduce(0, +) + m * m * W
        let srsVariance = nd > 1 ? nd / (nd - 1) * spread / W / nd : .nan
        var result = SurveyEstimate(estimate: m, standardError: variance.squareRoot(), lower: .nan, upper: .nan,
                                    confidence: confidence, interval: interval, n: Int(nd), weightedN: W,
                                    degreesOfFreedom: df, designEffect: variance / srsVariance)
        (result.lower, result.upper) = try limits(m, variance: variance, n: Int(nd),
                                                  successes: Int(s.y.reduce(0, +).rounded()), df: df,
                                                  confidence: confidence, interval: interval)
        return result
    }

    /// The linearisation variance from each unit's total of the influence values and (rows as clusters)
    /// their sum of squares: their spread within each stratum, times n_h / (n_h - 1), summed.
    func stratifiedVariance(unitTotal: [Double], unitSquares: [Double]) -> Double {
        var sum = Array(repeating: 0.0, count: strataCount), squares = sum
        for unit in 0..<unitCount {
            let h = Int(stratumOfUnit[unit])
            sum[h] += unitTotal[unit]
            squares[h] += clusters == nil ? unitSquares[unit] : unitTotal[unit] * unitTotal[unit]
        }
        var variance = 0.0
        for h in 0..<strataCount where clustersInStratum[h] > 1 {
            let nh = Double(clustersInStratum[h])
            variance += nh / (nh - 1) * max(0, squares[h] - sum[h] * sum[h] / nh)
        }
        return variance
    }

    /// The raking's adjustment to the influence values: per cell, what R's `svyrecvar` subtracts in its
    /// ten rounds of projecting them on each margin's levels in turn (an unweighted mean per level of
    /// the values scaled by that margin's weights).
    func projection(_ s: DomainSums, mean m: Double, total W: Double, raking: Raking) -> [Double] {
        // Each cell's rows' sum of (y - m) / W (zero for rows outside the domain).
        var inCell = Array(repeating: 0.0, count: cellCount)
        for unit in 0..<unitCount {
            for cell in 0..<cellCount {
                let i = unit * cellCount + cell
                inCell[cell] += (s.y[i] - m * s.n[i]) / W
            }
        }
        return projection(inCell: inCell, raking: raking)
    }

    /// The same from each cell's sum of the rows' influence values divided by their weights.
    func projection(inCell: [Double], raking: Raking) -> [Double] {
        var c = Array(repeating: 0.0, count: cellCount)
        for _ in 0..<10 {
            for (margin, levelOfCell) in raking.levelOfCell.enumerated() {
                let ratio = raking.ratioToFinal[margin], levels = raking.populationTotals[margin].count
                var total = Array(repeating: 0.0, count: levels), rows = total
                for cell in 0..<cellCount {
                    let level = Int(levelOfCell[cell])
                    total[level] += ratio[cell] * (inCell[cell] - rowsInCell[cell] * c[cell])
                    rows[level] += rowsInCell[cell]
                }
                for cell in 0..<cellCount {
                    let level = Int(levelOfCell[cell])
                    if rows[level] > 0 { c[cell] += total[level] / rows[level] / ratio[cell] }
                }
            }
        }
        return c
    }

    /// The interval of a mean (`t`) or a proportion (`logit`, `beta`). A proportion of 0 or 1 has no
    /// design variance: its interval is then the Clopper-Pearson interval of the unweighted count.
    func limits(_ m: Double, variance: Double, n: Int, successes: Int, df: Int, confidence: Double,
                interval: SurveyEstimate.Interval) throws -> (Double, Double) {
        let alpha = 1 - confidence
        guard df > 0 else { return (.nan, .nan) }
        let t = gsl_cdf_tdist_Pinv(1 - alpha / 2, Double(df))
        switch interval {
        case .t:
            let se = variance.squareRoot()
            return (m - t * se, m + t * se)
        case .logit, .beta:
            guard m > 0, m < 1, variance > 0 else {
                let exact = try Proportions.clopperPearson(count: successes, n: n, confidence: confidence)
                return (exact.lower, exact.upper)
            }
            if interval == .logit {
                let se = variance.squareRoot() / (m * (1 - m)), logit = log(m / (1 - m))
                return (1 / (1 + exp(-(logit - t * se))), 1 / (1 + exp(-(logit + t * se))))
            }
            let ratio = n > 1 ? gsl_cdf_tdist_Pinv(alpha / 2, Double(n - 1)) / gsl_cdf_tdist_Pinv(alpha / 2, Double(df))
                : 1
            let effective = m * (1 - m) / variance * ratio * ratio
            return (gsl_cdf_beta_Pinv(alpha / 2, effective * m, effective * (1 - m) + 1),
                    gsl_cdf_beta_Pinv(1 - alpha / 2, effective * m + 1, effective * (1 - m)))
        }
    }
}
