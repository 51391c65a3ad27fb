import OutcomesInstruments
import OutcomesStatistics

/// The keys of a `pilot_vs_control` analysis: the two waves, the outcomes compared, the covariates
/// adjusted for, the baseline characteristics shown by arm, the p-value adjustment and the
/// cost-effectiveness settings.
public struct PilotVsControlSettings: KindSettings {
    /// An outcome of a controlled evaluation: a scale score, or a binary event from a choice item.
    public enum Outcome: Sendable, Equatable {
        case scale(id: String, label: String?)
        /// The event happened when the item's answer is one of `events` (any other answer: it did not).
        case binary(item: String, events: [Int], label: String?)

        public var id: String {
            switch self {
            case let .scale(id, _): return id
            case let .binary(item, _, _): return item
            }
        }
    }

    public struct CostSettings: Sendable, Equatable {
        /// The item holding each respondent's cost for the period (pounds).
        public var item: String
        /// The scale whose change is the effect (e.g. the quality-of-life index).
        public var effect: String
        /// Willingness-to-pay thresholds, pounds per unit of effect.
        public var thresholds: [Double]
        public var replicates: Int
        public var seed: UInt64
        /// What each bootstrap replicate resamples within each arm.
        public var resample: Resample = .sites

        public enum Resample: String, Sendable, Equatable {
            /// Sites (clusters), the default: arms are allocated by site, and people at one site are
            /// alike in costs and outcomes, so resampling people alone gives intervals that are too narrow.
            case sites
            /// People: for evaluations that allocate individuals, not sites.
            case people
        }
    }

    /// How the arms were allocated, which decides how every comparison's uncertainty is computed.
    public enum Allocation: String, Sendable, Equatable {
        /// By site, the default (a pilot site against control sites): people at one site are alike, so every
        /// comparison has CR2 cluster-robust errors by site with Satterthwaite degrees of freedom.
        case sites
        /// Person by person (a randomised trial of individuals): Welch's t, chi-square and HC1 errors.
        case individuals
    }

    /// The adjusted comparison of a continuous outcome.
    public enum Model: String, Sendable, Equatable {
        /// Least squares on the baseline value and covariates (ANCOVA), the default.
        case ancova
        /// A linear mixed model with a random intercept for site, by REML: the standard analysis of a
        /// cluster-allocated trial (CONSORT's extension for cluster trials).
        case mixed
    }

    /// The degrees of freedom of a mixed model's tests.
    public enum MixedDegreesOfFreedom: String, Sendable, Equatable {
        case satterthwaite
        case kenwardRoger = "kenward_roger"
    }

    /// With arms allocated by site, how the least-squares comparisons' p-values and intervals are found.
    public enum Inference: Sendable, Equatable {
        /// CR2 standard errors by site, t on Satterthwaite degrees of freedom: the default.
        case cr2
        /// The restricted wild cluster bootstrap (WCR, MacKinnon and Webb), seeded: for very few sites.
        /// `weights` nil: Webb's six-point weights below 12 sites, Rademacher from 12.
        case wildBootstrap(replicates: Int, weights: BootstrapWeights?, seed: UInt64)
    }

    static let keys: Set<String> = [
        "baseline_wave", "followup_wave", "outcomes", "covariates", "balance", "adjust", "cost", "allocation",
        "model", "degrees_of_freedom", "inference", "bootstrap"
    ]
    static let requiredKeys = ["baseline_wave", "followup_wave", "outcomes"]

    public var baselineWave: String
    public var followupWave: String
    public var outcomes: [Outcome]
    public var covariates: [String]
    public var balance: [String]
    public var adjustment: AnalysisDefinition.Adjustment
    public var cost: CostSettings?
    public var allocation: Allocation = .sites
    public var model: Model = .ancova
    public var degreesOfFreedom: MixedDegreesOfFreedom = .satterthwaite
    public var inference: Inference = .cr2

    public init(baselineWave: String, followupWave: String, outcomes: [Outcome], covariates: [String] = [],
                balance: [String] = [], adjustment: AnalysisDefinition.Adjustment = .holm, cost: CostSettings? = nil) {
        self.baselineWave = baselineWave
        self.followupWave = followupWave
        self.outcomes = outcomes
        self.covariates = covariates
        self.balance = balance
        self.adjustment = adjustment
        self.cost = cost
    }

