import OutcomesInstruments
import OutcomesStore
import Yams

/// The result of running one analysis file: each kind's own result type (`OutcomeTableResult`, ...).
public protocol AnalysisResult: Sendable {
    /// The analysis that produced it (its wave resolved).
    var definition: AnalysisDefinition { get }
}

/// The keys an analysis file of one kind takes beyond those every analysis has (`ScaleChangeSettings`, ...).
public protocol AnalysisSettings: Sendable {
    /// Whether `other` holds the same settings (settings are compared as part of their definition).
    func isEqual(to other: any AnalysisSettings) -> Bool
}

extension AnalysisSettings where Self: Equatable {
    public func isEqual(to other: any AnalysisSettings) -> Bool { (other as? Self) == self }
}

/// What a kind's settings do with an analysis file: read their keys, then check them against the
/// instrument the responses were stored with. Problems are reported with the lines they are on.
protocol KindSettings: AnalysisSettings, Equatable {
    /// The keys this kind takes beyond id, title, kind, instrument, subgroups and confidence.
    static var keys: Set<String> { get }
    /// Those of them a file of this kind must give.
    static var requiredKeys: [String] { get }
    /// Reads the kind's keys (each checked for its type and values); nil when one is unusable.
    static func read(_ file: AnalysisFileKeys) -> Self?
    /// Checks the names the settings use against the instrument.
    func validate(_ definition: AnalysisDefinition, against instrument: Instrument, _ problems: inout AnalysisProblems)
}

/// One kind of analysis (`kind:` in its file): its settings, what it reads from the store and how it
/// computes. Its tables, charts and methods text are its layout in OutcomesReports.
protocol AnalysisKind {
    associatedtype Settings: KindSettings
    associatedtype Result: AnalysisResult
    /// The name analysis files give in `kind:`.
    static var name: String { get }
    /// What the analysis reads: the instrument, one wave or all, and the items it uses.
    static func request(for definition: AnalysisDefinition, instrument: Instrument,
                        store: any ResponseSource) throws -> FrameRequest
    /// Computes the analysis on a frame holding at least the items its request named.
    static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> Result

    // Called through `any AnalysisKind.Type`; each has its one implementation below.
    static var keys: Set<String> { get }
    static var requiredKeys: [String] { get }
    static func readSettings(_ file: AnalysisFileKeys) -> (any AnalysisSettings)?
    static func validateSettings(of definition: AnalysisDefinition, against instrument: Instrument,
                                 _ problems: inout AnalysisProblems)
    static func computeResult(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> any AnalysisResult
}

extension AnalysisKind {
    static var keys: Set<String> { Settings.keys }
    static var requiredKeys: [String] { Settings.requiredKeys }
    static func readSettings(_ file: AnalysisFileKeys) -> (any AnalysisSettings)? { Settings.read(file) }
    static func validateSettings(of definition: AnalysisDefinition, against instrument: Instrument,
                                 _ problems: inout AnalysisProblems) {
        definition.settings(as: Settings.self).validate(definition, against: instrument, &problems)
    }
    static func computeResult(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> any AnalysisResult {
        try compute(definition, frame: frame)
    }
}

/// Every kind of analysis, in the order a report reads them: what people report, who does better and
/// why, then change over time. Adding a kind adds its types and one line here.
enum AnalysisKinds {
    static var all: [any AnalysisKind.Type] {
        [
            OutcomeTable.self,
            SubgroupComparison.self,
            ProcessAssociations.self,
            OutcomeIndex.self,
            Distribution.self,
            MultipleChoice.self,
            SiteBenchmark.self,
            ScaleSummary.self,
            ScaleChange.self,
            PilotVsControl.self,
        ]
    }

    static func named(_ name: String) -> (any AnalysisKind.Type)? { all.first { $0.name == name } }
}

/// An analysis file's top-level keys as a kind reads them, with the reader that reports problems at
/// their lines, and the lines of the names checked against the instrument later.
final class AnalysisFileKeys {
    let top: [String: Node]
    let root: Node
    let reader: YAMLReader
    var lines: [String: Int]

    init(top: [String: Node], root: Node, reader: YAMLReader, lines: [String: Int]) {
        self.top = top
        self.root = root
        self.reader = reader
        self.lines = lines
    }

    func string(_ key: String) -> String? { top[key].flatMap { reader.string($0, key) } }

