import Foundation
import OutcomesInstruments
import Yams

/// An analysis, defined as data (a YAML file under `analyses/`).
///
/// ```yaml
/// id: budget-holder-outcomes
/// title: What difference personal budgets made, as budget holders report it
/// kind: outcome_table
/// instrument: budget-holder
/// wave: "2026"              # optional if the store holds one wave of this instrument
/// items: all_outcomes       # or a list of outcome item ids
/// subgroups:
///   - {item: budget_management}
///   - {field: site, label: Site}
/// confidence: 0.95          # optional
/// ```
///
/// A `scale_change` analysis names a scale and two waves instead of items:
/// ```yaml
/// kind: scale_change
/// instrument: activation
/// scale: activation_score
/// baseline_wave: baseline
/// followup_wave: followup
/// ```
public struct AnalysisDefinition: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Per outcome domain: % positive, no change and negative, with Wilson intervals.
        case outcomeTable = "outcome_table"
        /// Change in a scale score and level between a baseline and a follow-up wave, per respondent.
        case scaleChange = "scale_change"
        /// A controlled evaluation: pilot against control sites, baseline to follow-up, with
        /// balance, adjusted differences robust to clustering by site, effect sizes and costs.
        case pilotVsControl = "pilot_vs_control"
        /// Per outcome domain: % positive in each level of each subgroup variable, tested with
        /// chi-square (Fisher's exact test when an expected count is below 5), p adjusted across domains.
        case subgroupComparison = "subgroup_comparison"
        /// Per outcome domain: logistic regression of "positive" on process items and covariates
        /// (odds ratios with intervals), and a summary of which processes go with better outcomes.
        case processAssociations = "process_associations"
        /// Per respondent: domains better minus domains worse; its distribution and mean by subgroup.
        case outcomeIndex = "outcome_index"
        /// The answers to one choice item (e.g. confidence that needs will be met), overall and by subgroup.
        case distribution
    }

    /// A choice item used as a predictor: each answer its own level, or answers grouped into levels.
    public struct Predictor: Sendable, Equatable {
        public struct Level: Sendable, Equatable {
            public var label: String
            public var codes: [Int]
            public init(label: String, codes: [Int]) { self.label = label; self.codes = codes }
        }
        public var item: String
        public var label: String?
        /// Answer codes grouped into levels, in order; nil: every answer that is not a special code
        /// ("don't know", "not applicable") is a level. Codes in no level count as missing.
        public var levels: [Level]?
        /// The level the others are compared with (its label, or its code); nil: the first level.
        public var reference: String?
        public init(item: String, label: String? = nil, levels: [Level]? = nil, reference: String? = nil) {
            self.item = item
            self.label = label
            self.levels = levels
            self.reference = reference
        }
    }

    /// The answers summarised together in a distribution (e.g. "Confident": very or fairly confident).
    public struct TopCategory: Sendable, Equatable {
        public var label: String
        public var codes: [Int]
    }

    /// A variable to split the table by: an item of the instrument, or a field every response has.
    public enum Subgroup: Sendable, Equatable {
        case item(id: String, label: String?)
        case field(ResponseField, label: String?)
    }

    public enum ResponseField: String, Sendable, CaseIterable { case site, arm, wave }

    public var file: String
    public var id: String
    public var title: String
    public var kind: Kind
    public var instrument: String
    public var wave: String?
    /// Outcome items to report; nil means every outcome item of the instrument.
    public var items: [String]?
    public var subgroups: [Subgroup]
    public var confidence: Double
    /// For `scale_change`: the scale and the two waves to link.
    public var scale: String?
    public var baselineWave: String?
    public var followupWave: String?
    /// For `pilot_vs_control`: the outcomes, covariates, balance characteristics, p-value adjustment
    /// and cost-effectiveness settings.
    public var outcomes: [Outcome] = []
    public var covariates: [String] = []
    public var balance: [String] = []
    public var adjustment: Adjustment = .holm
    public var cost: CostSettings?
    /// For `process_associations`: the process items, and the covariates with any grouping of their answers.
    public var processes: [Predictor] = []
    public var covariatePredictors: [Predictor] = []
    public var standardErrors: StandardErrors = .automatic
    /// For `distribution`: the item, and the answers reported together as one share.
    public var item: String?
    public var top: TopCategory?

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

    /// How a process association model's standard errors (and so its intervals and p-values) are found.
    public enum StandardErrors: String, Sendable, CaseIterable {
        /// The default: clustered by site when the responses come from at least
        /// `ProcessAssociations.fewestSitesToCluster` sites, classical otherwise (the table says which).
        case automatic = "auto"
        /// Cluster-robust by site (CR1): people supported by one council or provider are alike, so
        /// treating them as independent gives intervals that are too narrow and p-values that are too
        /// small. Needs at least 2 sites, and is itself too narrow with few (Cameron and Miller 2015).
        case clusteredBySite = "clustered_by_site"
        /// From the model's information matrix, treating every respondent as independent.
        case classical
    }

    public enum Adjustment: String, Sendable, CaseIterable {
        case holm
        case bh
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
    /// File lines of the parts checked against the instrument later, for messages.
    var lines: [String: Int] = [:]

    public init(file: String = "<analysis>", id: String, title: String, kind: Kind, instrument: String, wave: String? = nil,
                items: [String]? = nil, subgroups: [Subgroup] = [], confidence: Double = 0.95) {
        self.file = file
        self.id = id
        self.title = title
        self.kind = kind
        self.instrument = instrument
        self.wave = wave
        self.items = items
        self.subgroups = subgroups
        self.confidence = confidence
    }

    /// Loads an analysis file; throws a `DiagnosticList` naming every problem with its line.
    public static func load(file: String) throws -> AnalysisDefinition {
        let reader = YAMLReader(file: file)
        let definition = reader.parseFile().flatMap { parse(root: $0, reader: reader) }
        if let definition, reader.diagnostics.isEmpty { return definition }
        throw DiagnosticList(reader.diagnostics)
    }

    public static func parse(_ text: String, file: String = "<analysis>") throws -> AnalysisDefinition {
        let reader = YAMLReader(file: file)
        let definition = reader.parse(text).flatMap { parse(root: $0, reader: reader) }
        if let definition, reader.diagnostics.isEmpty { return definition }
        throw DiagnosticList(reader.diagnostics)
    }

    static func parse(root: Node, reader r: YAMLReader) -> AnalysisDefinition? {
        guard let top = r.mapping(root, "the analysis",
                                  allowed: ["id", "title", "kind", "instrument", "wave", "items", "subgroups", "confidence",
                                            "scale", "baseline_wave", "followup_wave", "outcomes", "covariates",
                                            "balance", "adjust", "cost", "processes", "standard_errors", "item", "top"])
        else { return nil }
        let id = r.required(top, "id", in: root, "the analysis").flatMap { r.string($0, "id") }
        if let id, !YAMLReader.isSlug(id) {
            r.error(at: top["id"], "analysis id '\(id)' should be lower-case letters, digits, '-' or '_' (it names the output files)")
        }
        let title = top["title"].flatMap { r.string($0, "title") }
        var kind: Kind?
        if let node = r.required(top, "kind", in: root, "the analysis"), let text = r.string(node, "kind") {
            kind = Kind(rawValue: text)
            if kind == nil {
                r.error(at: node, "unknown analysis kind '\(text)' (expected one of: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        let instrument = r.required(top, "instrument", in: root, "the analysis").flatMap { r.string($0, "instrument") }
        let wave = top["wave"].flatMap { r.string($0, "wave") }
        var items: [String]?
        var lines: [String: Int] = [:]
        if let node = top["items"] {
            if node.scalar?.string == "all_outcomes" {
                items = nil
            } else if let list = r.sequence(node, "items (a list of outcome item ids, or all_outcomes)") {
                items = []
                for itemNode in list {
                    guard let itemID = r.string(itemNode, "item id") else { continue }
                    items?.append(itemID)
                    lines["item:" + itemID] = itemNode.mark?.line
                }
                if list.isEmpty { r.error(at: node, "items is empty (use all_outcomes for every outcome item)") }
            }
        }
        var subgroups: [Subgroup] = []
        if let node = top["subgroups"], let list = r.sequence(node, "subgroups") {
            for subgroupNode in list {
                guard let map = r.mapping(subgroupNode, "a subgroup", allowed: ["item", "field", "label"]) else { continue }
                let label = map["label"].flatMap { r.string($0, "label") }
                if let itemNode = map["item"], let itemID = r.string(itemNode, "subgroup item") {
                    if map["field"] != nil { r.error(at: subgroupNode, "a subgroup names either an item or a field, not both") }
                    subgroups.append(.item(id: itemID, label: label))
                    lines["subgroup:" + itemID] = subgroupNode.mark?.line
                } else if let fieldNode = map["field"], let name = r.string(fieldNode, "subgroup field") {
                    if let field = ResponseField(rawValue: name) {
                        subgroups.append(.field(field, label: label))
                    } else {
                        r.error(at: fieldNode, "unknown field '\(name)' (expected site, arm or wave; use 'item:' for an item)")
                    }
                } else if map["item"] == nil && map["field"] == nil {
                    r.error(at: subgroupNode, "a subgroup needs 'item: ITEM_ID' or 'field: site|arm|wave'")
                }
            }
        }
        var confidence = 0.95
        if let node = top["confidence"], let value = r.double(node, "confidence") {
            if value > 0, value < 1 { confidence = value } else { r.error(at: node, "confidence should be between 0 and 1, e.g. 0.95") }
        }
        let scale = top["scale"].flatMap { r.string($0, "scale") }
        let baselineWave = top["baseline_wave"].flatMap { r.string($0, "baseline_wave") }
        let followupWave = top["followup_wave"].flatMap { r.string($0, "followup_wave") }
        // Which keys each kind takes: a key meant for another kind is an error, not silently ignored.
        let keysByKind: [Kind: Set<String>] = [
            .outcomeTable: ["wave", "items"],
            .scaleChange: ["scale", "baseline_wave", "followup_wave"],
            .pilotVsControl: ["baseline_wave", "followup_wave", "outcomes", "covariates", "balance", "adjust", "cost"],
            .subgroupComparison: ["wave", "items", "adjust"],
            .processAssociations: ["wave", "items", "processes", "covariates", "adjust", "standard_errors"],
            .outcomeIndex: ["wave", "items"],
            .distribution: ["wave", "item", "top"],
        ]
        if let kind {
            let specific = keysByKind.values.reduce(Set<String>()) { $0.union($1) }
            for key in specific.subtracting(keysByKind[kind]!).sorted() where top[key] != nil {
                r.error(at: top[key], "'\(key)' does not apply to kind \(kind.rawValue)")
            }
            let neededByKind: [Kind: [String]] = [
                .scaleChange: ["scale", "baseline_wave", "followup_wave"], .pilotVsControl: ["baseline_wave", "followup_wave", "outcomes"],
                .subgroupComparison: ["subgroups"], .processAssociations: ["processes"], .distribution: ["item"],
            ]
            let needed = neededByKind[kind] ?? []
            for key in needed where top[key] == nil { r.error(at: root, "a \(kind.rawValue) analysis needs '\(key)'") }
            if let baselineWave, baselineWave == followupWave {
                r.error(at: top["followup_wave"], "baseline_wave and followup_wave are both '\(baselineWave)'")
            }
        }
        var outcomes: [Outcome] = []
        if let node = top["outcomes"], let list = r.sequence(node, "outcomes") {
            for outcomeNode in list {
                guard let map = r.mapping(outcomeNode, "an outcome", allowed: ["scale", "item", "event", "label"]) else { continue }
                let label = map["label"].flatMap { r.string($0, "label") }
                if let scaleNode = map["scale"], let scaleID = r.string(scaleNode, "outcome scale") {
                    outcomes.append(.scale(id: scaleID, label: label))
                    lines["outcome:" + scaleID] = outcomeNode.mark?.line
                } else if let itemNode = map["item"], let itemID = r.string(itemNode, "outcome item") {
                    guard let eventNode = map["event"] else {
                        r.error(at: outcomeNode, "binary outcome \(itemID) needs 'event: [CODES]' (the answers that count as the event)")
                        continue
                    }
                    let events = (eventNode.sequence.map(Array.init) ?? [eventNode]).compactMap { r.int($0, "event code") }
                    outcomes.append(.binary(item: itemID, events: events, label: label))
                    lines["outcome:" + itemID] = outcomeNode.mark?.line
                } else {
                    r.error(at: outcomeNode, "an outcome needs 'scale: SCALE_ID' or 'item: ITEM_ID' with 'event: [CODES]'")
                }
            }
            if list.isEmpty { r.error(at: node, "outcomes is empty") }
        }
        func idList(_ key: String) -> [String] {
            guard let node = top[key], let list = r.sequence(node, key) else { return [] }
            return list.compactMap { itemNode in
                let value = r.string(itemNode, "\(key) item")
                if let value { lines["\(key):" + value] = itemNode.mark?.line }
                return value
            }
        }
        var covariatePredictors: [Predictor] = []
        if let node = top["covariates"], let list = r.sequence(node, "covariates") {
            for covariateNode in list {
                guard let predictor = parsePredictor(covariateNode, "covariate", reader: r) else { continue }
                if predictor.levels != nil || predictor.reference != nil, kind == .pilotVsControl {
                    r.error(at: covariateNode, "grouped covariates (levels, reference) apply to process_associations; name the item only")
                }
                covariatePredictors.append(predictor)
                lines["covariates:" + predictor.item] = covariateNode.mark?.line
            }
        }
        let covariates = covariatePredictors.map(\.item)
        var processes: [Predictor] = []
        if let node = top["processes"], let list = r.sequence(node, "processes") {
            for processNode in list {
                guard let predictor = parsePredictor(processNode, "process", reader: r) else { continue }
                processes.append(predictor)
                lines["processes:" + predictor.item] = processNode.mark?.line
            }
            if list.isEmpty { r.error(at: node, "processes is empty") }
        }
        let item = top["item"].flatMap { r.string($0, "item") }
        lines["item"] = top["item"]?.mark?.line
        var topCategory: TopCategory?
        if let node = top["top"], let map = r.mapping(node, "top (e.g. {label: Confident, codes: [1, 2]})", allowed: ["label", "codes"]) {
            let label = r.required(map, "label", in: node, "top").flatMap { r.string($0, "top label") }
            let codes = r.required(map, "codes", in: node, "top").flatMap { r.sequence($0, "top codes") }?.compactMap { r.int($0, "code") }
            if let label, let codes {
                if codes.isEmpty { r.error(at: node, "top lists no codes") }
                topCategory = TopCategory(label: label, codes: codes)
                lines["top"] = node.mark?.line
            }
        }
        let balance = idList("balance")
        var adjustment = Adjustment.holm
        if let node = top["adjust"], let text = r.string(node, "adjust") {
            if let value = Adjustment(rawValue: text) { adjustment = value } else {
                r.error(at: node, "adjust should be holm (Holm) or bh (Benjamini-Hochberg), found '\(text)'")
            }
        }
        var standardErrors = StandardErrors.automatic
        if let node = top["standard_errors"], let text = r.string(node, "standard_errors") {
            lines["standard_errors"] = node.mark?.line
            if let value = StandardErrors(rawValue: text) { standardErrors = value } else {
                r.error(at: node, "standard_errors should be auto (the default: clustered by site with 20 sites or more), clustered_by_site or classical (every respondent independent), found '\(text)'")
            }
        }
        var cost: CostSettings?
        if let node = top["cost"], let map = r.mapping(node, "cost", allowed: ["item", "effect", "thresholds", "replicates", "seed", "resample"]) {
            let item = r.required(map, "item", in: node, "cost").flatMap { r.string($0, "cost item") }
            let effect = r.required(map, "effect", in: node, "cost").flatMap { r.string($0, "cost effect") }
            let thresholds = map["thresholds"].flatMap { r.sequence($0, "thresholds") }?.compactMap { r.double($0, "threshold") } ?? [20_000, 30_000]
            let replicates = map["replicates"].flatMap { r.int($0, "replicates") } ?? 1000
            if replicates < 100, let replicatesNode = map["replicates"] { r.error(at: replicatesNode, "use at least 100 bootstrap replicates (1,000 or more for reporting)") }
            let seed = map["seed"].flatMap { r.int($0, "seed") } ?? 1
            var resample = CostSettings.Resample.sites
            if let resampleNode = map["resample"], let text = r.string(resampleNode, "resample") {
                if let value = CostSettings.Resample(rawValue: text) { resample = value } else {
                    r.error(at: resampleNode, "resample should be sites (resample sites within each arm, the default) or people, found '\(text)'")
                }
            }
            if let item, let effect {
                cost = CostSettings(item: item, effect: effect, thresholds: thresholds, replicates: replicates, seed: UInt64(max(0, seed)),
                                    resample: resample)
                lines["cost"] = node.mark?.line
            }
        }
        lines["scale"] = top["scale"]?.mark?.line
        guard let id, let kind, let instrument else { return nil }
        var definition = AnalysisDefinition(file: r.file, id: id, title: title ?? id, kind: kind, instrument: instrument,
                                            wave: wave, items: items, subgroups: subgroups, confidence: confidence)
        definition.scale = scale
        definition.baselineWave = baselineWave
        definition.followupWave = followupWave
        definition.outcomes = outcomes
        definition.covariates = covariates
        definition.balance = balance
        definition.adjustment = adjustment
        definition.cost = cost
        definition.processes = processes
        definition.covariatePredictors = covariatePredictors
        definition.standardErrors = standardErrors
        definition.item = item
        definition.top = topCategory
        definition.lines = lines
        return definition
    }

    /// A predictor: an item id, or `{item, label, levels: {LABEL: [CODES], ...}, reference: LABEL}`.
    static func parsePredictor(_ node: Node, _ what: String, reader r: YAMLReader) -> Predictor? {
        if node.scalar != nil { return r.string(node, "\(what) item").map { Predictor(item: $0) } }
        guard let map = r.mapping(node, "a \(what)", allowed: ["item", "label", "levels", "reference"]),
              let item = r.required(map, "item", in: node, "a \(what)").flatMap({ r.string($0, "\(what) item") })
        else { return nil }
        var predictor = Predictor(item: item, label: map["label"].flatMap { r.string($0, "label") },
                                  reference: map["reference"].flatMap { r.string($0, "reference") })
        if let levelsNode = map["levels"], let entries = r.orderedMapping(levelsNode, "levels (LABEL: [CODES])") {
            predictor.levels = entries.compactMap { entry in
                let codes = (entry.value.sequence.map(Array.init) ?? [entry.value]).compactMap { r.int($0, "code of level '\(entry.key)'") }
                return codes.isEmpty ? nil : Predictor.Level(label: entry.key, codes: codes)
            }
            if (predictor.levels ?? []).count < 2 { r.error(at: levelsNode, "levels of \(item) should name at least two groups of codes") }
        }
        return predictor
    }

    /// Checks the names the file uses against the instrument the data were stored with.
    public func validate(against instrument: Instrument) throws {
        var problems: [Diagnostic] = []
        func fail(_ key: String, _ message: String) {
            problems.append(Diagnostic(file: file, line: lines[key], message: message))
        }
        for itemID in items ?? [] {
            guard let item = instrument.item(itemID) else {
                fail("item:" + itemID, "item '\(itemID)' is not in instrument \(instrument.id) \(instrument.version)")
                continue
            }
            if item.domain == nil { fail("item:" + itemID, "item '\(itemID)' is not an outcome item (it has no domain)") }
        }
        if kind == .scaleChange, let scaleID = scale {
            if let found = instrument.scale(scaleID) {
                if found.levels.isEmpty {
                    fail("scale", "scale '\(scaleID)' has no levels; a scale_change analysis reports level transitions")
                }
            } else {
                let known = instrument.scales.map(\.id)
                fail("scale", "scale '\(scaleID)' is not in instrument \(instrument.id) \(instrument.version)"
                     + (known.isEmpty ? " (it has no scales)" : " (scales: \(known.joined(separator: ", ")))"))
            }
        }
        if kind == .pilotVsControl {
            for outcome in outcomes {
                switch outcome {
                case let .scale(id, _):
                    if instrument.scale(id) == nil {
                        fail("outcome:" + id, "outcome scale '\(id)' is not in instrument \(instrument.id) \(instrument.version) (scales: \(instrument.scales.map(\.id).joined(separator: ", ")))")
                    }
                case let .binary(item, events, _):
                    guard let found = instrument.item(item) else {
                        fail("outcome:" + item, "outcome item '\(item)' is not in instrument \(instrument.id) \(instrument.version)")
                        continue
                    }
                    guard found.type == .singleChoice, let set = instrument.choiceSet(for: found) else {
                        fail("outcome:" + item, "binary outcome '\(item)' must be a single_choice item"); continue
                    }
                    for code in events where set.choice(code) == nil {
                        fail("outcome:" + item, "event code \(code) is not in \(item)'s choice set \(set.id)")
                    }
                    if events.isEmpty { fail("outcome:" + item, "binary outcome '\(item)' lists no event codes") }
                }
            }
            for (key, list) in [("covariates", covariates), ("balance", balance)] {
                for itemID in list {
                    guard let item = instrument.item(itemID) else {
                        fail("\(key):" + itemID, "\(key) item '\(itemID)' is not in instrument \(instrument.id) \(instrument.version)")
                        continue
                    }
                    if ![.singleChoice, .integer, .number].contains(item.type) {
                        fail("\(key):" + itemID, "\(key) item '\(itemID)' is \(item.type.rawValue); use a single_choice, integer or number item")
                    }
                }
            }
            if let cost {
                if let item = instrument.item(cost.item) {
                    if item.type != .number && item.type != .integer { fail("cost", "cost item '\(cost.item)' must be a number item") }
                } else {
                    fail("cost", "cost item '\(cost.item)' is not in instrument \(instrument.id) \(instrument.version)")
                }
                if instrument.scale(cost.effect) == nil { fail("cost", "cost effect scale '\(cost.effect)' is not in instrument \(instrument.id)") }
            }
        }
        if [.outcomeTable, .subgroupComparison, .processAssociations, .outcomeIndex].contains(kind), items == nil, instrument.outcomeItems.isEmpty {
            problems.append(Diagnostic(file: file, message: "instrument \(instrument.id) has no outcome items (items with a domain)"))
        }
        for (key, predictors) in [("processes", processes), ("covariates", kind == .processAssociations ? covariatePredictors : [])] {
            for predictor in predictors {
                let where_ = "\(key):" + predictor.item
                guard let item = instrument.item(predictor.item) else {
                    fail(where_, "\(key) item '\(predictor.item)' is not in instrument \(instrument.id) \(instrument.version)")
                    continue
                }
                guard item.type == .singleChoice, let set = instrument.choiceSet(for: item) else {
                    if key == "covariates", item.type == .integer || item.type == .number, predictor.levels == nil { continue }
                    fail(where_, "\(key) item '\(predictor.item)' is \(item.type.rawValue); use a single_choice item\(key == "covariates" ? " (or a number without levels)" : "")")
                    continue
                }
                var seen: Set<Int> = []
                for level in predictor.levels ?? [] {
                    for code in level.codes {
                        if set.choice(code) == nil { fail(where_, "code \(code) (level '\(level.label)') is not in \(predictor.item)'s choice set \(set.id)") }
                        if !seen.insert(code).inserted { fail(where_, "code \(code) of \(predictor.item) is in two levels") }
                    }
                }
                if let reference = predictor.reference {
                    let labels = predictor.levels.map { $0.map(\.label) } ?? set.choices.flatMap { [String($0.code), $0.label] }
                    if !labels.contains(reference) {
                        let known = predictor.levels.map { $0.map(\.label) } ?? set.choices.map { "\($0.code) \($0.label)" }
                        fail(where_, "reference '\(reference)' is not a level of \(predictor.item) (levels: \(known.joined(separator: ", ")))")
                    }
                }
            }
        }
        if kind == .distribution, let itemID = item {
            if let found = instrument.item(itemID) {
                if found.type != .singleChoice {
                    fail("item", "item '\(itemID)' is \(found.type.rawValue); a distribution needs a single_choice item")
                } else if let top, let set = instrument.choiceSet(for: found) {
                    for code in top.codes where set.choice(code) == nil { fail("top", "top code \(code) is not in \(itemID)'s choice set \(set.id)") }
                }
            } else {
                fail("item", "item '\(itemID)' is not in instrument \(instrument.id) \(instrument.version)")
            }
        }
        for case let .item(itemID, _) in subgroups {
            guard let item = instrument.item(itemID) else {
                fail("subgroup:" + itemID, "subgroup item '\(itemID)' is not in instrument \(instrument.id) \(instrument.version)")
                continue
            }
            if item.type != .singleChoice {
                fail("subgroup:" + itemID, "subgroup item '\(itemID)' is \(item.type.rawValue); subgroups need a single_choice item")
            }
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
    }
}