    static func read(_ file: AnalysisFileKeys) -> PilotVsControlSettings? {
        let r = file.reader
        let waves = file.waves()
        var outcomes: [Outcome] = []
        if let node = file.top["outcomes"], let list = r.sequence(node, "outcomes") {
            for outcomeNode in list {
                guard let map = r.mapping(outcomeNode, "an outcome", allowed: ["scale", "item", "event", "label"])
                else { continue }
                let label = map["label"].flatMap { r.string($0, "label") }
                if let scaleNode = map["scale"], let scaleID = r.string(scaleNode, "outcome scale") {
                    outcomes.append(.scale(id: scaleID, label: label))
                    file.lines["outcome:" + scaleID] = outcomeNode.mark?.line
                } else if let itemNode = map["item"], let itemID = r.string(itemNode, "outcome item") {
                    guard let eventNode = map["event"] else {
                        r.error(at: outcomeNode, "binary outcome \(itemID) needs 'event: [CODES]' "
                                + "(the answers that count as the event)")
                        continue
                    }
                    let events = (eventNode.sequence.map(Array.init) ?? [eventNode])
                        .compactMap { r.int($0, "event code") }
                    outcomes.append(.binary(item: itemID, events: events, label: label))
                    file.lines["outcome:" + itemID] = outcomeNode.mark?.line
                } else {
                    r.error(at: outcomeNode, "an outcome needs 'scale: SCALE_ID' "
                            + "or 'item: ITEM_ID' with 'event: [CODES]'")
                }
            }
            if list.isEmpty { r.error(at: node, "outcomes is empty") }
        }
        let covariates = file.predictors("covariates", "covariate") { predictor, node in
            if predictor.levels != nil || predictor.reference != nil {
                r.error(at: node, "grouped covariates (levels, reference) apply to process_associations; "
                        + "name the item only")
            }
        }.map(\.item)
        let balance = file.idList("balance")
        let adjustment = file.adjustment()
        var cost: CostSettings?
        if let node = file.top["cost"],
           let map = r.mapping(node, "cost",
                               allowed: ["item", "effect", "thresholds", "replicates", "seed", "resample"]) {
            let item = r.required(map, "item", in: node, "cost").flatMap { r.string($0, "cost item") }
            let effect = r.required(map, "effect", in: node, "cost").flatMap { r.string($0, "cost effect") }
            let thresholds = map["thresholds"].flatMap { r.sequence($0, "thresholds") }?.compactMap {
                r.double($0, "threshold")
            } ?? [20_000, 30_000]
            let replicates = map["replicates"].flatMap { r.int($0, "replicates") } ?? 1000
            if replicates < 100, let replicatesNode = map["replicates"] {
                r.error(at: replicatesNode, "use at least 100 bootstrap replicates (1,000 or more for reporting)")
            }
            let seed = map["seed"].flatMap { r.int($0, "seed") } ?? 1
            var resample = CostSettings.Resample.sites
            if let resampleNode = map["resample"], let text = r.string(resampleNode, "resample") {
                if let value = CostSettings.Resample(rawValue: text) { resample = value } else {
                    r.error(at: resampleNode, "resample should be sites (resample sites within each arm, the default) "
                            + "or people, found '\(text)'")
                }
            }
            if let item, let effect {
                cost = CostSettings(item: item, effect: effect, thresholds: thresholds, replicates: replicates,
                                    seed: UInt64(max(0, seed)), resample: resample)
                file.lines["cost"] = node.mark?.line
            }
        }
        var allocation = Allocation.sites
        if let node = file.top["allocation"], let text = r.string(node, "allocation") {
            if let value = Allocation(rawValue: text) { allocation = value } else {
                r.error(at: node, "allocation should be sites (arms allocated by site, the default) "
                        + "or individuals, found '\(text)'")
            }
        }
        var model = Model.ancova, degreesOfFreedom = MixedDegreesOfFreedom.satterthwaite
        if let node = file.top["model"], let text = r.string(node, "model") {
            if let value = Model(rawValue: text) { model = value } else {
                r.error(at: node, "model should be ancova (least squares, the default) or mixed (a random "
                        + "intercept for site, by REML), found '\(text)'")
            }
        }
        if let node = file.top["degrees_of_freedom"], let text = r.string(node, "degrees_of_freedom") {
            if let value = MixedDegreesOfFreedom(rawValue: text) { degreesOfFreedom = value } else {
                r.error(at: node, "degrees_of_freedom should be satterthwaite (the default) or kenward_roger, "
                        + "found '\(text)'")
            }
            if model != .mixed { r.error(at: node, "degrees_of_freedom applies to model: mixed") }
        }
        var inference = Inference.cr2
        if let node = file.top["inference"], let text = r.string(node, "inference") {
            switch text {
            case "cr2": break
            case "wild_bootstrap":
                var replicates = 9999, weights: BootstrapWeights?, seed: UInt64 = 1
                if let bootstrap = file.top["bootstrap"],
                   let map = r.mapping(bootstrap, "bootstrap", allowed: ["replicates", "weights", "seed"]) {
                    replicates = map["replicates"].flatMap { r.int($0, "replicates") } ?? replicates
                    if replicates < 999, let at = map["replicates"] {
                        r.error(at: at, "use at least 999 wild bootstrap replicates (9,999 for reporting)")
                    }
                    seed = UInt64(max(0, map["seed"].flatMap { r.int($0, "seed") } ?? 1))
                    if let at = map["weights"], let name = r.string(at, "weights"), name != "auto" {
                        weights = BootstrapWeights(rawValue: name)
                        if weights == nil {
                            r.error(at: at, "weights should be auto (Webb below 12 sites, Rademacher from 12), "
                                    + "webb or rademacher, found '\(name)'")
                        }
                    }
                }
                inference = .wildBootstrap(replicates: replicates, weights: weights, seed: seed)
            default:
                r.error(at: node, "inference should be cr2 (CR2 errors by site, the default) or wild_bootstrap "
                        + "(the restricted wild cluster bootstrap, for very few sites), found '\(text)'")
            }
        }
        if file.top["bootstrap"] != nil, case .cr2 = inference, let node = file.top["bootstrap"] {
            r.error(at: node, "bootstrap applies to inference: wild_bootstrap")
        }
        guard let waves else { return nil }
        var settings = PilotVsControlSettings(baselineWave: waves.baseline, followupWave: waves.followup,
                                              outcomes: outcomes, covariates: covariates, balance: balance,
                                              adjustment: adjustment, cost: cost)
        settings.allocation = allocation
        settings.model = model
        settings.degreesOfFreedom = degreesOfFreedom
        settings.inference = inference
        if case .wildBootstrap = inference, allocation == .individuals, let node = file.top["inference"] {
            r.error(at: node, "inference: wild_bootstrap resamples sites, for arms allocated by site")
        }
        if model == .mixed, allocation == .individuals, let node = file.top["model"] {
            r.error(at: node, "model: mixed has a random intercept for site, for arms allocated by site; "
                    + "with allocation: individuals use model: ancova")
        }
        return settings
    }

