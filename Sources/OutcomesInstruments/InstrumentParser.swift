import Foundation
import Yams

/// Parses and validates instrument files, reporting every problem as `file:line: message`.
public enum InstrumentParser {
    /// Column names of the CSV interchange format that no item may take.
    public static let reservedColumns: Set<String> = ["respondent_id", "site", "arm", "wave", "response_id"]

    /// Loads one instrument file. Throws a `DiagnosticList` with every problem found.
    public static func load(file: String) throws -> Instrument {
        let reader = YAMLReader(file: file)
        let instrument = reader.parseFile().flatMap { parse(root: $0, reader: reader) }
        if let instrument, reader.diagnostics.isEmpty { return instrument }
        throw DiagnosticList(reader.diagnostics)
    }

    /// Parses instrument YAML text; `file` names it in diagnostics.
    public static func parse(_ text: String, file: String = "<instrument>") throws -> Instrument {
        let reader = YAMLReader(file: file)
        let instrument = reader.parse(text).flatMap { parse(root: $0, reader: reader) }
        if let instrument, reader.diagnostics.isEmpty { return instrument }
        throw DiagnosticList(reader.diagnostics)
    }

    static func parse(root: Node, reader r: YAMLReader) -> Instrument? {
        guard let top = r.mapping(root, "the instrument",
                                  allowed: ["id", "version", "title", "description", "domains", "choice_sets",
                                            "sections", "scales", "source"])
        else { return nil }
        let id = r.required(top, "id", in: root, "the instrument").flatMap { r.string($0, "id") }
        if let id, !YAMLReader.isSlug(id), let node = top["id"] {
            r.error(at: node, "instrument id '\(id)' should be lower-case letters, digits, '-' or '_', starting with a letter")
        }
        let version = r.required(top, "version", in: root, "the instrument").flatMap { r.string($0, "version") }
        if let version, version.isEmpty, let node = top["version"] { r.error(at: node, "version is empty") }
        let title = r.required(top, "title", in: root, "the instrument").flatMap { r.string($0, "title") }
        let description = top["description"].flatMap { r.string($0, "description") }

        // Domains: an ordered mapping of id -> label.
        var domains: [Domain] = []
        if let node = top["domains"], let entries = r.orderedMapping(node, "domains") {
            for entry in entries {
                if !YAMLReader.isIdentifier(entry.key) {
                    r.error(at: entry.keyNode, "domain id '\(entry.key)' should be lower-case letters, digits and '_'")
                }
                if let label = r.string(entry.value, "domain \(entry.key)") {
                    domains.append(Domain(id: entry.key, label: label))
                }
            }
        }

        // Choice sets: an ordered mapping of id -> list of choices.
        var choiceSets: [String: ChoiceSet] = [:]
        if let node = top["choice_sets"], let entries = r.orderedMapping(node, "choice_sets") {
            for entry in entries {
                choiceSets[entry.key] = parseChoiceSet(id: entry.key, node: entry.value, reader: r)
            }
        }

        // Sections and their items.
        var sections: [Section] = []
        var itemLines: [String: Node] = [:]
        if let node = r.required(top, "sections", in: root, "the instrument"), let list = r.sequence(node, "sections") {
            var sectionIDs = Set<String>()
            if list.isEmpty { r.error(at: node, "sections is empty: an instrument needs at least one item") }
            for sectionNode in list {
                guard let section = parseSection(sectionNode, reader: r, itemNodes: &itemLines) else { continue }
                if !sectionIDs.insert(section.id).inserted { r.error(at: sectionNode, "duplicate section id '\(section.id)'") }
                sections.append(section)
            }
        }

        var scales: [Scale] = []
        var scaleNodes: [Node] = []
        if let node = top["scales"], let list = r.sequence(node, "scales") {
            for scaleNode in list {
                if let scale = parseScale(scaleNode, reader: r) { scales.append(scale); scaleNodes.append(scaleNode) }
            }
        }

        let source = top["source"].flatMap { parseSource($0, reader: r) }
        guard let id, let version, let title else { return nil }
        var instrument = Instrument(id: id, version: version, title: title, description: description,
                                    domains: domains, choiceSets: choiceSets, sections: sections, scales: scales)
        instrument.source = source
        validate(instrument, itemNodes: itemLines, scaleNodes: scaleNodes, reader: r)
        return instrument
    }

