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
    /// Runs an analysis on the store: reads the responses it needs once, then computes.
    public static func run(_ definition: AnalysisDefinition, store: Store) throws -> AnalysisResult {
        guard let instrument = try store.instrument(id: definition.instrument) else {
            throw Diagnostic(file: definition.file, message: "no responses to instrument '\(definition.instrument)' are stored in \(store.path)")
        }
        try definition.validate(against: instrument)
        switch definition.kind {
        case .outcomeTable, .subgroupComparison, .processAssociations, .outcomeIndex, .distribution:
            // One wave of a cross-sectional survey: read the items the analysis names, once.
            let wave = try resolveWave(definition, store: store)
            var needed = definition.kind == .distribution ? [] : (definition.items ?? instrument.outcomeItems.map(\.id))
            var extra = definition.subgroups.compactMap { subgroup -> String? in
                if case let .item(id, _) = subgroup { return id } else { return nil }
            }
            extra += (definition.processes + definition.covariatePredictors).map(\.item) + [definition.item].compactMap { $0 }
            for id in extra where !needed.contains(id) { needed.append(id) }
            let frame = try store.responses(instrument: definition.instrument, wave: wave, items: needed)
            var resolved = definition
            resolved.wave = wave
            switch definition.kind {
            case .subgroupComparison: return .subgroupComparison(try SubgroupComparison.compute(resolved, frame: frame))
            case .processAssociations: return .processAssociations(try ProcessAssociations.compute(resolved, frame: frame))
            case .outcomeIndex: return .outcomeIndex(try OutcomeIndex.compute(resolved, frame: frame))
            case .distribution: return .distribution(try Distribution.compute(resolved, frame: frame))
            default: return .outcomeTable(try OutcomeTable.compute(resolved, frame: frame))
            }
        case .scaleChange, .pilotVsControl:
            // Both waves must hold responses: otherwise there is no change to measure.
            let waves = try store.waveNames(instrument: definition.instrument)
            for wave in [definition.baselineWave, definition.followupWave].compactMap({ $0 }) where !waves.contains(wave) {
                throw Diagnostic(file: definition.file, message: "wave '\(wave)' has no responses to \(definition.instrument) (stored waves: \(waves.isEmpty ? "none" : waves.joined(separator: ", ")))")
            }
            if definition.kind == .pilotVsControl {
                return .pilotVsControl(try PilotVsControl.compute(definition, frame: try store.responses(instrument: definition.instrument)))
            }
            let scale = instrument.scale(definition.scale ?? "")!
            var needed = scale.items
            for case let .item(id, _) in definition.subgroups where !needed.contains(id) { needed.append(id) }
            let frame = try store.responses(instrument: definition.instrument, items: needed)
            return .scaleChange(try ScaleChange.compute(definition, frame: frame))
        }
    }

    /// The wave to analyse: the one the file names, or the only one stored. Mixing waves would count
    /// a respondent twice, so several waves and none named is an error.
    static func resolveWave(_ definition: AnalysisDefinition, store: Store) throws -> String? {
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
