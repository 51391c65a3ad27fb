import OutcomesInstruments
import OutcomesStatistics
import OutcomesStore

/// One site in one domain: its % positive, that of the other sites pooled, and where it falls in the
/// funnel around the pooled % of every site.
public struct BenchmarkedSite: Sendable, Equatable {
    /// Where a site's % positive falls against the funnel's control limits at its number answering.
    public enum Position: String, Sendable {
        case above998 = "above 99.8% limit", above95 = "above 95% limit", within = "within limits"
        case below95 = "below 95% limit", below998 = "below 99.8% limit", noAnswers = "no answers"

        /// Outside the 95% limits (and so worth a look): 1 in 20 sites falls there by chance alone.
        public var isOutside: Bool { self != .within && self != .noAnswers }
    }

    public var site: String
    public var responses: Int
    /// Positive among the site's respondents answering on the scale.
    public var positive: ProportionEstimate
    /// Positive among the other sites' respondents answering, pooled.
    public var rest: ProportionEstimate
    /// The site minus the rest, with Newcombe's hybrid score interval, or weighted the design's
    /// (nil when either is empty).
    public var difference: Comparison?
    /// The funnel's 95% and 99.8% limits at the site's number answering, or weighted at its effective
    /// sample size (nil with no answers).
    public var inner: ClosedRange<Double>?
    public var outer: ClosedRange<Double>?
    public var position: Position
    /// Weighted: the difference's standard error and degrees of freedom, and Kish's effective sample
    /// size (Σw)² / Σw² of the site's respondents answering, at which the funnel's limits are.
    public var weightedDifference: SurveyDifference? = nil
    public var effectiveN: Double? = nil
}

/// One domain: the pooled % positive of every site (the funnel's centre), and each site.
public struct BenchmarkedDomain: Sendable, Equatable {
    public var item: String
    public var domain: Domain
    public var pooled: ProportionEstimate
    public var sites: [BenchmarkedSite]
}

/// Each site against the rest, per outcome domain, with a funnel plot's control limits.
public struct SiteBenchmarkResult: PoolsInstrumentVersions {
    public var definition: AnalysisDefinition
    public var instrumentID: String
    public var instrumentVersion: String
    public var instrumentTitle: String
    public var wave: String?
    public var responses: Int
    public var sites: [String]
    /// The instrument versions pooled, when not only the labelling one (set by the runner).
    public var versions = InstrumentVersions()
    public var domains: [BenchmarkedDomain]
    /// The survey design the shares were weighted by; nil: unweighted.
    public var design: Weighting.Summary? = nil
}

public enum SiteBenchmark {
    /// Per domain and site: % positive, the other sites' pooled %, the difference with its interval,
    /// and the exact binomial funnel limits around the pooled % of all sites (Spiegelhalter 2005).
    /// Weighted: the design's shares and difference (`svycontrast` of the two domain means), and the
    /// funnel's normal limits at each site's effective sample size.
    public static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> SiteBenchmarkResult {
        let instrument = frame.instrument
        try definition.validate(against: instrument)
        let items = try definition.outcomeItems(of: instrument)
        let siteNames = frame.siteNames
        let siteOf = frame.sites.codes.map { code in siteNames.firstIndex(of: frame.sites.levels[Int(code)])! }
        var responses = Array(repeating: 0, count: siteNames.count)
        for site in siteOf { responses[site] += 1 }
        let weighted = try WeightedGroups(definition, frame: frame)
        let domains = try items.map { item -> BenchmarkedDomain in
            let categories = OutcomeCategory.codes(item, frame: frame)
            var positive = Array(repeating: 0, count: siteNames.count), answering = positive
            for (row, category) in categories.enumerated() where category <= 2 {
                answering[siteOf[row]] += 1
                if category == 0 { positive[siteOf[row]] += 1 }
            }
            let counts = SiteCounts(positive: positive, answering: answering)
            let sites = try weighted.map { try weightedSites(counts, categories, siteOf: siteOf, design: $0) }
                ?? simpleSites(counts, confidence: definition.confidence)
            return BenchmarkedDomain(item: item.id,
                                     domain: instrument.domain(item.domain!)
                                         ?? Domain(id: item.domain!, label: item.domain!),
                                     pooled: sites.pooled,
                                     sites: siteNames.indices.map { s in
                                         var site = sites.sites[s]
                                         (site.site, site.responses) = (siteNames[s], responses[s])
                                         return site
                                     })
        }
        return SiteBenchmarkResult(definition: definition, instrumentID: instrument.id,
                                   instrumentVersion: instrument.version,
                                   instrumentTitle: instrument.title, wave: definition.wave, responses: frame.count,
                                   sites: siteNames, domains: domains, design: weighted?.summary)
    }

    /// Positive and answering on the scale, per site.
    struct SiteCounts {
        var positive: [Int]
        var answering: [Int]
        var total: Int { positive.reduce(0, +) }
        var totalN: Int { answering.reduce(0, +) }
    }

