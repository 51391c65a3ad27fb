import OutcomesInstruments
import OutcomesStore

/// Which instrument versions an analysis's responses were validated against, and how the items it
/// reads differ between them. Responses to every version are labelled with one version's wording
/// (the newest, or the one `instrument_version:` chose), so the tables say when others were pooled.
///
/// The rule, comparing each other version read with the labelling one, item by item:
/// - question text differs: a note ("wording differs");
/// - a code in both versions with a different valence (positive, neutral, negative) or special marker
///   (not applicable, don't know), or a label that differs beyond case, punctuation and spacing:
///   refused, as the code changed meaning;
/// - a code in one version only that some response to the other version gave: refused (those answers
///   would have no label);
/// - otherwise a code in one version only: a note if it is a special answer or listed after every code
///   both versions have (added at the end of the scale), else refused (added to or removed from the
///   middle of a scale);
/// - labels that differ only in case, punctuation or spacing, or choices in another order: a note;
/// - an item the other version does not have: a note (its responses have no answer to it).
public struct InstrumentVersions: Sendable, Equatable {
    public struct Count: Sendable, Equatable {
        public var version: String
        public var responses: Int
        public init(version: String, responses: Int) { self.version = version; self.responses = responses }
    }

    /// The versions whose responses were pooled, oldest first, with how many each: empty when every
    /// response read is to the labelling version (the tables then say nothing of versions).
    public var pooled: [Count] = []
    /// The version whose wording labels the tables.
    public var labelledWith: String = ""
    /// Responses to other versions left out by `instrument_version:`, oldest version first.
    public var excluded: [Count] = []
    /// One note per item that differs between the versions pooled, in the order the analysis reads them.
    public var notes: [String] = []

    public init() {}

    /// Whether the tables say anything about versions.
    public var isShown: Bool { !pooled.isEmpty || !excluded.isEmpty }

    /// "1.0 (1,234 responses), 2.0 (567 responses)".
    public static func list(_ counts: [Count]) -> String {
        counts.map { "\($0.version) (\(thousands($0.responses)) response\($0.responses == 1 ? "" : "s"))" }
            .joined(separator: ", ")
    }

    /// The sentence the data description ends with; nil when the responses are all to one version.
    public var sentence: String? {
        var parts: [String] = []
        if !pooled.isEmpty {
            let labels = pooled.count == 1 && pooled[0].version != labelledWith
                ? "Instrument version read: " : "Instrument versions pooled: "
            let wording = pooled.contains(where: { $0.version == labelledWith }) ? ""
                : "; labelled with version \(labelledWith)'s wording"
            parts.append(labels + Self.list(pooled) + wording + ".")
        }
        if !excluded.isEmpty {
            parts.append("Only version \(labelledWith) analysed (instrument_version); not analysed: "
                         + Self.list(excluded) + ".")
        }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    static func thousands(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }
}

/// A result whose tables say which instrument versions were pooled (every one-wave kind's).
public protocol PoolsInstrumentVersions: AnalysisResult {
    var versions: InstrumentVersions { get set }
}

extension InstrumentVersions {
    /// The versions of `frame`'s rows compared for `items` (nil: every item of the labelling version);
    /// throws, naming the item, the code and both versions, where a code changed meaning.
    static func compare(_ frame: ResponseFrame, items: [String]?, definition: AnalysisDefinition,
                        excluded: [Count] = []) throws -> InstrumentVersions {
        var result = InstrumentVersions()
        let labels = frame.instrument
        result.labelledWith = labels.version
        result.excluded = excluded
        let counts = frame.versionCounts
        guard counts.contains(where: { $0.version != labels.version }) else { return result }
        result.pooled = counts.map { Count(version: $0.version, responses: $0.responses) }
        let itemIDs = items ?? labels.items.map(\.id)
        for (version, responses) in counts where version != labels.version {
            guard let index = frame.versions.levels.firstIndex(of: version),
                  index < frame.versionDefinitions.count else { continue }
            let other = frame.versionDefinitions[index]
            for id in itemIDs {
                guard let new = labels.item(id) else { continue }
                let between = "between \(version) and \(labels.version)"
                guard let old = other.item(id) else {
                    result.notes.append("item \(id): not in version \(version) "
                                        + "(its \(thousands(responses)) responses have no answer to it)")
                    continue
                }
                if old.text != new.text { result.notes.append("item \(id): wording differs \(between)") }
                guard new.type.isChoice else { continue }
                let changes = try choiceChanges(item: id, old: other.choiceSet(for: old)?.choices ?? [],
                                                new: labels.choiceSet(for: new)?.choices ?? [],
                                                versions: (version, labels.version), definition: definition) {
                    frame.uses(code: $0, item: id, versionIndex: Int32(index))
                }
                if !changes.isEmpty {
                    result.notes.append("item \(id): choices differ \(between) (\(changes.joined(separator: "; ")))")
                }
            }
        }
        return result
    }

