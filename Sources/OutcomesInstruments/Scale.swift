/// A score computed from several items (e.g. an activation score), defined in the instrument file.
///
/// Scoring runs in a fixed order: answers to the scale's items (special codes such as "not
/// applicable" count as unanswered) -> reverse-scored items flipped within their range -> raw score
/// (sum or mean of answered items, if at least `minAnswered` were answered) -> optional transform
/// (a linear rescale, or a licensee's lookup table) -> optional level from cutpoints.
public struct Scale: Sendable, Equatable {
    public enum Method: String, Sendable {
        case sum, mean
        /// A licensee-style value table: each item's answer code has a value; the score is
        /// `constant` plus the sum of the answered items' values (e.g. a 0-1 quality-of-life index).
        case valueTable = "value_table"
    }

    public enum Transform: Sendable, Equatable {
        /// Map the raw range `from` linearly onto `to` (e.g. mean 1...4 onto 0...100).
        case linear(fromMin: Double, fromMax: Double, toMin: Double, toMax: Double)
        /// A licensee's table from raw score to final score; a raw score not in the table gives no score.
        case lookup([LookupEntry])
    }

    public struct LookupEntry: Sendable, Equatable {
        public var raw: Double
        public var score: Double
        public init(raw: Double, score: Double) { self.raw = raw; self.score = score }
    }

    /// Level `level` covers scores up to and including `upperBound`; the last level has no bound.
    public struct Level: Sendable, Equatable {
        public var level: Int
        public var label: String
        public var upperBound: Double?
        public init(level: Int, label: String, upperBound: Double?) {
            self.level = level
            self.label = label
            self.upperBound = upperBound
        }
    }

    public var id: String
    public var label: String
    public var items: [String]
    public var method: Method
    public var reverseItems: [String]
    /// For `value_table`: the value of each answer code, per item, and the constant added.
    public var values: [String: [Int: Double]]
    public var constant: Double
    /// Fewest answered items that still give a score (all items if nil).
    public var minAnswered: Int?
    public var transform: Transform?
    /// The range final scores must lie in (e.g. 0-100); a lookup table or rescale outside it is an error.
    public var range: ValueRange?
    public var levels: [Level]

    public init(id: String, label: String, items: [String], method: Method, reverseItems: [String] = [],
                minAnswered: Int? = nil, transform: Transform? = nil, range: ValueRange? = nil, levels: [Level] = [],
                values: [String: [Int: Double]] = [:], constant: Double = 0) {
        self.id = id
        self.label = label
        self.items = items
        self.method = method
        self.reverseItems = reverseItems
        self.minAnswered = minAnswered
        self.transform = transform
        self.range = range
        self.levels = levels
        self.values = values
        self.constant = constant
    }

    /// The level a score falls in (nil if the scale has no levels).
    public func level(for score: Double) -> Level? {
        guard !levels.isEmpty else { return nil }
        return levels.first { level in level.upperBound.map { score <= $0 + 1e-9 } ?? true }
    }
}

/// A scale's score for one response.
public struct ScaleScore: Sendable, Equatable {
    /// Items answered on the scale (special codes excluded).
    public var answered: Int
    /// Sum or mean of answered items, after reverse scoring; nil if too few were answered.
    public var raw: Double?
    /// The final score after any transform; nil if there is no raw score or the lookup has no entry.
    public var score: Double?
    public var level: Int?
}

/// Scores a scale from one response's answers; precomputes what it can so it is cheap per response.
public struct ScaleScorer: Sendable {
    public let scale: Scale
    private let reverse: [(min: Double, max: Double)?]
    /// Each item's special codes (don't know, not applicable): a few at most, so a short array, not
    /// a set, which hashed every answer of a million responses.
    private let special: [[Int]]
    /// For value tables: each item's code values, in item order.
    private let valueTables: [[Int: Double]]
    /// The same by code in an array (NaN: no value), for items whose codes are 0-1023: an array read,
    /// not a hash, per answer of a million responses. Nil for an item with other codes.
    private let denseValueTables: [[Double]?]

    /// Fails if an item is missing or a reverse-scored item has no known range: the instrument
    /// validator reports both, so this only throws for instruments built by hand.
    public init(scale: Scale, instrument: Instrument) throws {
        self.scale = scale
        var reverse: [(min: Double, max: Double)?] = []
        var special: [[Int]] = []
        for itemID in scale.items {
            guard let item = instrument.item(itemID) else {
                throw Diagnostic(file: instrument.id, message: "scale \(scale.id) names unknown item \(itemID)")
            }
            let choices = instrument.choiceSet(for: item)
            special.append(choices?.choices.filter { $0.special != nil }.map(\.code) ?? [])
            if scale.reverseItems.contains(itemID) {
                guard let bounds = Self.bounds(of: item, choices: choices) else {
                    throw Diagnostic(file: instrument.id, message: "scale \(scale.id): reverse-scored item \(itemID) has no range")
                }
                reverse.append(bounds)
            } else {
                reverse.append(nil)
            }
        }
        self.reverse = reverse
        self.special = special
        valueTables = scale.items.map { scale.values[$0] ?? [:] }
        denseValueTables = valueTables.map { table in
            guard table.keys.allSatisfy({ (0..<1024).contains($0) }), !table.values.contains(where: \.isNaN) else { return nil }
            var dense = [Double](repeating: .nan, count: (table.keys.max() ?? -1) + 1)
            for (code, value) in table { dense[code] = value }
            return dense
        }
    }

    static func bounds(of item: Item, choices: ChoiceSet?) -> (min: Double, max: Double)? {
        if let codes = choices?.scaleCodes, let lo = codes.min(), let hi = codes.max() {
            return (Double(lo), Double(hi))
        }
        if let lo = item.range?.min, let hi = item.range?.max { return (lo, hi) }
        return nil
    }

    /// Scores one response. `values[i]` is the answer to `scale.items[i]` (nil if missing).
    public func score(_ values: [Double?]) -> ScaleScore {
        precondition(values.count == scale.items.count, "one value per scale item")
        var sum = 0.0, answered = 0
        for (index, value) in values.enumerated() {
            guard let value else { continue }
            if !special[index].isEmpty, special[index].contains(Int(value)), Double(Int(value)) == value { continue }
            if scale.method == .valueTable {
                // The parser guarantees a value for every on-scale code.
                let code = Int(value)
                let itemValue: Double?
                if let dense = denseValueTables[index] {
                    itemValue = dense.indices.contains(code) && !dense[code].isNaN ? dense[code] : nil
                } else {
                    itemValue = valueTables[index][code]
                }
                guard let itemValue else { continue }
                sum += itemValue
            } else if let bounds = reverse[index] {
                sum += bounds.min + bounds.max - value
            } else {
                sum += value
            }
            answered += 1
        }
        let needed = scale.minAnswered ?? scale.items.count
        guard answered >= needed, answered > 0 else {
            return ScaleScore(answered: answered, raw: nil, score: nil, level: nil)
        }
        let raw: Double
        switch scale.method {
        case .sum: raw = sum
        case .mean: raw = sum / Double(answered)
        case .valueTable: raw = scale.constant + sum
        }
        let score: Double?
        switch scale.transform {
        case nil:
            score = raw
        case let .linear(fromMin, fromMax, toMin, toMax):
            score = toMin + (raw - fromMin) * (toMax - toMin) / (fromMax - fromMin)
        case let .lookup(entries):
            score = entries.first { abs($0.raw - raw) < 1e-9 }?.score
        }
        return ScaleScore(answered: answered, raw: raw, score: score, level: score.flatMap { scale.level(for: $0)?.level })
    }
}