    static func parseChoiceSet(id: String, node: Node, reader r: YAMLReader) -> ChoiceSet? {
        guard let list = r.sequence(node, "choice set \(id)") else { return nil }
        if list.isEmpty { r.error(at: node, "choice set \(id) has no choices") }
        var choices: [Choice] = []
        var codes = Set<Int>()
        for choiceNode in list {
            guard let map = r.mapping(choiceNode, "a choice in \(id)",
                                      allowed: ["code", "label", "valence", "special", "source"])
            else { continue }
            guard let code = r.required(map, "code", in: choiceNode, "choice in \(id)").flatMap({ r.int($0, "code") }),
                  let label = r.required(map, "label", in: choiceNode, "choice in \(id)").flatMap({ r.string($0, "label") })
            else { continue }
            if !codes.insert(code).inserted { r.error(at: choiceNode, "choice set \(id): code \(code) appears twice") }
            var valence: Valence?
            if let node = map["valence"], let text = r.string(node, "valence") {
                valence = Valence(rawValue: text)
                if valence == nil { r.error(at: node, "unknown valence '\(text)' (expected positive, neutral or negative)") }
            }
            var special: SpecialCode?
            if let node = map["special"], let text = r.string(node, "special") {
                special = SpecialCode(rawValue: text)
                if special == nil { r.error(at: node, "unknown special code kind '\(text)' (expected not_applicable or dont_know)") }
            }
            if valence != nil, special != nil, let node = map["valence"] {
                r.error(at: node, "choice \(code) in \(id) is marked \(special!.rawValue); it cannot also have a valence")
            }
            let source = map["source"].flatMap { r.string($0, "source of choice \(code) in \(id)") }
            choices.append(Choice(code: code, label: label, valence: valence, special: special, source: source))
        }
        return ChoiceSet(id: id, choices: choices)
    }

    static func parseSection(_ node: Node, reader r: YAMLReader, itemNodes: inout [String: Node]) -> Section? {
        guard let map = r.mapping(node, "a section", allowed: ["id", "title", "items", "source"]) else { return nil }
        guard let id = r.required(map, "id", in: node, "a section").flatMap({ r.string($0, "section id") }) else { return nil }
        let title = map["title"].flatMap { r.string($0, "section title") } ?? id
        var items: [Item] = []
        if let itemsNode = r.required(map, "items", in: node, "section \(id)"), let list = r.sequence(itemsNode, "items of section \(id)") {
            for itemNode in list {
                guard let item = parseItem(itemNode, reader: r) else { continue }
                if itemNodes[item.id] != nil {
                    r.error(at: itemNode, "duplicate item id '\(item.id)' (first defined on line \(itemNodes[item.id]?.mark?.line ?? 0))")
                    continue
                }
                itemNodes[item.id] = itemNode
                items.append(item)
            }
        }
        return Section(id: id, title: title, items: items,
                       source: map["source"].flatMap { r.string($0, "source of section \(id)") })
    }

