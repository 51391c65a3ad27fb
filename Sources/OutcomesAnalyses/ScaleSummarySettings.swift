import OutcomesInstruments

/// The keys of a `scale_summary` analysis: the wave, and the scale whose scores (and levels, if it
/// has them) it summarises.
public struct ScaleSummarySettings: KindSettings {
    static let keys: Set<String> = ["wave", "scale"]
    static let requiredKeys = ["scale"]

    public var scale: String

    public init(scale: String) { self.scale = scale }

    static func read(_ file: AnalysisFileKeys) -> ScaleSummarySettings? {
        file.lines["scale"] = file.top["scale"]?.mark?.line
        return file.string("scale").map(ScaleSummarySettings.init)
    }

    func validate(_ definition: AnalysisDefinition, against instrument: Instrument,
                  _ problems: inout AnalysisProblems) {
        if instrument.scale(scale) == nil {
            let known = instrument.scales.map(\.id)
            problems.fail("scale", "scale '\(scale)' is not in instrument \(instrument.id) \(instrument.version)"
                          + (known.isEmpty ? " (it has no scales)" : " (scales: \(known.joined(separator: ", ")))"))
        }
    }
}
