import OutcomesInstruments
import OutcomesStore

public enum AnalysisRunner {
    /// Runs one analysis on the store: reads the responses it needs once, then computes. To run
    /// several, an `AnalysisSession` reads each instrument's responses once for all of them.
    public static func run(_ definition: AnalysisDefinition, store: any ResponseSource) throws -> any AnalysisResult {
        try AnalysisSession(store: store, definitions: [definition]).run(definition)
    }

    /// Checks an analysis against the store and says what it needs to read.
    static func request(for definition: AnalysisDefinition, store: any ResponseSource) throws -> FrameRequest {
        guard let instrument = try store.instrument(id: definition.instrument) else {
            throw Diagnostic(file: definition.file, message: "no responses to instrument '\(definition.instrument)' are stored in \(store.sourceDescription)")
        }
        try definition.validate(against: instrument)
        return try definition.kind.type.request(for: definition, instrument: instrument, store: store)
    }

    /// Computes an analysis on a frame that holds at least the items its request named (`items`, nil:
    /// every item): on one instrument version's responses if the file names one, else on every version's,
    /// which are compared first for the items read (refused where a code changed meaning).
    static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame, items: [String]?) throws
        -> any AnalysisResult {
        var frame = frame.namingSites(definition.siteNames)
        var excluded: [InstrumentVersions.Count] = []
        if let version = definition.instrumentVersion {
            guard let chosen = frame.only(version: version) else {
                throw Diagnostic(file: definition.file, line: definition.lines["instrument_version"],
                                 message: "instrument \(definition.instrument) has no version '\(version)' "
                                     + "(versions: \(frame.versions.levels.joined(separator: ", ")))")
            }
            guard chosen.frame.count > 0 else {
                throw Diagnostic(file: definition.file, line: definition.lines["instrument_version"],
                                 message: "no responses to version \(version) of \(definition.instrument)"
                                     + (definition.wave.map { " in wave \($0)" } ?? "") + " (responses: "
                                     + InstrumentVersions.list(chosen.excluded) + ")")
            }
            try definition.validate(against: chosen.frame.instrument)
            // A kind reading every outcome item read the newest version's: the chosen one may have more.
            let readsOutcomes = items.map { read in frame.instrument.outcomeItems.contains { read.contains($0.id) } }
            if definition.items == nil, readsOutcomes ?? true, let item = chosen.frame.instrument.outcomeItems
                .first(where: { frame.instrument.item($0.id) == nil }) {
                throw Diagnostic(file: definition.file, line: definition.lines["instrument_version"],
                                 message: "item \(item.id) of version \(version) is not in the newest version of "
                                     + "\(definition.instrument): name the items to analyse with 'items:'")
            }
            (frame, excluded) = chosen
        }
        let versions = try InstrumentVersions.compare(frame, items: items, definition: definition, excluded: excluded)
        let result = try definition.kind.type.computeResult(definition, frame: frame)
        guard versions.isShown, var pooling = result as? any PoolsInstrumentVersions else { return result }
        pooling.versions = versions
        return pooling
    }

    /// The wave to analyse: the one the file names, or the only one stored. Mixing waves would count
    /// a respondent twice, so several waves and none named is an error.
    static func resolveWave(_ definition: AnalysisDefinition, store: any ResponseSource) throws -> String? {
        let waves = try store.waveNames(instrument: definition.instrument)
        if let wave = definition.wave {
            guard waves.contains(wave) else {
                throw Diagnostic(file: definition.file, message: "wave '\(wave)' has no responses to \(definition.instrument) (stored waves: \(waves.isEmpty ? "none" : waves.joined(separator: ", ")))")
            }
            return wave
        }
        if waves.count > 1 {
            throw Diagnostic(file: definition.file, message: "\(definition.instrument) has responses in several waves (\(waves.joined(separator: ", "))): name one with 'wave:'")
        }
        return waves.first
    }
}

/// What an analysis reads: one instrument, one wave or all, and the items it uses (nil: every item).
struct FrameRequest {
    struct Key: Hashable { var instrument: String; var wave: String? }
    var key: Key
    var items: [String]?
    /// The definition with its wave resolved (the only wave stored, when the file names none).
    var definition: AnalysisDefinition

