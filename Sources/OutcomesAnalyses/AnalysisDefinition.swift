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
/// instrument_version: "1.1.0"  # optional: that version's responses only (all versions pooled if absent)
/// items: all_outcomes       # or a list of outcome item ids
/// subgroups:
///   - {item: budget_management}
///   - {field: site, label: Site}
/// confidence: 0.95          # optional
/// ```
///
/// Every analysis has the keys above; each kind takes keys of its own, held in its `settings`
/// (e.g. `ScaleChangeSettings` for a `scale_change` analysis, which names a scale and two waves):
/// ```yaml
/// kind: scale_change
/// instrument: activation
/// scale: activation_score
/// baseline_wave: baseline
/// followup_wave: followup
/// ```
public struct AnalysisDefinition: Sendable, Equatable {
    /// What an analysis computes: one of `AnalysisKinds.all`, named as analysis files name it.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        /// The name analysis files give in `kind:` (e.g. `outcome_table`).
        public let rawValue: String

        init(_ kind: any AnalysisKind.Type) { rawValue = kind.name }

        /// The kind of that name, or nil if there is none.
        public init?(rawValue: String) {
            guard AnalysisKinds.named(rawValue) != nil else { return nil }
            self.rawValue = rawValue
        }

        /// Every kind, in the order a report reads them.
        public static var allCases: [Kind] { AnalysisKinds.all.map(Kind.init) }

        var type: any AnalysisKind.Type { AnalysisKinds.named(rawValue)! }

        public var description: String { rawValue }
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

    /// A variable to split the table by: an item of the instrument (each answer a level, or its
    /// answers banded), or a field every response has.
    public enum Subgroup: Sendable, Equatable {
        case item(id: String, label: String?, bands: Bands? = nil)
        case field(ResponseField, label: String?)
    }

    /// How an item subgroup's answers are grouped into levels.
    public enum Bands: Sendable, Equatable {
        /// A number's answers cut at these points, ascending: `[1000]` gives "under 1,000" and
        /// "1,000 and over".
        case cuts([Double])
        /// A choice item's answer codes grouped into named levels, in order (codes in none: not stated).
        case levels([Predictor.Level])
    }

    public enum ResponseField: String, Sendable, CaseIterable { case site, arm, wave }

    /// How p-values are adjusted for testing several outcomes or domains.
    public enum Adjustment: String, Sendable, CaseIterable {
        case holm
        case bh
    }

    public var file: String
    public var id: String
    public var title: String
    public var kind: Kind
    public var instrument: String
    /// The wave a one-wave kind analyses (nil: the only one stored).
    public var wave: String?
    /// The one instrument version whose responses are analysed, labelled with its own wording
    /// (`instrument_version:`); nil: every version's, labelled with the newest one's.
    public var instrumentVersion: String?
    /// Outcome items to report; nil means every outcome item of the instrument.
    public var items: [String]?
    public var subgroups: [Subgroup]
    public var confidence: Double
    /// How the tables are protected before publication (the folder's `defaults.yaml`, or the standard rules).
    public var disclosure: Disclosure = .standard
    /// Display names of sites by code (`sites.yaml` in the folder), used in every table and chart.
    public var siteNames: [String: String] = [:]
    /// Survey weights, strata, clusters and calibration (`weight:`, `design:`, `calibrate:`); nil: unweighted.
    public var weighting: Weighting?
    /// The keys of the analysis's kind (a `ScaleChangeSettings` for `scale_change`, ...).
    public var settings: any AnalysisSettings
    /// File lines of the parts checked against the instrument later, for messages.
    var lines: [String: Int] = [:]

    public init(file: String = "<analysis>", id: String, title: String, kind: Kind, instrument: String,
                wave: String? = nil, items: [String]? = nil, subgroups: [Subgroup] = [], confidence: Double = 0.95,
                settings: any AnalysisSettings) {
        self.file = file
        self.id = id
        self.title = title
        self.kind = kind
        self.instrument = instrument
        self.wave = wave
        self.items = items
        self.subgroups = subgroups
        self.confidence = confidence
        self.settings = settings
    }

    /// The kind's settings as their type; a definition always holds those of its own kind.
    public func settings<Settings: AnalysisSettings>(as type: Settings.Type) -> Settings {
        guard let settings = settings as? Settings else {
            preconditionFailure("analysis \(id) of kind \(kind) holds \(Swift.type(of: settings)), "
                                + "not \(Settings.self)")
        }
        return settings
    }

    public static func == (lhs: AnalysisDefinition, rhs: AnalysisDefinition) -> Bool {
        lhs.file == rhs.file && lhs.id == rhs.id && lhs.title == rhs.title && lhs.kind == rhs.kind
            && lhs.instrument == rhs.instrument && lhs.wave == rhs.wave && lhs.items == rhs.items
            && lhs.instrumentVersion == rhs.instrumentVersion
            && lhs.subgroups == rhs.subgroups && lhs.confidence == rhs.confidence && lhs.lines == rhs.lines
            && lhs.disclosure == rhs.disclosure && lhs.siteNames == rhs.siteNames && lhs.weighting == rhs.weighting
            && lhs.settings.isEqual(to: rhs.settings)
    }

