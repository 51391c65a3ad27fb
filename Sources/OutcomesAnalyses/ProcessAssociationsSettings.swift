import OutcomesInstruments

/// The keys of a `process_associations` analysis: the process items whose answers are compared, the
/// covariates adjusted for (each with any grouping of its answers), how p-values are adjusted across
/// domains and how standard errors are found.
public struct ProcessAssociationsSettings: KindSettings {
    /// How a process association model's standard errors (and so its intervals and p-values) are found.
    public enum StandardErrors: String, Sendable, CaseIterable {
        /// The default: clustered by site whenever the responses come from 2 sites or more: CR2 with
        /// Satterthwaite degrees of freedom below `ProcessAssociations.sitesForCR1` sites, where few
        /// clusters need it, CR1 from there (the two then agree closely, and CR2 costs a decomposition
        /// per site); classical with one site (the table says which).
        case automatic = "auto"
        /// Cluster-robust by site, bias-reduced for few sites (CR2, Bell and McCaffrey), with t on each
        /// odds ratio's Satterthwaite degrees of freedom (Pustejovsky and Tipton 2018).
        case cr2
        /// Cluster-robust by site (CR1): people supported by one council or provider are alike, so
        /// treating them as independent gives intervals that are too narrow and p-values that are too
        /// small. Needs at least 2 sites, and is itself too narrow with few (Cameron and Miller 2015).
        case clusteredBySite = "clustered_by_site"
        /// From the model's information matrix, treating every respondent as independent.
        case classical
    }

    static let keys: Set<String> = ["wave", "items", "processes", "covariates", "adjust", "standard_errors"]
    static let requiredKeys = ["processes"]

    public var processes: [AnalysisDefinition.Predictor]
    public var covariates: [AnalysisDefinition.Predictor]
    public var adjustment: AnalysisDefinition.Adjustment
    public var standardErrors: StandardErrors

    public init(processes: [AnalysisDefinition.Predictor], covariates: [AnalysisDefinition.Predictor] = [],
                adjustment: AnalysisDefinition.Adjustment = .holm, standardErrors: StandardErrors = .automatic) {
        self.processes = processes
        self.covariates = covariates
        self.adjustment = adjustment
        self.standardErrors = standardErrors
    }

    static func read(_ file: AnalysisFileKeys) -> ProcessAssociationsSettings? {
        let covariates = file.predictors("covariates", "covariate")
        let processes = file.predictors("processes", "process", emptyMessage: "processes is empty")
        let adjustment = file.adjustment()
        var standardErrors = StandardErrors.automatic
        if let node = file.top["standard_errors"], let text = file.reader.string(node, "standard_errors") {
            file.lines["standard_errors"] = node.mark?.line
            if let value = StandardErrors(rawValue: text) { standardErrors = value } else {
                file.reader.error(at: node, "standard_errors should be auto "
                                  + "(the default: clustered by site, CR2 below 50 sites and CR1 from 50), "
                                  + "cr2, clustered_by_site (CR1) or classical (every respondent independent), "
                                  + "found '\(text)'")
            }
        }
        return ProcessAssociationsSettings(processes: processes, covariates: covariates, adjustment: adjustment,
                                           standardErrors: standardErrors)
    }

    func validate(_ definition: AnalysisDefinition, against instrument: Instrument,
                  _ problems: inout AnalysisProblems) {
        problems.requireOutcomeItems(definition, in: instrument)
        for (key, predictors) in [("processes", processes), ("covariates", covariates)] {
            for predictor in predictors {
                let where_ = "\(key):" + predictor.item
                guard let item = instrument.item(predictor.item) else {
                    problems.fail(where_, "\(key) item '\(predictor.item)' is not in instrument "
                                  + "\(instrument.id) \(instrument.version)")
                    continue
                }
                guard item.type == .singleChoice, let set = instrument.choiceSet(for: item) else {
                    if key == "covariates", item.type == .integer || item.type == .number, predictor.levels == nil {
                        continue
                    }
                    problems.fail(where_, "\(key) item '\(predictor.item)' is \(item.type.rawValue); "
                                  + "use a single_choice item"
                                  + "\(key == "covariates" ? " (or a number without levels)" : "")")
                    continue
                }
                var seen: Set<Int> = []
                for level in predictor.levels ?? [] {
                    for code in level.codes {
                        if set.choice(code) == nil {
                            problems.fail(where_, "code \(code) (level '\(level.label)') is not in "
                                          + "\(predictor.item)'s choice set \(set.id)")
                        }
                        if !seen.insert(code).inserted {
                            problems.fail(where_, "code \(code) of \(predictor.item) is in two levels")
                        }
                    }
                }
                if let reference = predictor.reference {
                    let labels = predictor.levels.map { $0.map(\.label) }
                        ?? set.choices.flatMap { [String($0.code), $0.label] }
                    if !labels.contains(reference) {
                        let known = predictor.levels.map { $0.map(\.label) }
                            ?? set.choices.map { "\($0.code) \($0.label)" }
                        problems.fail(where_, "reference '\(reference)' is not a level of \(predictor.item) "
                                      + "(levels: \(known.joined(separator: ", ")))")
                    }
                }
            }
        }
    }
}
