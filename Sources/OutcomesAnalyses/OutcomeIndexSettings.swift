import OutcomesInstruments

/// The keys of an `outcome_index` analysis: the wave and the outcome items counted, none of its own.
public struct OutcomeIndexSettings: KindSettings {
    static let keys: Set<String> = ["wave", "items"]
    static let requiredKeys: [String] = []

    public init() {}

    static func read(_ file: AnalysisFileKeys) -> OutcomeIndexSettings? { OutcomeIndexSettings() }

    func validate(_ definition: AnalysisDefinition, against instrument: Instrument,
                  _ problems: inout AnalysisProblems) {
        problems.requireOutcomeItems(definition, in: instrument)
    }
}