    /// Loads an analysis file; throws a `DiagnosticList` naming every problem with its line. The
    /// disclosure rules not given in the file come from `defaults.yaml` in its folder, if there is one.
    public static func load(file: String) throws -> AnalysisDefinition {
        let (folderDefault, problems) = Disclosure.folderDefault(for: file)
        let (siteNames, siteProblems) = SiteNames.folderNames(for: file)
        let reader = YAMLReader(file: file)
        var definition = reader.parseFile().flatMap { parse(root: $0, reader: reader, disclosure: folderDefault) }
        definition?.siteNames = siteNames
        if let definition, problems.isEmpty, siteProblems.isEmpty, reader.diagnostics.isEmpty { return definition }
        throw DiagnosticList(problems + siteProblems + reader.diagnostics)
    }

    public static func parse(_ text: String, file: String = "<analysis>") throws -> AnalysisDefinition {
        let reader = YAMLReader(file: file)
        let definition = reader.parse(text).flatMap { parse(root: $0, reader: reader) }
        if let definition, reader.diagnostics.isEmpty { return definition }
        throw DiagnosticList(reader.diagnostics)
    }

    /// The keys every analysis takes, whatever its kind.
    static let commonKeys = Set(["id", "title", "kind", "instrument", "instrument_version", "subgroups", "confidence",
                                 "disclosure"])
        .union(Weighting.keys)