    /// What differs between an item's choices in two versions, each change a phrase for the note;
    /// throws where a code changed meaning. `used` says whether a response read gave a code.
    static func choiceChanges(item: String, old: [Choice], new: [Choice], versions: (old: String, new: String),
                              definition: AnalysisDefinition, used: (Int) -> Bool) throws -> [String] {
        func refuse(_ what: String) -> Diagnostic {
            Diagnostic(file: definition.file, line: definition.lines["item:" + item],
                       message: "item \(item), \(what): the code changed meaning between versions \(versions.old) "
                           + "and \(versions.new), so their responses cannot be pooled. Analyse one version "
                           + "(instrument_version: \(versions.new) in the analysis file), or recode the "
                           + "\(versions.old) answers to \(versions.new)'s codes before importing them.")
        }
        func describe(_ choice: Choice) -> String {
            "'\(choice.label)'" + (choice.valence.map { " (\($0.rawValue))" } ?? "")
                + (choice.special.map { " (\($0.rawValue))" } ?? "")
        }
        var changes: [String] = []
        var reworded: [Int] = []
        for newChoice in new {
            guard let oldChoice = old.first(where: { $0.code == newChoice.code }) else { continue }
            let code = newChoice.code
            if oldChoice.valence != newChoice.valence || oldChoice.special != newChoice.special
                || normalised(oldChoice.label) != normalised(newChoice.label) {
                throw refuse("code \(code): \(describe(oldChoice)) in version \(versions.old) but "
                             + "\(describe(newChoice)) in version \(versions.new)")
            }
            if oldChoice.label != newChoice.label { reworded.append(code) }
        }
        let oldCodes = old.map(\.code), newCodes = new.map(\.code)
        let shared = Set(oldCodes).intersection(newCodes)
        // After every code both versions have (or a special answer, off the scale): not inside the scale.
        func atEnd(_ choice: Choice, of choices: [Choice]) -> Bool {
            choice.special != nil
                || !choices.drop(while: { $0.code != choice.code }).contains { shared.contains($0.code) }
        }
        for choice in new where !shared.contains(choice.code) {
            guard atEnd(choice, of: new) else {
                throw refuse("code \(choice.code): \(describe(choice)) is in version \(versions.new) only, "
                             + "inside the scale of version \(versions.old)")
            }
            changes.append("code \(choice.code) '\(choice.label)' added in \(versions.new)")
        }
        for choice in old where !shared.contains(choice.code) {
            if used(choice.code) {
                throw refuse("code \(choice.code): \(describe(choice)) is in version \(versions.old) only, and "
                             + "responses to it gave it")
            }
            guard atEnd(choice, of: old) else {
                throw refuse("code \(choice.code): \(describe(choice)) is in version \(versions.old) only, "
                             + "inside the scale of version \(versions.new)")
            }
            changes.append("code \(choice.code) '\(choice.label)' of \(versions.old) not in \(versions.new), "
                           + "given by no response")
        }
        if !reworded.isEmpty {
            changes.append("label\(reworded.count == 1 ? "" : "s") of code\(reworded.count == 1 ? "" : "s") "
                           + reworded.map(String.init).joined(separator: ", ")
                           + " differ in case, punctuation or spacing only")
        }
        if oldCodes.filter(shared.contains) != newCodes.filter(shared.contains) {
            changes.append("choices listed in another order")
        }
        return changes
    }

    /// A label as compared for meaning: letters and digits only, lower-cased.
    static func normalised(_ label: String) -> String {
        String(label.lowercased().filter { $0.isLetter || $0.isNumber })
    }
}

extension ResponseFrame {
    /// Whether any row of version `versionIndex` gave `code` to a choice item (single or multiple).
    func uses(code: Int, item: String, versionIndex: Int32) -> Bool {
        switch column(item) {
        case let .integers(values)?:
            let target = Int32(truncatingIfNeeded: code)
            for row in 0..<count where versions.codes[row] == versionIndex && values.storage[row] == target {
                return true
            }
        case let .texts(values)?:
            for row in 0..<count where versions.codes[row] == versionIndex {
                if let text = values[row], text.split(separator: ";").contains(where: { Int($0) == code }) {
                    return true
                }
            }
        default: break
        }
        return false
    }

    /// The rows of one instrument version, labelled with that version's definition.
    func only(version: String) -> (frame: ResponseFrame, excluded: [InstrumentVersions.Count])? {
        guard let index = versions.levels.firstIndex(of: version), index < versionDefinitions.count else {
            return nil
        }
        var frame = subset(rows: versions.codes.indices.filter { versions.codes[$0] == Int32(index) })
        frame.instrument = versionDefinitions[index]
        let excluded = versionCounts.filter { $0.version != version }
            .map { InstrumentVersions.Count(version: $0.version, responses: $0.responses) }
        return (frame, excluded)
    }
}