    /// One wave of a cross-sectional survey: `items` (the kind's own, e.g. its outcome items), then
    /// each subgroup item and `extra` items the kind uses, once each.
    static func oneWave(_ definition: AnalysisDefinition, store: any ResponseSource, items: [String],
                        extra: [String] = []) throws -> FrameRequest {
        let wave = try AnalysisRunner.resolveWave(definition, store: store)
        var needed = items
        var more = definition.subgroups.compactMap { subgroup -> String? in
            if case let .item(id, _, _) = subgroup { return id } else { return nil }
        }
        more += extra + (definition.weighting?.items ?? [])
        // The answers that decide whether an analysed item was asked, to tell "not asked" from missing.
        if let instrument = try store.instrument(id: definition.instrument) {
            more += NotAsked.conditionItems(of: items + extra, in: instrument)
        }
        for id in more where !needed.contains(id) { needed.append(id) }
        var resolved = definition
        resolved.wave = wave
        return FrameRequest(key: .init(instrument: definition.instrument, wave: wave), items: needed,
                            definition: resolved)
    }

    /// Every wave of an instrument, for kinds that link a baseline and a follow-up wave: both must
    /// hold responses, or there is no change to measure. `items` nil reads every item.
    static func linkedWaves(_ definition: AnalysisDefinition, store: any ResponseSource, baseline: String,
                            followup: String, items: [String]?) throws -> FrameRequest {
        let waves = try store.waveNames(instrument: definition.instrument)
        for wave in [baseline, followup] where !waves.contains(wave) {
            throw Diagnostic(file: definition.file,
                             message: "wave '\(wave)' has no responses to \(definition.instrument) "
                                 + "(stored waves: \(waves.isEmpty ? "none" : waves.joined(separator: ", ")))")
        }
        return FrameRequest(key: .init(instrument: definition.instrument, wave: nil), items: items,
                            definition: definition)
    }
}

/// Runs a set of analyses on one store, reading each instrument's responses (per wave) once for all
/// of them. A national survey's responses take seconds to read, and an evaluation runs several
/// analyses of the same survey. A frame is read, with every item any of its analyses uses, when the
/// first of them runs, and dropped when the last has run, so that memory holds one survey at a time
/// when analyses are run in file order.
public final class AnalysisSession {
    let store: any ResponseSource
    private var requests: [String: Result<FrameRequest, Error>] = [:]
    private var itemsByKey: [FrameRequest.Key: [String]?] = [:]
    private var usesLeft: [FrameRequest.Key: Int] = [:]
    private var frames: [FrameRequest.Key: ResponseFrame] = [:]

    /// Plans the reads for `definitions` (problems with a definition are reported when it is run).
    public init(store: any ResponseSource, definitions: [AnalysisDefinition]) {
        self.store = RememberedLookups(store)
        for definition in definitions {
            let request = Result { try AnalysisRunner.request(for: definition, store: store) }
            requests[definition.file + "\u{0}" + definition.id] = request
            guard case let .success(request) = request else { continue }
            usesLeft[request.key, default: 0] += 1
            switch (itemsByKey[request.key], request.items) {
            case (nil, let items): itemsByKey[request.key] = items
            case (let known??, let items?): itemsByKey[request.key] = known + items.filter { !known.contains($0) }
            default: itemsByKey[request.key] = .some(nil)
            }
        }
    }

    /// Runs one of the session's analyses (in any order; each frame is read once).
    public func run(_ definition: AnalysisDefinition) throws -> any AnalysisResult {
        let request = try (requests[definition.file + "\u{0}" + definition.id] ?? Result { try AnalysisRunner.request(for: definition, store: store) }).get()
        let key = request.key
        let frame: ResponseFrame
        if let read = frames[key] { frame = read } else {
            frame = try store.responses(instrument: key.instrument, wave: key.wave, items: itemsByKey[key] ?? request.items, respondentCodes: false)
        }
        usesLeft[key, default: 1] -= 1
        frames[key] = usesLeft[key]! > 0 ? frame : nil
        return try AnalysisRunner.compute(request.definition, frame: frame, items: request.items)
    }
}

/// A session's source with its instruments and wave names looked up once: every analysis asks for
/// them, and finding an instrument's waves reads its responses' index (a third of a second per
/// million responses). A session evaluates the store as it is when it starts.
private final class RememberedLookups: ResponseSource {
    let base: any ResponseSource
    private var instruments: [String: Instrument?] = [:]
    private var waves: [String?: [String]] = [:]

    init(_ base: any ResponseSource) { self.base = base }

    var sourceDescription: String { base.sourceDescription }

    func instrument(id: String) throws -> Instrument? {
        if let known = instruments[id] { return known }
        let found = try base.instrument(id: id)
        instruments[id] = .some(found)
        return found
    }

    func waveNames(instrument: String?) throws -> [String] {
        if let known = waves[instrument] { return known }
        let found = try base.waveNames(instrument: instrument)
        waves[instrument] = found
        return found
    }

    func responses(instrument: String, wave: String?, items: [String]?, respondentCodes: Bool) throws -> ResponseFrame {
        try base.responses(instrument: instrument, wave: wave, items: items, respondentCodes: respondentCodes)
    }
}