    func validate(_ definition: AnalysisDefinition, against instrument: Instrument,
                  _ problems: inout AnalysisProblems) {
        for outcome in outcomes {
            switch outcome {
            case let .scale(id, _):
                if instrument.scale(id) == nil {
                    problems.fail("outcome:" + id, "outcome scale '\(id)' is not in instrument "
                                  + "\(instrument.id) \(instrument.version) "
                                  + "(scales: \(instrument.scales.map(\.id).joined(separator: ", ")))")
                }
            case let .binary(item, events, _):
                guard let found = instrument.item(item) else {
                    problems.fail("outcome:" + item, "outcome item '\(item)' is not in instrument "
                                  + "\(instrument.id) \(instrument.version)")
                    continue
                }
                guard found.type == .singleChoice, let set = instrument.choiceSet(for: found) else {
                    problems.fail("outcome:" + item, "binary outcome '\(item)' must be a single_choice item"); continue
                }
                for code in events where set.choice(code) == nil {
                    problems.fail("outcome:" + item, "event code \(code) is not in \(item)'s choice set \(set.id)")
                }
                if events.isEmpty { problems.fail("outcome:" + item, "binary outcome '\(item)' lists no event codes") }
            }
        }
        for (key, list) in [("covariates", covariates), ("balance", balance)] {
            for itemID in list {
                guard let item = instrument.item(itemID) else {
                    problems.fail("\(key):" + itemID, "\(key) item '\(itemID)' is not in instrument "
                                  + "\(instrument.id) \(instrument.version)")
                    continue
                }
                if ![.singleChoice, .integer, .number].contains(item.type) {
                    problems.fail("\(key):" + itemID, "\(key) item '\(itemID)' is \(item.type.rawValue); "
                                  + "use a single_choice, integer or number item")
                }
            }
        }
        if let cost {
            if let item = instrument.item(cost.item) {
                if item.type != .number && item.type != .integer {
                    problems.fail("cost", "cost item '\(cost.item)' must be a number item")
                }
            } else {
                problems.fail("cost", "cost item '\(cost.item)' is not in instrument "
                              + "\(instrument.id) \(instrument.version)")
            }
            if instrument.scale(cost.effect) == nil {
                problems.fail("cost", "cost effect scale '\(cost.effect)' is not in instrument \(instrument.id)")
            }
        }
    }
}
