import OutcomesInstruments

/// The keys of a `site_benchmark` analysis: the wave and the outcome items (domains) whose % positive
/// each site is compared on; none of its own.
public struct SiteBenchmarkSettings: KindSettings {
    static let keys: Set<String> = ["wave", "items"]
    static let requiredKeys: [String] = []

    public init() {}

    static func read(_ file: AnalysisFileKeys) -> SiteBenchmarkSettings? { SiteBenchmarkSettings() }

    func validate(_ definition: AnalysisDefinition, against instrument: Instrument,
                  _ problems: inout AnalysisProblems) {
        problems.requireOutcomeItems(definition, in: instrument)
        if !definition.subgroups.isEmpty {
            problems.fail("subgroups do not apply to a site_benchmark analysis: "
                          + "it compares each site with the other sites")
        }
        if definition.weighting?.clustersAreSites == true {
            problems.fail("design", "clusters: site does not apply to a site_benchmark analysis: each site "
                          + "would be one whole cluster, whose share then has no design variance; give the "
                          + "weights (and strata) without clusters")
        }
    }
}
