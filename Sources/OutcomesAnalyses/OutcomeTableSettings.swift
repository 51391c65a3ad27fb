import OutcomesInstruments

/// The keys of an `outcome_table` analysis: the wave and the outcome items, which every analysis of
/// one survey wave has, and none of its own.
public struct OutcomeTableSettings: KindSettings {
    static let keys: Set<String> = ["wave", "items"]
    static let requiredKeys: [String] = []

    public init() {}

    static func read(_ file: AnalysisFileKeys) -> OutcomeTableSettings? { OutcomeTableSettings() }

    func validate(_ definition: AnalysisDefinition, against instrument: Instrument,
                  _ problems: inout AnalysisProblems) {
        problems.requireOutcomeItems(definition, in: instrument)
    }
}
