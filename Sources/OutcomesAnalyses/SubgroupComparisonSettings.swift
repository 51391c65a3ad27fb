import OutcomesInstruments

/// The keys of a `subgroup_comparison` analysis: its subgroups (which it must have) and how the
/// p-values of the domains are adjusted (`adjust: holm | bh`).
public struct SubgroupComparisonSettings: KindSettings {
    static let keys: Set<String> = ["wave", "items", "adjust"]
    static let requiredKeys = ["subgroups"]

    public var adjustment: AnalysisDefinition.Adjustment

    public init(adjustment: AnalysisDefinition.Adjustment = .holm) { self.adjustment = adjustment }

    static func read(_ file: AnalysisFileKeys) -> SubgroupComparisonSettings? {
        SubgroupComparisonSettings(adjustment: file.adjustment())
    }

    func validate(_ definition: AnalysisDefinition, against instrument: Instrument,
                  _ problems: inout AnalysisProblems) {
        problems.requireOutcomeItems(definition, in: instrument)
    }
}
