extension SurveyDesign {
    /// The linearisation covariance of k estimates from each row's influence on them, as `svyrecvar`:
    /// totals by cluster (or kept per row), centred within strata, times n_h / (n_h - 1). `influence`
    /// writes a row's k values (raking adjustment included) and returns false when they are all zero.
    /// Memory grows with clusters x k, not rows.
    func covariance(dimension k: Int, influence: (Int, inout [Double]) -> Bool) -> [Double] {
        let units = clusters == nil ? 0 : clusterCount
        var unitTotals = Array(repeating: 0.0, count: units * k)
        var sum = Array(repeating: 0.0, count: strataCount * k)
        var cross = Array(repeating: 0.0, count: strataCount * k * k)
        var z = Array(repeating: 0.0, count: k)
        for row in 0..<count {
            guard influence(row, &z) else { continue }
            if let clusters {
                let base = Int(clusters[row]) * k
                for a in 0..<k { unitTotals[base + a] += z[a] }
            } else {
                let h = Int(strata[row])
                for a in 0..<k {
                    sum[h * k + a] += z[a]
                    for b in 0..<k { cross[(h * k + a) * k + b] += z[a] * z[b] }
                }
            }
        }
        if let clusters {
            var stratumOf = Array(repeating: 0, count: clusterCount)
            for row in 0..<count { stratumOf[Int(clusters[row])] = Int(strata[row]) }
            for unit in 0..<clusterCount {
                let h = stratumOf[unit]
                for a in 0..<k {
                    let ta = unitTotals[unit * k + a]
                    sum[h * k + a] += ta
                    for b in 0..<k { cross[(h * k + a) * k + b] += ta * unitTotals[unit * k + b] }
                }
            }
        }
        var v = Array(repeating: 0.0, count: k * k)
        for h in 0..<strataCount where clustersInStratum[h] > 1 {
            let nh = Double(clustersInStratum[h])
            for a in 0..<k {
                for b in 0..<k {
                    v[a * k + b] += nh / (nh - 1) * (cross[(h * k + a) * k + b] - sum[h * k + a] * sum[h * k + b] / nh)
                }
            }
        }
        return v
    }
}
