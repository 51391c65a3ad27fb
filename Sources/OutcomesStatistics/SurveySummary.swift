/// Weighted summaries of a numeric variable: the design-based mean with its t interval (as
/// `confint(svymean(...), df = degf(design))`), the weighted SD (as `svyvar`) and the weighted quartiles
/// (as `svyquantile(..., qrule = "math")`, the inverse of the weighted distribution function).
extension SurveyDesign {
    /// The summary of `values` in each domain (`domains[row]`, 0 ..< `domainCount`, -1 for none;
    /// NaN values outside every domain); nil for a domain with fewer than two values.
    public func summaries(values: [Double], domains: [Int32], domainCount: Int, confidence: Double) throws
        -> [Summary?] {
        let sums = self.sums(values: values, domains: domains, domainCount: domainCount)
        var byDomain = Array(repeating: [(value: Double, weight: Double)](), count: domainCount)
        for row in 0..<count where domains[row] >= 0 && !values[row].isNaN {
            byDomain[Int(domains[row])].append((values[row], weights[row]))
        }
        return try (0..<domainCount).map { domain -> Summary? in
            let pairs = byDomain[domain].sorted { $0.value < $1.value }
            guard pairs.count >= 2 else { return nil }
            let e = try estimate(sums[domain], confidence: confidence, interval: .t)
            let total = pairs.reduce(0) { $0 + $1.weight }
            let spread = pairs.reduce(0) { $0 + $1.weight * ($1.value - e.estimate) * ($1.value - e.estimate) }
            let n = Double(pairs.count)
            let mean = MeanEstimate(n: pairs.count, nMissing: 0, mean: e.estimate,
                                    sd: (spread / total * n / (n - 1)).squareRoot(), se: e.standardError,
                                    df: Double(e.degreesOfFreedom), lower: e.lower, upper: e.upper,
                                    confidence: confidence)
            return Summary(mean: mean, median: Self.quantile(pairs, total: total, 0.5),
                           q1: Self.quantile(pairs, total: total, 0.25), q3: Self.quantile(pairs, total: total, 0.75),
                           min: pairs.first!.value, max: pairs.last!.value, survey: e)
        }
    }

    /// The weighted quantile as R's `qrule = "math"` finds it: the value at which the weighted
    /// cumulative share first exceeds `p` (or the value where it equals `p`), in R's own arithmetic.
    static func quantile(_ sorted: [(value: Double, weight: Double)], total: Double, _ p: Double) -> Double {
        var cumulative = 0.0, position = -1, atPosition = 0.0
        for (index, pair) in sorted.enumerated() {
            cumulative += pair.weight
            if cumulative <= p * total { (position, atPosition) = (index, cumulative) }
        }
        guard position >= 0 else { return sorted[0].value }
        if p - atPosition / total == 0 { return sorted[position].value }
        return sorted[min(position + 1, sorted.count - 1)].value
    }
}
