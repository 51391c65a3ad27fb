import CGSL

/// The difference of two weighted domain means, with its linearisation standard error.
public struct SurveyDifference: Sendable, Equatable {
    public var estimate: Double
    public var standardError: Double
    public var lower: Double
    public var upper: Double
    public var confidence: Double
    /// The design's degrees of freedom (clusters, or rows, less strata), on which the interval's t is.
    public var degreesOfFreedom: Int
}

extension DomainSums {
    /// The sums of the rows in `self` but not in `other` (a subset of them): the rest of a whole.
    public func subtracting(_ other: DomainSums) -> DomainSums {
        func minus(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 - $1 } }
        var rest = self
        (rest.n, rest.y, rest.w, rest.wy) = (minus(n, other.n), minus(y, other.y), minus(w, other.w),
                                             minus(wy, other.wy))
        (rest.wyy, rest.w2, rest.w2y, rest.w2yy) = (minus(wyy, other.wyy), minus(w2, other.w2), minus(w2y, other.w2y),
                                                    minus(w2yy, other.w2yy))
        return rest
    }

    /// Kish's effective sample size of the rows, (Σw)² / Σw²: what a simple random sample of that many
    /// would be worth, from the weights alone.
    public var kishEffectiveN: Double {
        let total = w.reduce(0, +), squares = w2.reduce(0, +)
        return squares > 0 ? total * total / squares : 0
    }
}

extension SurveyDesign {
    /// The mean of domain `a` less that of domain `b` (disjoint; from `sums(values:domains:domainCount:)`,
    /// `b` perhaps the rest of a whole: `all.subtracting(a)`), as R's `svycontrast(svytotal(~y_a + n_a + y_b
    /// + n_b, design), quote(y_a / n_a - y_b / n_b))` with `confint(df = degf(design))`; nil when either is empty,
    /// from the sums alone. Each row's influence is w (y - m_a) / W_a in a, -w (y - m_b) / W_b in b, less
    /// the raking's projection of both for every row, so each unit's total and (rows as clusters) sum of
    /// squares follow from the domains' sums by unit and raking cell. The variance is their spread within
    /// strata, as `svyrecvar`; the interval a t on the whole design's degrees of freedom.
    public func difference(_ a: DomainSums, _ b: DomainSums, confidence: Double) -> SurveyDifference? {
        _ = GSL.ready
        let weightA = a.w.reduce(0, +), weightB = b.w.reduce(0, +)
        guard weightA > 0, weightB > 0 else { return nil }
        let meanA = a.wy.reduce(0, +) / weightA, meanB = b.wy.reduce(0, +) / weightB
        let calibration: [Double]
        if let raking {
            let ca = projection(a, mean: meanA, total: weightA, raking: raking)
            let cb = projection(b, mean: meanB, total: weightB, raking: raking)
            calibration = zip(ca, cb).map { $0 - $1 }
        } else {
            calibration = Array(repeating: 0, count: cellCount)
        }
        var unitTotal = Array(repeating: 0.0, count: unitCount), unitSquares = unitTotal
        for unit in 0..<unitCount {
            for cell in 0..<cellCount {
                let i = unit * cellCount + cell, c = calibration[cell]
                let totalA = (a.wy[i] - meanA * a.w[i]) / weightA, totalB = (b.wy[i] - meanB * b.w[i]) / weightB
                unitTotal[unit] += totalA - totalB - c * weightInUnitCell[i]
                if clusters == nil {
                    let squaresA = (a.w2yy[i] - 2 * meanA * a.w2y[i] + meanA * meanA * a.w2[i]) / (weightA * weightA)
                    let squaresB = (b.w2yy[i] - 2 * meanB * b.w2y[i] + meanB * meanB * b.w2[i]) / (weightB * weightB)
                    let crossA = (a.w2y[i] - meanA * a.w2[i]) / weightA, crossB = (b.w2y[i] - meanB * b.w2[i]) / weightB
                    unitSquares[unit] += squaresA + squaresB - 2 * c * (crossA - crossB)
                        + c * c * squaredWeightInUnitCell[i]
                }
            }
        }
        let variance = stratifiedVariance(unitTotal: unitTotal, unitSquares: unitSquares)
        let df = clusterCount - strataCount
        let estimate = meanA - meanB, se = variance.squareRoot()
        let t = df > 0 ? gsl_cdf_tdist_Pinv(1 - (1 - confidence) / 2, Double(df)) : .nan
        return SurveyDifference(estimate: estimate, standardError: se, lower: estimate - t * se,
                                upper: estimate + t * se, confidence: confidence, degreesOfFreedom: df)
    }
}
