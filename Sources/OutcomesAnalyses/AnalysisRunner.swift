import OutcomesInstruments
import OutcomesStore

/// The result of running one analysis file.
public enum AnalysisResult: Sendable {
    case outcomeTable(OutcomeTableResult)
    case scaleChange(ScaleChangeResult)
    case pilotVsControl(PilotVsControlResult)
    case subgroupComparison(SubgroupComparisonResult)
    case processAssociations(ProcessAssociationsResult)
    case outcomeIndex(OutcomeIndexResult)
    case distribution(DistributionResult)

    public var definition: AnalysisDefinition {
        switch self {
        case let .outcomeTable(result): return result.definition
        case let .scaleChange(result): return result.definition
        case let .pilotVsControl(result): return result.definition
        case let .subgroupComparison(result): return result.definition
        case let .processAssociations(result): return result.definition
        case let .outcomeIndex(result): return result.definition
        case let .distribution(result): return result.definition
        }
    }
}

public enum AnalysisRunner {
    /// Runs one analysis on the store: reads the responses it needs once, then computes. To run
    /// several, an `AnalysisSession` reads each instrument's responses once for all of them.
    public static func run(_ definition: AnalysisDefinition, store: any ResponseSource) throws -> AnalysisResult {
        try AnalysisSession(store: store, definitions: [definition]).run(definition)
    }

    /// What an analysis reads: one instrument, one wave or all, and the items it uses (nil: every item).
    struct FrameRequest {
        struct Key: Hashable { var instrument: String; var wave: String? }
        var key: Key
        var items: [String]?
        /// The definition with its wave resolved (the only wave stored, when the file names none).
        var definition: AnalysisDefinition
    }

    /// Checks an analysis against the store and says what it needs to read.
    static func request(for definition: AnalysisDefinition, store: any ResponseSource) throws -> FrameRequest {
        guard let instrument = try store.instrument(id: definition.instrument) else {
            throw Diagnostic(file: definition.file, message: "no responses to instrument '\(definition.instrument)' are stored in \(store.sourceDescription)")
        }
        try definition.validate(against: instrument)
        switch definition.kind {
        case .outcomeTable, .subgroupComparison, .processAssociations, .outcomeIndex, .distribution:
            // One wave of a cross-sectional survey: the items the analysis names.
            let wave = try resolveWave(definition, store: store)
            var needed = definition.kind == .distribution ? [] : (definition.items ?? instrument.outcomeItems.map(\.id))
            var extra = definition.subgroups.compactMap { subgroup -> String? in
                if case let .item(id, _) = subgroup { return id } else { return nil }
            }
            extra += (definition.processes + definition.covariatePredictors).map(\.item) + [definition.item].compactMap { $0 }
            for id in extra where !needed.contains(id) { needed.append(id) }
            var resolved = definition
            resolved.wave = wave
            return FrameRequest(key: .init(instrument: definition.instrument, wave: wave), items: needed, definition: resolved)
        case .scaleChange, .pilotVsControl:
            // Both waves must hold responses: otherwise there is no change to measure.
            let waves = try store.waveNames(instrument: definition.instrument)
            for wave in [definition.baselineWave, definition.followupWave].compactMap({ $0 }) where !waves.contains(wave) {
                throw Diagnostic(file: definition.file, message: "wave '\(wave)' has no responses to \(definition.instrument) (stored waves: \(waves.isEmpty ? "none" : waves.joined(separator: ", ")))")
            }
            if definition.kind == .pilotVsControl {
                return FrameRequest(key: .init(instrument: definition.instrument, wave: nil), items: nil, definition: definition)
            }
            var needed = instrument.scale(definition.scale ?? "")!.items
            for case let .item(id, _) in definition.subgroups where !needed.contains(id) { needed.append(id) }
            return FrameRequest(key: .init(instrument: definition.instrument, wave: nil), items: needed, definition: definition)
        }
    }

    /// Computes an analysis on a frame that holds at least the items its request named.
    static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> AnalysisResult {
        switch definition.kind {
        case .subgroupComparison: return .subgroupComparison(try SubgroupComparison.compute(definition, frame: frame))
        case .processAssociations: return .processAssociations(try ProcessAssociations.compute(definition, frame: frame))
        case .outcomeIndex: return .outcomeIndex(try OutcomeIndex.compute(definition, frame: frame))
        case .distribution: return .distribution(try Distribution.compute(definition, frame: frame))
        case .outcomeTable: return .outcomeTable(try OutcomeTable.compute(definition, frame: frame))
        case .pilotVsControl: return .pilotVsControl(try PilotVsControl.compute(definition, frame: frame))
        case .scaleChange: return .scaleChange(try ScaleChange.compute(definition, frame: frame))
        }
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

/// Runs a set of analyses on one store, reading each instrument's responses (per wave) once for all
/// of them. A national survey's responses take seconds to read, and an evaluation runs several
/// analyses of the same survey. A frame is read, with every item any of its analyses uses, when the
/// first of them runs, and dropped when the last has run, so that memory holds one survey at a time
/// when analyses are run in file order.
public final class AnalysisSession {
    let store: any ResponseSource
    private var requests: [String: Result<AnalysisRunner.FrameRequest, Error>] = [:]
    private var itemsByKey: [AnalysisRunner.FrameRequest.Key: [String]?] = [:]
    private var usesLeft: [AnalysisRunner.FrameRequest.Key: Int] = [:]
    private var frames: [AnalysisRunner.FrameRequest.Key: ResponseFrame] = [:]

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
    public func run(_ definition: AnalysisDefinition) throws -> AnalysisResult {
        let request = try (requests[definition.file + "\u{0}" + definition.id] ?? Result { try AnalysisRunner.request(for: definition, store: store) }).get()
        let key = request.key
        let frame: ResponseFrame
        if let read = frames[key] { frame = read } else {
            frame = try store.responses(instrument: key.instrument, wave: key.wave, items: itemsByKey[key] ?? request.items, respondentCodes: false)
        }
        usesLeft[key, default: 1] -= 1
        frames[key] = usesLeft[key]! > 0 ? frame : nil
        return try AnalysisRunner.compute(request.definition, frame: frame)
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