    static func parse(root: Node, reader r: YAMLReader, disclosure base: Disclosure = .standard)
        -> AnalysisDefinition? {
        let kindKeys = AnalysisKinds.all.reduce(Set<String>()) { $0.union($1.keys) }
        guard let top = r.mapping(root, "the analysis", allowed: commonKeys.union(kindKeys)) else { return nil }
        let id = r.required(top, "id", in: root, "the analysis").flatMap { r.string($0, "id") }
        if let id, !YAMLReader.isSlug(id) {
            r.error(at: top["id"], "analysis id '\(id)' should be lower-case letters, digits, '-' or '_' "
                    + "(it names the output files)")
        }
        let title = top["title"].flatMap { r.string($0, "title") }
        var kind: (any AnalysisKind.Type)?
        if let node = r.required(top, "kind", in: root, "the analysis"), let text = r.string(node, "kind") {
            kind = AnalysisKinds.named(text)
            if kind == nil {
                r.error(at: node, "unknown analysis kind '\(text)' "
                        + "(expected one of: \(AnalysisKinds.all.map { $0.name }.joined(separator: ", ")))")
            }
        }
        let instrument = r.required(top, "instrument", in: root, "the analysis").flatMap { r.string($0, "instrument") }
        let wave = top["wave"].flatMap { r.string($0, "wave") }
        let instrumentVersion = top["instrument_version"].flatMap { r.string($0, "instrument_version") }
        var items: [String]?
        var lines: [String: Int] = [:]
        lines["instrument_version"] = top["instrument_version"]?.mark?.line
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
                guard let map = r.mapping(subgroupNode, "a subgroup",
                                          allowed: ["item", "field", "label", "cuts", "levels"]) else { continue }
                let label = map["label"].flatMap { r.string($0, "label") }
                if let itemNode = map["item"], let itemID = r.string(itemNode, "subgroup item") {
                    if map["field"] != nil {
                        r.error(at: subgroupNode, "a subgroup names either an item or a field, not both")
                    }
                    subgroups.append(.item(id: itemID, label: label,
                                           bands: parseBands(map, subgroupNode, itemID, reader: r)))
                    lines["subgroup:" + itemID] = subgroupNode.mark?.line
                } else if let fieldNode = map["field"], let name = r.string(fieldNode, "subgroup field") {
                    if map["cuts"] != nil || map["levels"] != nil {
                        r.error(at: subgroupNode, "cuts and levels apply to an item subgroup, not to a field")
                    }
                    if let field = ResponseField(rawValue: name) {
                        subgroups.append(.field(field, label: label))
                    } else {
                        r.error(at: fieldNode, "unknown field '\(name)' "
                                + "(expected site, arm or wave; use 'item:' for an item)")
                    }
                } else if map["item"] == nil && map["field"] == nil {
                    r.error(at: subgroupNode, "a subgroup needs 'item: ITEM_ID' or 'field: site|arm|wave'")
                }
            }
        }
        var confidence = 0.95
        if let node = top["confidence"], let value = r.double(node, "confidence") {
            if value > 0, value < 1 {
                confidence = value
            } else {
                r.error(at: node, "confidence should be between 0 and 1, e.g. 0.95")
            }
        }
        var disclosure: Disclosure? = base
        if let node = top["disclosure"] { disclosure = Disclosure.parse(node, reader: r, over: base) }
        let weighting = Weighting.parse(top, reader: r, file: r.file)
        lines["weight"] = (top["weight"] ?? top["design"] ?? top["calibrate"])?.mark?.line
        guard let kind else { return nil }
        // A key meant for another kind is an error, not silently ignored.
        for key in kindKeys.subtracting(kind.keys).sorted() where top[key] != nil {
            r.error(at: top[key], "'\(key)' does not apply to kind \(kind.name)")
        }
        for key in kind.requiredKeys where top[key] == nil {
            r.error(at: root, "a \(kind.name) analysis needs '\(key)'")
        }
        let file = AnalysisFileKeys(top: top, root: root, reader: r, lines: lines)
        let settings = kind.readSettings(file)
        guard let id, let instrument, let settings, let disclosure, let weighting else { return nil }
        var definition = AnalysisDefinition(file: r.file, id: id, title: title ?? id, kind: Kind(kind),
                                            instrument: instrument, wave: wave, items: items, subgroups: subgroups,
                                            confidence: confidence, settings: settings)
        definition.lines = file.lines
        definition.disclosure = disclosure
        definition.weighting = weighting
        definition.instrumentVersion = instrumentVersion
        return definition
    }

    /// `cuts: [10, 30]` or `levels: {LABEL: [CODES], ...}` of an item subgroup.
    static func parseBands(_ map: [String: Node], _ node: Node, _ item: String, reader r: YAMLReader) -> Bands? {
        if map["cuts"] != nil, map["levels"] != nil {
            r.error(at: node, "a subgroup takes cuts (for a number) or levels (for a choice item), not both")
            return nil
        }
        if let cutsNode = map["cuts"], let list = r.sequence(cutsNode, "cuts (e.g. [10, 30])") {
            let cuts = list.compactMap { r.double($0, "cut point") }
            if cuts.isEmpty { r.error(at: cutsNode, "cuts of \(item) lists no cut point") }
            if zip(cuts, cuts.dropFirst()).contains(where: { $0 >= $1 }) {
                r.error(at: cutsNode, "cuts of \(item) should rise, each point once (e.g. [10, 30])")
            }
            return .cuts(cuts)
        }
        if let levelsNode = map["levels"], let entries = r.orderedMapping(levelsNode, "levels (LABEL: [CODES])") {
            let levels = entries.compactMap { entry -> Predictor.Level? in
                let codes = (entry.value.sequence.map(Array.init) ?? [entry.value]).compactMap {
                    r.int($0, "code of level '\(entry.key)'")
                }
                return codes.isEmpty ? nil : Predictor.Level(label: entry.key, codes: codes)
            }
            if levels.count < 2 {
                r.error(at: levelsNode, "levels of \(item) should name at least two groups of codes")
            }
            return .levels(levels)
        }
        return nil
    }

    /// Checks the names the file uses against the instrument the data were stored with.
    public func validate(against instrument: Instrument) throws {
        var problems = AnalysisProblems(file: file, lines: lines)
        weighting?.validate(self, against: instrument, &problems)
        for itemID in items ?? [] {
            guard let item = instrument.item(itemID) else {
                problems.fail("item:" + itemID,
                              "item '\(itemID)' is not in instrument \(instrument.id) \(instrument.version)")
                continue
            }
            if item.domain == nil {
                problems.fail("item:" + itemID, "item '\(itemID)' is not an outcome item (it has no domain)")
            }
        }
        kind.type.validateSettings(of: self, against: instrument, &problems)
        for case let .item(itemID, _, bands) in subgroups {
            let key = "subgroup:" + itemID
            guard let item = instrument.item(itemID) else {
                problems.fail(key, "subgroup item '\(itemID)' is not in instrument "
                              + "\(instrument.id) \(instrument.version)")
                continue
            }
            switch (item.type, bands) {
            case (.singleChoice, nil): break
            case (.singleChoice, .levels(let levels)?):
                let set = instrument.choiceSet(for: item)
                var seen: Set<Int> = []
                for level in levels {
                    for code in level.codes {
                        if set?.choice(code) == nil {
                            problems.fail(key, "code \(code) (level '\(level.label)') is not in "
                                          + "\(itemID)'s choice set \(item.choiceSetID ?? "")")
                        }
                        if !seen.insert(code).inserted {
                            problems.fail(key, "code \(code) of \(itemID) is in two levels")
                        }
                    }
                }
            case (.integer, .cuts?), (.number, .cuts?): break
            case (.integer, _), (.number, _):
                problems.fail(key, "subgroup item '\(itemID)' is \(item.type.rawValue): "
                              + "band its answers with cuts (e.g. cuts: [10, 30])")
            case (.singleChoice, .cuts?):
                problems.fail(key, "cuts apply to an integer or number item; "
                              + "group \(itemID)'s answers with levels: {LABEL: [CODES]}")
            default:
                problems.fail(key, "subgroup item '\(itemID)' is \(item.type.rawValue); "
                              + "subgroups need a single_choice item, or an integer or number item with cuts")
            }
        }
        if !problems.list.isEmpty { throw DiagnosticList(problems.list) }
    }
}
