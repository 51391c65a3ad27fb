/// A survey instrument, defined as data (a YAML file under `instruments/`).
///
/// Item ids and choice codes are an interface: sites' files and published analyses depend on them.
/// Change them only with a new `version`.
public struct Instrument: Sendable, Equatable {
    public var id: String
    public var version: String
    public var title: String
    public var description: String?
    /// Outcome domains (e.g. "independence"), in reporting order.
    public var domains: [Domain]
    /// Reusable answer scales, by id.
    public var choiceSets: [String: ChoiceSet]
    public var sections: [Section]
    public var scales: [Scale]
    /// The tool the instrument was converted from, and what its data exports need to be read.
    public var source: InstrumentSource?

    public init(id: String, version: String, title: String, description: String? = nil,
                domains: [Domain] = [], choiceSets: [String: ChoiceSet] = [:],
                sections: [Section], scales: [Scale] = []) {
        self.id = id
        self.version = version
        self.title = title
        self.description = description
        self.domains = domains
        self.choiceSets = choiceSets
        self.sections = sections
        self.scales = scales
    }

    /// Every item, in questionnaire order.
    public var items: [Item] { sections.flatMap(\.items) }

    /// The item with this id, if any.
    public func item(_ id: String) -> Item? {
        for section in sections { if let item = section.items.first(where: { $0.id == id }) { return item } }
        return nil
    }

    /// The choice set an item answers from (nil for items that are not choice items).
    public func choiceSet(for item: Item) -> ChoiceSet? {
        item.choiceSetID.flatMap { choiceSets[$0] }
    }

    public func domain(_ id: String) -> Domain? { domains.first { $0.id == id } }

    public func scale(_ id: String) -> Scale? { scales.first { $0.id == id } }

    /// Outcome items: those that belong to a domain, in questionnaire order.
    public var outcomeItems: [Item] { items.filter { $0.domain != nil } }
}

public struct Domain: Sendable, Equatable {
    public var id: String
    public var label: String
    public init(id: String, label: String) { self.id = id; self.label = label }
}

public struct Section: Sendable, Equatable {
    public var id: String
    public var title: String
    public var items: [Item]
    /// Where the section came from in a converted form: a REDCap form's name, an XLSForm group's path
    /// (`household/members`), as that tool's exports name it.
    public var source: String?
    public init(id: String, title: String, items: [Item], source: String? = nil) {
        self.id = id; self.title = title; self.items = items; self.source = source
    }
}

/// What a converted instrument keeps of its source, so that the tool's own data exports import with
/// no hand mapping (`source:` at the top of the file).
public struct InstrumentSource: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable { case redcap, xlsform }
    public var format: Format
    /// The source file converted.
    public var file: String?
    /// REDCap: the record id field, the respondent id of an export.
    public var recordID: String?
    /// REDCap: the wave of each event (`baseline_arm_1: baseline`), in order.
    public var events: [(event: String, wave: String)]

    public init(format: Format, file: String? = nil, recordID: String? = nil,
                events: [(event: String, wave: String)] = []) {
        self.format = format; self.file = file; self.recordID = recordID; self.events = events
    }

    public static func == (a: InstrumentSource, b: InstrumentSource) -> Bool {
        a.format == b.format && a.file == b.file && a.recordID == b.recordID
            && a.events.map(\.event) == b.events.map(\.event) && a.events.map(\.wave) == b.events.map(\.wave)
    }
}

public enum ItemType: String, Sendable, CaseIterable {
    case singleChoice = "single_choice"
    case multipleChoice = "multiple_choice"
    case integer
    case number
    case text
    case date

    /// Whether answers are choice codes from a choice set.
    public var isChoice: Bool { self == .singleChoice || self == .multipleChoice }
}

public struct Item: Sendable, Equatable {
    public var id: String
    public var text: String
    public var type: ItemType
    /// The choice set of a single or multiple choice item.
    public var choiceSetID: String?
    /// A required item must be answered when its column is present (an optional one may be left empty).
    public var required: Bool
    /// Valid range of an integer or number item, inclusive.
    public var range: ValueRange?
    /// Show (and accept an answer to) this item only when earlier answers meet this condition.
    public var showIf: SkipCondition?
    /// The outcome domain this item measures, if it is an outcome item.
    public var domain: String?
    /// A number item whose answers are written with a decimal comma ("1,54"), as REDCap's
    /// number_comma_decimal validation stores them (`decimal_separator: comma`).
    public var decimalComma: Bool = false
    /// What an integer or number item counts ("hours", "pounds"), for labels such as "under 10 hours".
    public var unit: String?
    /// The variable or question name in the tool the item was converted from, where it is not the id
    /// (XLSForm's `Q1a` for the id `q1a`).
    public var source: String?

    public init(id: String, text: String, type: ItemType, choiceSetID: String? = nil, required: Bool = false,
                range: ValueRange? = nil, showIf: SkipCondition? = nil, domain: String? = nil) {
        self.id = id
        self.text = text
        self.type = type
        self.choiceSetID = choiceSetID
        self.required = required
        self.range = range
        self.showIf = showIf
        self.domain = domain
    }
}

public struct ValueRange: Sendable, Equatable {
    public var min: Double?
    public var max: Double?
    public init(min: Double?, max: Double?) { self.min = min; self.max = max }
    public func contains(_ value: Double) -> Bool {
        if let min, value < min { return false }
        if let max, value > max { return false }
        return true
    }
    public var description: String {
        func f(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
        switch (min, max) {
        case let (lo?, hi?): return "\(f(lo)) to \(f(hi))"
        case let (lo?, nil): return "at least \(f(lo))"
        case let (nil, hi?): return "at most \(f(hi))"
        case (nil, nil): return "any value"
        }
    }
}

/// How an outcome answer reads: better, unchanged or worse.
public enum Valence: String, Sendable, CaseIterable {
    case positive, neutral, negative
}

/// Codes that are answers but not on the scale: excluded from denominators and scores.
public enum SpecialCode: String, Sendable, CaseIterable {
    case notApplicable = "not_applicable"
    case dontKnow = "dont_know"
}

public struct Choice: Sendable, Equatable {
    public var code: Int
    public var label: String
    public var valence: Valence?
    public var special: SpecialCode?
    /// The choice's code or name in the tool it was converted from, where it is not `code` (REDCap's
    /// code `A`, XLSForm's name `yes`): how that tool's exports write this answer.
    public var source: String?
    public init(code: Int, label: String, valence: Valence? = nil, special: SpecialCode? = nil, source: String? = nil) {
        self.code = code
        self.label = label
        self.valence = valence
        self.special = special
        self.source = source
    }

    /// How the source tool writes this choice in its exports.
    public var sourceCode: String { source ?? String(code) }
}

public struct ChoiceSet: Sendable, Equatable {
    public var id: String
    public var choices: [Choice]
    public init(id: String, choices: [Choice]) { self.id = id; self.choices = choices }

    public func choice(_ code: Int) -> Choice? { choices.first { $0.code == code } }
    public func label(_ code: Int) -> String? { choice(code)?.label }
    /// Codes on the scale itself (not "not applicable" or "don't know").
    public var scaleCodes: [Int] { choices.filter { $0.special == nil }.map(\.code) }
}
