/// The intra-class correlation of an outcome within clusters (sites), and the design effect it implies:
/// how much clustering inflates the variance of a comparison, against people sampled independently.
public struct IntraclassCorrelation: Sendable, Equatable {
    /// The one-way analysis-of-variance estimator (MSB − MSW) / (MSB + (n₀ − 1) MSW), truncated at 0,
    /// with clusters nested in groups (arms): n₀ = (N − Σ_groups Σ_g n_g² / N_group) / (G − groups).
    public var icc: Double
    /// 1 + ((1 + CV²) m̄ − 1) ICC (Eldridge, Ashby and Kerry 2006), for clusters of unequal size.
    public var designEffect: Double
    public var clusters: Int
    public var meanClusterSize: Double
    /// The coefficient of variation of cluster sizes (SD with divisor G - 1, over the mean).
    public var sizeVariation: Double

    /// From each value's cluster and group (e.g. site and arm: sites are nested in arms, so arm differences
    /// are not between-site variation). NaN values are left out. Needs more clusters than groups, and
    /// more values than clusters.
    public static func estimate(_ values: [Double], clusters: [Int], groups: [Int]) throws -> IntraclassCorrelation {
        guard values.count == clusters.count, values.count == groups.count else {
            throw StatisticsError.invalidArgument("one cluster and one group per value are needed")
        }
        struct Sums { var n = 0.0, sum = 0.0, squares = 0.0, group = 0 }
        var byCluster: [Int: Sums] = [:]
        for i in values.indices where !values[i].isNaN {
            byCluster[clusters[i], default: Sums(group: groups[i])].n += 1
            byCluster[clusters[i]]!.sum += values[i]
            byCluster[clusters[i]]!.squares += values[i] * values[i]
        }
        var byGroup: [Int: (n: Double, sum: Double, squaredSizes: Double)] = [:]
        for cluster in byCluster.values {
            byGroup[cluster.group, default: (0, 0, 0)].n += cluster.n
            byGroup[cluster.group]!.sum += cluster.sum
            byGroup[cluster.group]!.squaredSizes += cluster.n * cluster.n
        }
        let g = Double(byCluster.count), total = byCluster.values.reduce(0) { $0 + $1.n }
        let between = g - Double(byGroup.count), within = total - g
        guard between >= 1, within >= 1 else {
            throw StatisticsError.insufficientData("an intra-class correlation needs more sites than arms and more "
                                                   + "people than sites (\(Int(g)) sites, \(Int(total)) people)")
        }
        var ssBetween = 0.0, ssWithin = 0.0
        for cluster in byCluster.values {
            let groupMean = byGroup[cluster.group]!.sum / byGroup[cluster.group]!.n, mean = cluster.sum / cluster.n
            ssBetween += cluster.n * (mean - groupMean) * (mean - groupMean)
            ssWithin += cluster.squares - cluster.n * mean * mean
        }
        let msb = ssBetween / between, msw = max(ssWithin, 0) / within
        let n0 = (total - byGroup.values.reduce(0) { $0 + $1.squaredSizes / $1.n }) / between
        let icc = max(0, (msb - msw) / (msb + (n0 - 1) * msw))
        let sizes = byCluster.values.map(\.n), mean = total / g
        let sd = (sizes.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / max(g - 1, 1)).squareRoot()
        let cv = sd / mean
        return IntraclassCorrelation(icc: icc.isFinite ? icc : 0, designEffect: 1 + ((1 + cv * cv) * mean - 1) * icc,
                                     clusters: Int(g), meanClusterSize: mean, sizeVariation: cv)
    }
}