    static func parseItem(_ node: Node, reader r: YAMLReader) -> Item? {
        guard let map = r.mapping(node, "an item",
                                  allowed: ["id", "text", "type", "choices", "required", "range", "show_if", "domain",
                                            "decimal_separator", "source", "unit"])
        else { return nil }
        guard let id = r.required(map, "id", in: node, "an item").flatMap({ r.string($0, "item id") }) else { return nil }
        if !YAMLReader.isIdentifier(id) {
            r.error(at: map["id"], "item id '\(id)' should be lower-case letters, digits and '_', starting with a letter")
        } else if reservedColumns.contains(id) {
            r.error(at: map["id"], "item id '\(id)' is reserved for the CSV interchange format")
        }
        let text = r.required(map, "text", in: node, "item \(id)").flatMap { r.string($0, "text of \(id)") } ?? ""
        var type: ItemType?
        if let typeNode = r.required(map, "type", in: node, "item \(id)"), let name = r.string(typeNode, "type of \(id)") {
            type = ItemType(rawValue: name)
            if type == nil {
                r.error(at: typeNode, "item \(id): unknown type '\(name)' (expected one of: \(ItemType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        let choices = map["choices"].flatMap { r.string($0, "choices of \(id)") }
        let required = map["required"].flatMap { r.bool($0, "required") } ?? false
        var range: ValueRange?
        if let rangeNode = map["range"], let rangeMap = r.mapping(rangeNode, "range of \(id)", allowed: ["min", "max"]) {
            range = ValueRange(min: rangeMap["min"].flatMap { r.double($0, "range min") },
                               max: rangeMap["max"].flatMap { r.double($0, "range max") })
        }
        let showIf = map["show_if"].flatMap { parseCondition($0, of: id, reader: r) }
        let domain = map["domain"].flatMap { r.string($0, "domain of \(id)") }
        var decimalComma = false
        if let node = map["decimal_separator"], let separator = r.string(node, "decimal_separator of \(id)") {
            switch separator {
            case "comma": decimalComma = true
            case "point": decimalComma = false
            default: r.error(at: node, "item \(id): decimal_separator '\(separator)' should be comma or point")
            }
            if type != nil, type != .number {
                r.error(at: node, "item \(id): decimal_separator applies to number items only")
            }
        }
        guard let type else { return nil }
        var item = Item(id: id, text: text, type: type, choiceSetID: choices, required: required,
                        range: range, showIf: showIf, domain: domain)
        item.decimalComma = decimalComma
        item.source = map["source"].flatMap { r.string($0, "source of \(id)") }
        if let node = map["unit"], let unit = r.string(node, "unit of \(id)") {
            if type != .integer && type != .number {
                r.error(at: node, "item \(id): unit applies to integer and number items")
            }
            item.unit = unit
        }
        return item
    }

    /// The `source:` block of a converted instrument.
    static func parseSource(_ node: Node, reader r: YAMLReader) -> InstrumentSource? {
        guard let map = r.mapping(node, "source", allowed: ["format", "file", "record_id", "events"]),
              let formatNode = r.required(map, "format", in: node, "source"),
              let name = r.string(formatNode, "source format") else { return nil }
        guard let format = InstrumentSource.Format(rawValue: name) else {
            r.error(at: formatNode, "source format '\(name)' should be one of: "
                                    + "\(InstrumentSource.Format.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        var events: [(event: String, wave: String)] = []
        if let eventsNode = map["events"], let entries = r.orderedMapping(eventsNode, "source events") {
            for entry in entries {
                guard let wave = r.string(entry.value, "wave of event \(entry.key)") else { continue }
                if let problem = IdentityField.wave.problem(wave) {
                    r.error(at: entry.value, "event \(entry.key): \(problem)")
                }
                events.append((entry.key, wave))
            }
        }
        return InstrumentSource(format: format, file: map["file"].flatMap { r.string($0, "source file") },
                                recordID: map["record_id"].flatMap { r.string($0, "source record_id") }, events: events)
    }

    static let answerTests = ["equals", "in", "includes", "answered"]
        + SkipCondition.Comparison.allCases.map(\.rawValue)

    /// A `show_if` condition: one test of an earlier answer, or `all:` / `any:` / `not:` of conditions.
    static func parseCondition(_ node: Node, of id: String, reader r: YAMLReader, depth: Int = 0) -> SkipCondition? {
        let what = "show_if of \(id)"
        guard depth < 16 else { r.error(at: node, "\(what) is nested more than 16 deep"); return nil }
        guard let map = r.mapping(node, what, allowed: Set(["item", "all", "any", "not"] + answerTests))
        else { return nil }
        let combinators = ["all", "any", "not"].filter { map[$0] != nil }
        if let name = combinators.first {
            guard combinators.count == 1, map["item"] == nil, answerTests.allSatisfy({ map[$0] == nil }) else {
                r.error(at: node, "\(what): '\(name)' stands alone in its condition (put other tests inside it)")
                return nil
            }
            if name == "not" {
                return parseCondition(map["not"]!, of: id, reader: r, depth: depth + 1).map { .not($0) }
            }
            guard let list = r.sequence(map[name]!, "\(what) \(name)") else { return nil }
            if list.isEmpty { r.error(at: map[name], "\(what): '\(name)' needs at least one condition"); return nil }
            let parts = list.compactMap { parseCondition($0, of: id, reader: r, depth: depth + 1) }
            guard parts.count == list.count else { return nil }
            return name == "all" ? .all(parts) : .any(parts)
        }
        guard let other = r.required(map, "item", in: node, what).flatMap({ r.string($0, "show_if item") })
        else { return nil }
        let given = answerTests.filter { map[$0] != nil }
        guard given.count == 1 else {
            r.error(at: node, given.isEmpty
                ? "\(what) needs a test of \(other): equals, in, includes, greater_than, at_least, "
                    + "less_than, at_most or answered"
                : "\(what) tests \(other) with \(given.joined(separator: " and ")): give one test "
                    + "(combine several with all: or any:)")
            return nil
        }
        let value = map[given[0]]!
        switch given[0] {
        case "equals": return r.int(value, "show_if equals").map { SkipCondition(item: other, codes: [$0]) }
        case "in":
            guard let list = r.sequence(value, "show_if in") else { return nil }
            let codes = list.compactMap { r.int($0, "show_if code") }
            if codes.isEmpty { r.error(at: value, "\(what): 'in' needs at least one code") }
            return codes.count == list.count && !codes.isEmpty ? SkipCondition(item: other, codes: codes) : nil
        case "includes": return r.int(value, "show_if includes").map { .answer(item: other, test: .includes($0)) }
        case "answered": return r.bool(value, "show_if answered").map { .answer(item: other, test: .answered($0)) }
        default:
            let comparison = SkipCondition.Comparison(rawValue: given[0])!
            return r.double(value, "show_if \(given[0])").map { .answer(item: other, test: .compare(comparison, $0)) }
        }
    }

    /// A condition's tests must name earlier items, with tests that fit their types and codes they have.
    static func validate(_ condition: SkipCondition, of item: Item, in instrument: Instrument, order: [String: Int],
                         node: Node?, reader r: YAMLReader) {
        switch condition {
        case let .all(parts), let .any(parts):
            for part in parts { validate(part, of: item, in: instrument, order: order, node: node, reader: r) }
        case let .not(inner):
            validate(inner, of: item, in: instrument, order: order, node: node, reader: r)
        case let .answer(name, test):
            guard name != item.id else {
                r.error(at: node, "item \(item.id): skip condition refers to the item itself"); return
            }
            guard let other = instrument.item(name) else {
                r.error(at: node, "item \(item.id): skip condition names a missing item '\(name)'"); return
            }
            if (order[other.id] ?? 0) > (order[item.id] ?? 0) {
                r.error(at: node,
                        "item \(item.id): skip condition names \(other.id), which comes later in the questionnaire")
            }
            let set = instrument.choiceSet(for: other)
            func checkCodes(_ codes: [Int]) {
                guard let set else { return }
                for code in codes where set.choice(code) == nil {
                    r.error(at: node,
                            "item \(item.id): skip condition code \(code) is not in \(other.id)'s choice set \(set.id)")
                }
            }
            switch test {
            case let .oneOf(codes):
                if other.type.isChoice { checkCodes(codes) } else if other.type != .integer {
                    r.error(at: node,
                            "item \(item.id): skip condition names \(other.id), a \(other.type.rawValue) item "
                            + "(equals and in test choice or integer items; "
                            + "compare numbers with greater_than, at_least, ...)")
                }
            case let .includes(code):
                if other.type == .multipleChoice { checkCodes([code]) } else {
                    r.error(at: node, "item \(item.id): 'includes' tests a multiple_choice item; "
                            + "\(other.id) is \(other.type.rawValue) (use equals or in)")
                }
            case .compare:
                if ![.integer, .number, .singleChoice].contains(other.type) {
                    r.error(at: node, "item \(item.id): a comparison needs an integer, number or single_choice item; "
                            + "\(other.id) is \(other.type.rawValue)")
                }
            case .answered:
                break
            }
        }
    }

    static func parseScale(_ node: Node, reader r: YAMLReader) -> Scale? {
        guard let map = r.mapping(node, "a scale", allowed: ["id", "label", "items", "method", "reverse", "min_answered", "values", "constant",
                                                            "rescale", "lookup", "range", "levels"])
        else { return nil }
        guard let id = r.required(map, "id", in: node, "a scale").flatMap({ r.string($0, "scale id") }) else { return nil }
        if !YAMLReader.isIdentifier(id) { r.error(at: map["id"], "scale id '\(id)' should be lower-case letters, digits and '_'") }
        let label = map["label"].flatMap { r.string($0, "scale label") } ?? id
        let items = r.required(map, "items", in: node, "scale \(id)").flatMap { r.sequence($0, "items of scale \(id)") }?
            .compactMap { r.string($0, "item id") } ?? []
        var method = Scale.Method.sum
        if let methodNode = r.required(map, "method", in: node, "scale \(id)"), let text = r.string(methodNode, "method") {
            if let m = Scale.Method(rawValue: text) { method = m } else {
                r.error(at: methodNode, "scale \(id): unknown method '\(text)' (expected sum, mean or value_table)")
            }
        }
        let reverse = map["reverse"].flatMap { r.sequence($0, "reverse") }?.compactMap { r.string($0, "item id") } ?? []
        let minAnswered = map["min_answered"].flatMap { r.int($0, "min_answered") }
        var transform: Scale.Transform?
        if let rescaleNode = map["rescale"], let rescale = r.mapping(rescaleNode, "rescale of \(id)", allowed: ["from", "to"]) {
            func pair(_ key: String) -> (Double, Double)? {
                guard let node = r.required(rescale, key, in: rescaleNode, "rescale of \(id)"),
                      let list = r.sequence(node, "rescale \(key)") else { return nil }
                let values = list.compactMap { r.double($0, "rescale \(key)") }
                guard values.count == 2, list.count == 2 else {
                    r.error(at: node, "rescale \(key) should be two numbers: [low, high]")
                    return nil
                }
                if values[0] >= values[1] { r.error(at: node, "rescale \(key): low \(values[0]) is not below high \(values[1])") }
                return (values[0], values[1])
            }
            if let from = pair("from"), let to = pair("to") {
                transform = .linear(fromMin: from.0, fromMax: from.1, toMin: to.0, toMax: to.1)
            }
        }
        if let lookupNode = map["lookup"], let list = r.sequence(lookupNode, "lookup of \(id)") {
            if map["rescale"] != nil { r.error(at: lookupNode, "scale \(id) has both rescale and lookup: use one") }
            var entries: [Scale.LookupEntry] = []
            var raws = Set<Double>()
            for entryNode in list {
                guard let entry = r.mapping(entryNode, "a lookup entry", allowed: ["raw", "score"]),
                      let raw = r.required(entry, "raw", in: entryNode, "lookup entry").flatMap({ r.double($0, "raw") }),
                      let score = r.required(entry, "score", in: entryNode, "lookup entry").flatMap({ r.double($0, "score") })
                else { continue }
                if !raws.insert(raw).inserted { r.error(at: entryNode, "scale \(id): lookup has raw score \(raw) twice") }
                entries.append(Scale.LookupEntry(raw: raw, score: score))
            }
            if list.isEmpty { r.error(at: lookupNode, "scale \(id): lookup table is empty") }
            transform = .lookup(entries)
        }
        // A value table: for each item, the value of each answer code.
        var values: [String: [Int: Double]] = [:]
        if let valuesNode = map["values"], let entries = r.orderedMapping(valuesNode, "values of scale \(id)") {
            for entry in entries {
                guard let codes = r.orderedMapping(entry.value, "values of \(entry.key)") else { continue }
                var table: [Int: Double] = [:]
                for code in codes {
                    guard let number = Int(code.key) else {
                        r.error(at: code.keyNode, "scale \(id): '\(code.key)' is not an answer code")
                        continue
                    }
                    if let value = r.double(code.value, "value of code \(number)") { table[number] = value }
                }
                values[entry.key] = table
            }
        }
        if method == .valueTable, map["values"] == nil { r.error(at: node, "scale \(id): method value_table needs 'values'") }
        if method != .valueTable, map["values"] != nil { r.error(at: map["values"], "scale \(id): 'values' applies only to method value_table") }
        let constant = map["constant"].flatMap { r.double($0, "constant") } ?? 0
        var range: ValueRange?
        if let rangeNode = map["range"], let rangeMap = r.mapping(rangeNode, "range of scale \(id)", allowed: ["min", "max"]) {
            range = ValueRange(min: rangeMap["min"].flatMap { r.double($0, "range min") },
                               max: rangeMap["max"].flatMap { r.double($0, "range max") })
            if let range {
                // A licensee's table or a rescale that leaves the declared range would give impossible scores.
                if let lookupNode = map["lookup"], case let .lookup(entries)? = transform {
                    for entry in entries where !range.contains(entry.score) {
                        r.error(at: lookupNode, "scale \(id): lookup score \(entry.score) (raw \(entry.raw)) is outside the scale's range \(range.description)")
                    }
                }
                if case let .linear(_, _, toMin, toMax)? = transform, !range.contains(toMin) || !range.contains(toMax) {
                    r.error(at: map["rescale"], "scale \(id): rescale target \(toMin) to \(toMax) is outside the scale's range \(range.description)")
                }
            }
        }
        var levels: [Scale.Level] = []
        if let levelsNode = map["levels"], let list = r.sequence(levelsNode, "levels of \(id)") {
            for (index, levelNode) in list.enumerated() {
                guard let entry = r.mapping(levelNode, "a level", allowed: ["level", "label", "max"]),
                      let level = r.required(entry, "level", in: levelNode, "a level").flatMap({ r.int($0, "level") })
                else { continue }
                let bound = entry["max"].flatMap { r.double($0, "level max") }
                let isLast = index == list.count - 1
                if bound == nil, !isLast { r.error(at: levelNode, "scale \(id): level \(level) needs 'max' (only the last level is open-ended)") }
                if bound != nil, isLast { r.error(at: levelNode, "scale \(id): the last level should have no 'max' so that every score has a level") }
                if let bound, let previous = levels.last?.upperBound, bound <= previous {
                    r.error(at: levelNode, "scale \(id): level cutpoints should increase (\(bound) follows \(previous))")
                }
                levels.append(Scale.Level(level: level, label: entry["label"].flatMap { r.string($0, "level label") } ?? "Level \(level)",
                                          upperBound: bound))
            }
        }
        if let range {
            for level in levels {
                if let bound = level.upperBound, !range.contains(bound) {
                    r.error(at: map["levels"], "scale \(id): cutpoint \(bound) of level \(level.level) is outside the scale's range \(range.description)")
                }
            }
        }
        return Scale(id: id, label: label, items: items, method: method, reverseItems: reverse,
                     minAnswered: minAnswered, transform: transform, range: range, levels: levels,
                     values: values, constant: constant)
    }

    /// Cross-references: everything that names something else must name something that exists.
    static func validate(_ instrument: Instrument, itemNodes: [String: Node], scaleNodes: [Node], reader r: YAMLReader) {
        let order = Dictionary(uniqueKeysWithValues: instrument.items.enumerated().map { ($1.id, $0) })
        for item in instrument.items {
            let node = itemNodes[item.id]
            if item.type.isChoice {
                if let setID = item.choiceSetID {
                    if instrument.choiceSets[setID] == nil {
                        r.error(at: node, "item \(item.id): unknown choice set '\(setID)'")
                    }
                } else {
                    r.error(at: node, "item \(item.id) is \(item.type.rawValue) but names no choice set ('choices:')")
                }
            } else if item.choiceSetID != nil {
                r.error(at: node, "item \(item.id) is \(item.type.rawValue): only choice items take 'choices:'")
            }
            if let range = item.range {
                if item.type != .integer && item.type != .number {
                    r.error(at: node, "item \(item.id): 'range' applies to integer and number items, not \(item.type.rawValue)")
                }
                if let lo = range.min, let hi = range.max, lo > hi {
                    r.error(at: node, "item \(item.id): range min \(lo) is above max \(hi)")
                }
            }
            if let condition = item.showIf {
                validate(condition, of: item, in: instrument, order: order, node: node, reader: r)
            }
            if let domainID = item.domain {
                if instrument.domain(domainID) == nil {
                    r.error(at: node, "item \(item.id): unknown domain '\(domainID)' (declare it under 'domains:')")
                }
                if item.type != .singleChoice {
                    r.error(at: node, "item \(item.id): an outcome item (with a domain) must be single_choice")
                } else if let set = instrument.choiceSet(for: item) {
                    let missing = set.choices.filter { $0.special == nil && $0.valence == nil }.map(\.code)
                    if !missing.isEmpty {
                        r.error(at: node, "item \(item.id) is an outcome item but choice set \(set.id) gives no valence for code(s) \(missing.map(String.init).joined(separator: ", "))")
                    }
                }
            }
        }
        var scaleIDs = Set<String>()
        for (scale, node) in zip(instrument.scales, scaleNodes) {
            func fail(_ message: String) { r.error(at: node, "scale \(scale.id): \(message)") }
            if !scaleIDs.insert(scale.id).inserted { fail("duplicate scale id") }
            if instrument.item(scale.id) != nil { fail("the id is already an item id") }
            if scale.items.isEmpty { fail("has no items") }
            if Set(scale.items).count != scale.items.count { fail("lists an item twice") }
            for itemID in scale.items {
                guard let item = instrument.item(itemID) else { fail("names a missing item '\(itemID)'"); continue }
                if ![.singleChoice, .integer, .number].contains(item.type) {
                    fail("item \(itemID) is \(item.type.rawValue); scales take single_choice, integer or number items")
                }
            }
            for itemID in scale.reverseItems {
                if !scale.items.contains(itemID) { fail("reverse-scored item '\(itemID)' is not one of the scale's items"); continue }
                if let item = instrument.item(itemID), ScaleScorer.bounds(of: item, choices: instrument.choiceSet(for: item)) == nil {
                    fail("reverse-scored item \(itemID) needs a choice set or a range with min and max")
                }
            }
            if scale.method == .valueTable {
                for itemID in scale.items {
                    guard let item = instrument.item(itemID), let set = instrument.choiceSet(for: item) else {
                        fail("value_table item \(itemID) needs a choice set"); continue
                    }
                    let table = scale.values[itemID] ?? [:]
                    let missing = set.scaleCodes.filter { table[$0] == nil }
                    if !missing.isEmpty { fail("values for \(itemID) lack code(s) \(missing.map(String.init).joined(separator: ", "))") }
                    for code in table.keys.sorted() where set.choice(code) == nil || set.choice(code)?.special != nil {
                        fail("values for \(itemID) give code \(code), which is not on \(set.id)'s scale")
                    }
                }
                for itemID in scale.values.keys.sorted() where !scale.items.contains(itemID) {
                    fail("values are given for \(itemID), which is not one of the scale's items")
                }
                if !scale.reverseItems.isEmpty { fail("reverse scoring does not apply to a value table") }
                if let range = scale.range {
                    // The table's extreme totals must stay inside the declared range.
                    let lows = scale.items.compactMap { scale.values[$0]?.values.min() }
                    let highs = scale.items.compactMap { scale.values[$0]?.values.max() }
                    let low = scale.constant + lows.reduce(0, +), high = scale.constant + highs.reduce(0, +)
                    if !range.contains(low) || !range.contains(high) {
                        fail("the value table gives scores from \(low) to \(high), outside the scale's range \(range.description)")
                    }
                }
            }
            if let minimum = scale.minAnswered, minimum < 1 || minimum > scale.items.count {
                fail("min_answered \(minimum) should be between 1 and the number of items (\(scale.items.count))")
            }
        }
    }
}

