import OutcomesInstruments

/// The keys of a `multiple_choice` analysis: the multiple-choice item whose options it counts.
public struct MultipleChoiceSettings: KindSettings {
    static let keys: Set<String> = ["wave", "item"]
    static let requiredKeys = ["item"]

    public var item: String

    public init(item: String) { self.item = item }

    static func read(_ file: AnalysisFileKeys) -> MultipleChoiceSettings? {
        file.lines["item"] = file.top["item"]?.mark?.line
        return file.string("item").map(MultipleChoiceSettings.init)
    }

    func validate(_ definition: AnalysisDefinition, against instrument: Instrument,
                  _ problems: inout AnalysisProblems) {
        guard let found = instrument.item(item) else {
            problems.fail("item", "item '\(item)' is not in instrument \(instrument.id) \(instrument.version)")
            return
        }
        if found.type != .multipleChoice {
            problems.fail("item", "item '\(item)' is \(found.type.rawValue); "
                          + "a multiple_choice analysis needs a multiple_choice item"
                          + (found.type == .singleChoice
                             ? " (kind distribution shows a single_choice item's answers)" : ""))
        }
    }
}
