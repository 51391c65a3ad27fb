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

extension SurveyDesign {
    /// The weighted mean of `values` in domain 0 less that in domain 1 (`domains[row]` 0, 1 or -1 for
    /// neither; a NaN value is in neither), with the standard error of their joint linearisation
    /// (raking allowed for) and a t interval on the whole design's degrees of freedom: R's
    /// `svycontrast(svytotal(~y0 + n0 + y1 + n1, design), quote(y0 / n0 - y1 / n1))` with
    /// `confint(df = degf(design))`. Nil when either domain has no weight.
    public func meanDifference(values: [Double], domains: [Int32], confidence: Double) throws -> SurveyDifference? {
        _ = GSL.ready
        guard values.count == count, domains.count == count else {
            throw StatisticsError.invalidArgument("values and domains should have one entry per row")
        }
        func domain(_ row: Int) -> Int { values[row].isNaN ? -1 : Int(domains[row]) }
        var total = [0.0, 0.0], weighted = [0.0, 0.0]
        for row in 0..<count {
            let d = domain(row)
            guard d == 0 || d == 1 else { continue }
            total[d] += weights[row]
            weighted[d] += weights[row] * values[row]
        }
        guard total[0] > 0, total[1] > 0 else { return nil }
        let mean = [weighted[0] / total[0], weighted[1] / total[1]]
        // Each row's influence on domain d's mean is w (y - m_d) / W_d; a raking takes from every row its
        // cell's projection of those values divided by the weights.
        let calibration: [[Double]]? = raking.map { raking in
            (0..<2).map { d in
                var inCell = Array(repeating: 0.0, count: cellCount)
                for row in 0..<count where domain(row) == d {
                    inCell[Int(cellOfRow[row])] += (values[row] - mean[d]) / total[d]
                }
                return projection(inCell: inCell, raking: raking)
            }
        }
        let variance = covariance(dimension: 1) { row, z in
            let d = domain(row)
            if d < 0, calibration == nil { return false }
            let w = weights[row]
            var value = d == 0 ? w * (values[row] - mean[0]) / total[0]
                : d == 1 ? -w * (values[row] - mean[1]) / total[1] : 0
            if let calibration {
                let cell = Int(cellOfRow[row])
                value -= w * (calibration[0][cell] - calibration[1][cell])
            }
            z[0] = value
            return true
        }[0]
        let df = clusterCount - strataCount
        let estimate = mean[0] - mean[1], se = max(0, variance).squareRoot()
        let t = df > 0 ? gsl_cdf_tdist_Pinv(1 - (1 - confidence) / 2, Double(df)) : .nan
        return SurveyDifference(estimate: estimate, standardError: se, lower: estimate - t * se,
                                upper: estimate + t * se, confidence: confidence, degreesOfFreedom: df)
    }
}
