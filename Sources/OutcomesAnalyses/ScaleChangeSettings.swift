import OutcomesInstruments

/// The keys of a `scale_change` analysis: the scale (with levels) whose change it reports, and the
/// two waves it links.
public struct ScaleChangeSettings: KindSettings {
    static let keys: Set<String> = ["scale", "baseline_wave", "followup_wave"]
    static let requiredKeys = ["scale", "baseline_wave", "followup_wave"]

    public var scale: String
    public var baselineWave: String
    public var followupWave: String

    public init(scale: String, baselineWave: String, followupWave: String) {
        self.scale = scale
        self.baselineWave = baselineWave
        self.followupWave = followupWave
    }

    static func read(_ file: AnalysisFileKeys) -> ScaleChangeSettings? {
        let scale = file.string("scale")
        file.lines["scale"] = file.top["scale"]?.mark?.line
        guard let waves = file.waves(), let scale else { return nil }
        return ScaleChangeSettings(scale: scale, baselineWave: waves.baseline, followupWave: waves.followup)
    }

    func validate(_ definition: AnalysisDefinition, against instrument: Instrument,
                  _ problems: inout AnalysisProblems) {
        if let found = instrument.scale(scale) {
            if found.levels.isEmpty {
                problems.fail("scale", "scale '\(scale)' has no levels; "
                              + "a scale_change analysis reports level transitions")
            }
        } else {
            let known = instrument.scales.map(\.id)
            problems.fail("scale", "scale '\(scale)' is not in instrument \(instrument.id) \(instrument.version)"
                          + (known.isEmpty ? " (it has no scales)" : " (scales: \(known.joined(separator: ", ")))"))
        }
    }
}
