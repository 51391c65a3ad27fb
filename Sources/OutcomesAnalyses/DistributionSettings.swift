import OutcomesInstruments

/// The keys of a `distribution` analysis: the single-choice item whose answers it shows, and the
/// answers reported together as one share (`top: {label: Confident, codes: [1, 2]}`).
public struct DistributionSettings: KindSettings {
    /// The answers summarised together in a distribution (e.g. "Confident": very or fairly confident).
    public struct TopCategory: Sendable, Equatable {
        public var label: String
        public var codes: [Int]
        public init(label: String, codes: [Int]) { self.label = label; self.codes = codes }
    }

    static let keys: Set<String> = ["wave", "item", "top"]
    static let requiredKeys = ["item"]

    public var item: String
    public var top: TopCategory?

    public init(item: String, top: TopCategory? = nil) {
        self.item = item
        self.top = top
    }

    static func read(_ file: AnalysisFileKeys) -> DistributionSettings? {
        let r = file.reader
        let item = file.string("item")
        file.lines["item"] = file.top["item"]?.mark?.line
        var topCategory: TopCategory?
        if let node = file.top["top"],
           let map = r.mapping(node, "top (e.g. {label: Confident, codes: [1, 2]})", allowed: ["label", "codes"]) {
            let label = r.required(map, "label", in: node, "top").flatMap { r.string($0, "top label") }
            let codes = r.required(map, "codes", in: node, "top").flatMap { r.sequence($0, "top codes") }?
                .compactMap { r.int($0, "code") }
            if let label, let codes {
                if codes.isEmpty { r.error(at: node, "top lists no codes") }
                topCategory = TopCategory(label: label, codes: codes)
                file.lines["top"] = node.mark?.line
            }
        }
        return item.map { DistributionSettings(item: $0, top: topCategory) }
    }

    func validate(_ definition: AnalysisDefinition, against instrument: Instrument,
                  _ problems: inout AnalysisProblems) {
        guard let found = instrument.item(item) else {
            problems.fail("item", "item '\(item)' is not in instrument \(instrument.id) \(instrument.version)")
            return
        }
        if found.type != .singleChoice {
            problems.fail("item", "item '\(item)' is \(found.type.rawValue); a distribution needs a single_choice item")
        } else if let top, let set = instrument.choiceSet(for: found) {
            for code in top.codes where set.choice(code) == nil {
                problems.fail("top", "top code \(code) is not in \(item)'s choice set \(set.id)")
            }
        }
    }
}