    /// The funnel position of a share against its limits.
    static func position(_ p: Double, inner: ClosedRange<Double>, outer: ClosedRange<Double>)
        -> BenchmarkedSite.Position {
        p > outer.upperBound ? .above998 : p > inner.upperBound ? .above95
            : p < outer.lowerBound ? .below998 : p < inner.lowerBound ? .below95 : .within
    }

    /// Wilson shares, Newcombe's difference and exact binomial limits (sites' names are set by the caller).
    static func simpleSites(_ c: SiteCounts, confidence: Double) throws
        -> (pooled: ProportionEstimate, sites: [BenchmarkedSite]) {
        let pooled = try Proportions.wilson(count: c.total, n: c.totalN, confidence: confidence)
        let sites = try c.answering.indices.map { s -> BenchmarkedSite in
            let own = try Proportions.wilson(count: c.positive[s], n: c.answering[s], confidence: confidence)
            let rest = try Proportions.wilson(count: c.total - c.positive[s], n: c.totalN - c.answering[s],
                                              confidence: confidence)
            let difference = c.answering[s] > 0 && c.totalN > c.answering[s]
                ? try Proportions.difference(count1: c.positive[s], n1: c.answering[s], count2: c.total - c.positive[s],
                                             n2: c.totalN - c.answering[s], confidence: confidence)
                : nil
            var site = BenchmarkedSite(site: "", responses: 0, positive: own, rest: rest, difference: difference,
                                       inner: nil, outer: nil, position: .noAnswers)
            guard c.answering[s] > 0 else { return site }
            let (inner, outer) = try FunnelLimits.limits(target: pooled.proportion, n: c.answering[s])
            (site.inner, site.outer) = (inner, outer)
            site.position = position(own.proportion, inner: inner, outer: outer)
            return site
        }
        return (pooled, sites)
    }

    /// The design's shares of the site, the rest and all sites; the difference of site and rest as one
    /// linearised contrast; normal limits at the site's Kish effective sample size. Everything follows
    /// from each site's sums by stratum and raking cell, gathered in one pass over the rows.
    static func weightedSites(_ c: SiteCounts, _ categories: [UInt8], siteOf: [Int], design w: WeightedGroups) throws
        -> (pooled: ProportionEstimate, sites: [BenchmarkedSite]) {
        let design = w.design
        let positive = categories.map { $0 == 0 ? 1.0 : $0 <= 2 ? 0 : .nan }
        let bySite = design.sums(values: positive, domains: siteOf.map(Int32.init), domainCount: c.answering.count)
        let all = design.sums(values: positive, domains: Array(repeating: 0, count: positive.count), domainCount: 1)[0]
        func share(_ sums: DomainSums, count: Int, n: Int) throws -> ProportionEstimate {
            try Proportions.wilson(count: count, n: n, confidence: w.confidence)
                .weighted(by: design.estimate(sums, confidence: w.confidence, interval: w.interval))
        }
        let pooled = try share(all, count: c.total, n: c.totalN)
        let sites = try c.answering.indices.map { s -> BenchmarkedSite in
            let restSums = all.subtracting(bySite[s])
            let own = try share(bySite[s], count: c.positive[s], n: c.answering[s])
            let rest = try share(restSums, count: c.total - c.positive[s], n: c.totalN - c.answering[s])
            let contrast = c.answering[s] > 0 && c.totalN > c.answering[s]
                ? design.difference(bySite[s], restSums, confidence: w.confidence) : nil
            var site = BenchmarkedSite(site: "", responses: 0, positive: own, rest: rest,
                                       difference: contrast.map {
                                           Comparison(estimate: $0.estimate, lower: $0.lower, upper: $0.upper,
                                                      confidence: $0.confidence)
                                       },
                                       inner: nil, outer: nil, position: .noAnswers, weightedDifference: contrast)
            guard c.answering[s] > 0 else { return site }
            let effective = bySite[s].kishEffectiveN
            let (inner, outer) = try FunnelLimits.normal(target: pooled.proportion, effectiveN: effective)
            (site.inner, site.outer, site.effectiveN) = (inner, outer, effective)
            site.position = position(own.proportion, inner: inner, outer: outer)
            return site
        }
        return (pooled, sites)
    }
}

extension SiteBenchmark: AnalysisKind {
    typealias Settings = SiteBenchmarkSettings
    static let name = "site_benchmark"

    static func request(for definition: AnalysisDefinition, instrument: Instrument,
                        store: any ResponseSource) throws -> FrameRequest {
        try .oneWave(definition, store: store, items: definition.items ?? instrument.outcomeItems.map(\.id))
    }
}

extension AnalysisDefinition.Kind {
    public static let siteBenchmark = AnalysisDefinition.Kind(SiteBenchmark.self)
}

extension SiteBenchmarkResult: AnalysisResult {}
