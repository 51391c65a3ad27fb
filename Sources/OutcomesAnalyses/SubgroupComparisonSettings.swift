import OutcomesInstruments
import OutcomesStatistics

/// The keys of a `subgroup_comparison` analysis: its subgroups (which it must have) and how the
/// p-values of the domains are adjusted (`adjust: holm | bh`).
public struct SubgroupComparisonSettings: KindSettings {
    static let keys: Set<String> = ["wave", "items", "adjust", "two_by_two"]
    static let requiredKeys = ["subgroups"]

    public var adjustment: AnalysisDefinition.Adjustment
    /// The chi-square of a two-group comparison (a 2 x 2 table): Yates-corrected by default.
    public var twoByTwo: TwoByTwoChiSquare

    public init(adjustment: AnalysisDefinition.Adjustment = .holm, twoByTwo: TwoByTwoChiSquare = .yates) {
        self.adjustment = adjustment
        self.twoByTwo = twoByTwo
    }

    static func read(_ file: AnalysisFileKeys) -> SubgroupComparisonSettings? {
        var twoByTwo = TwoByTwoChiSquare.yates
        if let node = file.top["two_by_two"], let text = file.reader.string(node, "two_by_two") {
            if let value = TwoByTwoChiSquare(rawValue: text) { twoByTwo = value } else {
                file.reader.error(at: node, "two_by_two should be yates (the default, as R's chisq.test and SciPy), "
                                  + "n_minus_1 (Campbell 2007) or pearson (uncorrected), found '\(text)'")
            }
        }
        return SubgroupComparisonSettings(adjustment: file.adjustment(), twoByTwo: twoByTwo)
    }

    func validate(_ definition: AnalysisDefinition, against instrument: Instrument,
                  _ problems: inout AnalysisProblems) {
        problems.requireOutcomeItems(definition, in: instrument)
    }
}
