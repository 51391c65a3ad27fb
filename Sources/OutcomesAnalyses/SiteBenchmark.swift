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
    /// The site minus the rest, with Newcombe's hybrid score interval (nil when either is empty).
    public var difference: Comparison?
    /// The funnel's 95% and 99.8% limits at the site's number answering (nil with no answers).
    public var inner: ClosedRange<Double>?
    public var outer: ClosedRange<Double>?
    public var position: Position
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
}

public enum SiteBenchmark {
    /// Per domain and site: % positive, the other sites' pooled %, the difference with its interval,
    /// and the exact binomial funnel limits around the pooled % of all sites (Spiegelhalter 2005).
    public static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> SiteBenchmarkResult {
        let instrument = frame.instrument
        try definition.validate(against: instrument)
        let items = try definition.outcomeItems(of: instrument)
        let siteNames = frame.siteNames
        let siteOf = frame.sites.codes.map { code in siteNames.firstIndex(of: frame.sites.levels[Int(code)])! }
        var responses = Array(repeating: 0, count: siteNames.count)
        for site in siteOf { responses[site] += 1 }
        let confidence = definition.confidence
        let domains = try items.map { item -> BenchmarkedDomain in
            var positive = Array(repeating: 0, count: siteNames.count), answering = positive
            for (row, category) in OutcomeCategory.column(item, frame: frame).enumerated() {
                switch category {
                case .positive?: positive[siteOf[row]] += 1; answering[siteOf[row]] += 1
                case .neutral?, .negative?: answering[siteOf[row]] += 1
                default: break
                }
            }
            let total = positive.reduce(0, +), totalN = answering.reduce(0, +)
            let pooled = try Proportions.wilson(count: total, n: totalN, confidence: confidence)
            let sites = try siteNames.indices.map { s -> BenchmarkedSite in
                let own = try Proportions.wilson(count: positive[s], n: answering[s], confidence: confidence)
                let rest = try Proportions.wilson(count: total - positive[s], n: totalN - answering[s],
                                                  confidence: confidence)
                let difference = answering[s] > 0 && totalN > answering[s]
                    ? try Proportions.difference(count1: positive[s], n1: answering[s], count2: total - positive[s],
                                                 n2: totalN - answering[s], confidence: confidence)
                    : nil
                guard answering[s] > 0, totalN > 0 else {
                    return BenchmarkedSite(site: siteNames[s], responses: responses[s], positive: own, rest: rest,
                                           difference: difference, inner: nil, outer: nil, position: .noAnswers)
                }
                let (inner, outer) = try FunnelLimits.limits(target: pooled.proportion, n: answering[s])
                let p = own.proportion
                let position: BenchmarkedSite.Position = p > outer.upperBound ? .above998
                    : p > inner.upperBound ? .above95
                    : p < outer.lowerBound ? .below998 : p < inner.lowerBound ? .below95 : .within
                return BenchmarkedSite(site: siteNames[s], responses: responses[s], positive: own, rest: rest,
                                       difference: difference, inner: inner, outer: outer, position: position)
            }
            return BenchmarkedDomain(item: item.id,
                                     domain: instrument.domain(item.domain!)
                                         ?? Domain(id: item.domain!, label: item.domain!),
                                     pooled: pooled, sites: sites)
        }
        return SiteBenchmarkResult(definition: definition, instrumentID: instrument.id,
                                   instrumentVersion: instrument.version,
                                   instrumentTitle: instrument.title, wave: definition.wave, responses: frame.count,
                                   sites: siteNames, domains: domains)
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