    /// `adjust: holm | bh` (Holm's method when absent).
    func adjustment() -> AnalysisDefinition.Adjustment {
        guard let node = top["adjust"], let text = reader.string(node, "adjust") else { return .holm }
        if let value = AnalysisDefinition.Adjustment(rawValue: text) { return value }
        reader.error(at: node, "adjust should be holm (Holm) or bh (Benjamini-Hochberg), found '\(text)'")
        return .holm
    }

    /// A list of item ids, each line remembered as `key:id`.
    func idList(_ key: String) -> [String] {
        guard let node = top[key], let list = reader.sequence(node, key) else { return [] }
        return list.compactMap { itemNode in
            let value = reader.string(itemNode, "\(key) item")
            if let value { lines["\(key):" + value] = itemNode.mark?.line }
            return value
        }
    }

    /// A list of predictors (item ids, or items with levels and a reference), each line remembered.
    func predictors(_ key: String, _ what: String, emptyMessage: String? = nil,
                    each check: (AnalysisDefinition.Predictor, Node) -> Void = { _, _ in })
        -> [AnalysisDefinition.Predictor] {
        guard let node = top[key], let list = reader.sequence(node, key) else { return [] }
        defer { if list.isEmpty, let emptyMessage { reader.error(at: node, emptyMessage) } }
        var predictors: [AnalysisDefinition.Predictor] = []
        for predictorNode in list {
            guard let predictor = predictor(predictorNode, what) else { continue }
            check(predictor, predictorNode)
            predictors.append(predictor)
            lines["\(key):" + predictor.item] = predictorNode.mark?.line
        }
        return predictors
    }

    /// A predictor: an item id, or `{item, label, levels: {LABEL: [CODES], ...}, reference: LABEL}`.
    func predictor(_ node: Node, _ what: String) -> AnalysisDefinition.Predictor? {
        let r = reader
        if node.scalar != nil { return r.string(node, "\(what) item").map { AnalysisDefinition.Predictor(item: $0) } }
        guard let map = r.mapping(node, "a \(what)", allowed: ["item", "label", "levels", "reference"]),
              let item = r.required(map, "item", in: node, "a \(what)").flatMap({ r.string($0, "\(what) item") })
        else { return nil }
        var predictor = AnalysisDefinition.Predictor(item: item, label: map["label"].flatMap { r.string($0, "label") },
                                                     reference: map["reference"].flatMap { r.string($0, "reference") })
        if let levelsNode = map["levels"], let entries = r.orderedMapping(levelsNode, "levels (LABEL: [CODES])") {
            predictor.levels = entries.compactMap { entry in
                let codes = (entry.value.sequence.map(Array.init) ?? [entry.value])
                    .compactMap { r.int($0, "code of level '\(entry.key)'") }
                return codes.isEmpty ? nil : AnalysisDefinition.Predictor.Level(label: entry.key, codes: codes)
            }
            if (predictor.levels ?? []).count < 2 {
                r.error(at: levelsNode, "levels of \(item) should name at least two groups of codes")
            }
        }
        return predictor
    }

    /// `baseline_wave` and `followup_wave`, which must differ.
    func waves() -> (baseline: String, followup: String)? {
        let baseline = string("baseline_wave"), followup = string("followup_wave")
        if let baseline, baseline == followup {
            reader.error(at: top["followup_wave"], "baseline_wave and followup_wave are both '\(baseline)'")
        }
        guard let baseline, let followup else { return nil }
        return (baseline, followup)
    }
}

/// The problems found checking an analysis against an instrument, each at the line of what it names.
struct AnalysisProblems {
    let file: String
    let lines: [String: Int]
    private(set) var list: [Diagnostic] = []

    init(file: String, lines: [String: Int]) {
        self.file = file
        self.lines = lines
    }

    /// A problem with the part of the file remembered as `key` (`"cost"`, `"item:" + id`, ...).
    mutating func fail(_ key: String, _ message: String) {
        list.append(Diagnostic(file: file, line: lines[key], message: message))
    }

    /// A problem with the file as a whole.
    mutating func fail(_ message: String) { list.append(Diagnostic(file: file, message: message)) }

    /// For kinds that report outcome items: an analysis of every outcome item needs an instrument that has some.
    mutating func requireOutcomeItems(_ definition: AnalysisDefinition, in instrument: Instrument) {
        if definition.items == nil, instrument.outcomeItems.isEmpty {
            fail("instrument \(instrument.id) has no outcome items (items with a domain)")
        }
    }
}
