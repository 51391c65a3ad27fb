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
                                            "scale", "baseline_wave", "followup_wave"])
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
        if kind == .scaleChange {
            for (key, value) in [("scale", scale), ("baseline_wave", baselineWave), ("followup_wave", followupWave)] where value == nil {
                r.error(at: root, "a scale_change analysis needs '\(key)'")
            }
            if let baselineWave, baselineWave == followupWave {
                r.error(at: top["followup_wave"], "baseline_wave and followup_wave are both '\(baselineWave)'")
            }
            for key in ["items", "wave"] where top[key] != nil {
                r.error(at: top[key], "'\(key)' does not apply to a scale_change analysis (it uses scale, baseline_wave and followup_wave)")
            }
        } else {
            for key in ["scale", "baseline_wave", "followup_wave"] where top[key] != nil {
                r.error(at: top[key], "'\(key)' applies only to a scale_change analysis")
            }
        }
        lines["scale"] = top["scale"]?.mark?.line
        guard let id, let kind, let instrument else { return nil }
        var definition = AnalysisDefinition(file: r.file, id: id, title: title ?? id, kind: kind, instrument: instrument,
                                            wave: wave, items: items, subgroups: subgroups, confidence: confidence)
        definition.scale = scale
        definition.baselineWave = baselineWave
        definition.followupWave = followupWave
        definition.lines = lines
        return definition
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
        if kind == .outcomeTable, items == nil, instrument.outcomeItems.isEmpty {
            problems.append(Diagnostic(file: file, message: "instrument \(instrument.id) has no outcome items (items with a domain)"))
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
