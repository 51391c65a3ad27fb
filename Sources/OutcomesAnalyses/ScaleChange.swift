import Foundation
import OutcomesInstruments
import OutcomesStatistics
import OutcomesStore

/// Change in a scale (e.g. activation) for one group of linked respondents.
public struct ScaleChangeGroup: Sendable {
    /// The subgroup variable's label ("Arm", "Main support need"), nil for everyone.
    public var variable: String?
    public var level: String?
    /// Linked respondents in the group (a score at both waves).
    public var n: Int
    /// Level distribution at each wave among the linked respondents: counts per level, in level order.
    public var baselineLevels: [Int]
    public var followupLevels: [Int]
    /// transitions[i][j]: respondents at level i at baseline and level j at follow-up.
    public var transitions: [[Int]]
    /// Shares whose level went up, stayed, went down, with Wilson intervals.
    public var up: ProportionEstimate
    public var same: ProportionEstimate
    public var down: ProportionEstimate
    /// Mean score change (follow-up minus baseline) with its paired t-test and interval.
    public var meanBaseline: Double
    public var meanFollowup: Double
    public var change: PairedTTest?
    public var wilcoxon: WilcoxonSignedRank?
    /// Mean change by baseline level: n, mean, interval (nil where n < 2).
    public var changeByBaselineLevel: [MeanEstimate?]
    public var stuartMaxwell: StuartMaxwellTest?
    /// Why a test could not be computed (too few respondents, no variation), for the table's notes.
    public var notes: [String]
}

public struct ScaleChangeResult: Sendable {
    public var definition: AnalysisDefinition
    public var instrumentID: String
    public var instrumentVersion: String
    public var instrumentTitle: String
    public var scale: Scale
    public var linking: LinkingReport
    public var sites: [String]
    /// Responses and sites in each wave read (what the analysis started from).
    public var waves: [(wave: String, responses: Int, sites: [String])] = []
    public var groups: [ScaleChangeGroup]

    public var overall: ScaleChangeGroup { groups[0] }
}

public enum ScaleChange {
    /// Links baseline and follow-up, then computes every figure overall, by arm and by each subgroup.
    public static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> ScaleChangeResult {
        let instrument = frame.instrument
        try definition.validate(against: instrument)
        let settings = definition.settings(as: ScaleChangeSettings.self)
        let baselineWave = settings.baselineWave, followupWave = settings.followupWave
        guard let scale = instrument.scale(settings.scale) else {
            throw Diagnostic(file: definition.file, message: "a scale_change analysis needs scale, baseline_wave and followup_wave")
        }
        let (pairs, report) = try WaveLinking.link(frame: frame, scale: scale, baselineWave: baselineWave, followupWave: followupWave)

        // Groups: everyone, then each arm present, then each subgroup level (characteristics as at baseline).
        var groups: [ScaleChangeGroup] = [try group(nil, nil, pairs, scale: scale, confidence: definition.confidence)]
        let arms: [String] = ["pilot", "control"].filter { arm in pairs.contains { $0.arm == arm } }
        if !arms.isEmpty {
            for arm in arms {
                groups.append(try group("Arm", arm.capitalized, pairs.filter { $0.arm == arm }, scale: scale, confidence: definition.confidence))
            }
        }
        for subgroup in definition.subgroups {
            switch subgroup {
            case let .item(id, label, bands):
                let item = instrument.item(id)!
                let levels = ItemLevels(item: item, bands: bands, frame: frame)
                let variable = label ?? humanized(id)
                for (index, levelLabel) in levels.labels.enumerated() {
                    // Recorded at baseline; if left blank then, the follow-up answer stands in.
                    let members = pairs.filter {
                        (levels.rows[$0.baselineRow] ?? levels.rows[$0.followupRow]) == Int32(index)
                    }
                    groups.append(try group(variable, levelLabel, members, scale: scale,
                                            confidence: definition.confidence))
                }
                let notStated = pairs.filter {
                    levels.rows[$0.baselineRow] == nil && levels.rows[$0.followupRow] == nil
                }
                if !notStated.isEmpty {
                    groups.append(try group(variable, "Not stated", notStated, scale: scale, confidence: definition.confidence))
                }
            case let .field(field, label):
                // Arms are always reported; a wave split makes no sense when comparing two waves.
                if field == .wave {
                    throw Diagnostic(file: definition.file, message: "a scale_change analysis cannot be split by wave (it compares two waves)")
                }
                guard field == .site else { continue }
                for site in Set(pairs.map(\.site)).sorted() {
                    groups.append(try group(label ?? "Site", site, pairs.filter { $0.site == site }, scale: scale,
                                            confidence: definition.confidence))
                }
            }
        }
        var result = ScaleChangeResult(definition: definition, instrumentID: instrument.id, instrumentVersion: instrument.version,
                                       instrumentTitle: instrument.title, scale: scale, linking: report,
                                       sites: frame.sites.presentLevels(),
                                       groups: groups)
        result.waves = frame.waveCounts.filter { [baselineWave, followupWave].contains($0.wave) }
        return result
    }

    static func group(_ variable: String?, _ level: String?, _ pairs: [LinkedScore], scale: Scale, confidence: Double) throws -> ScaleChangeGroup {
        let levels = scale.levels.map(\.level)
        let position = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
        var transitions = Array(repeating: Array(repeating: 0, count: levels.count), count: levels.count)
        var up = 0, same = 0, down = 0
        var baseline: [Double] = [], followup: [Double] = []
        var changesByLevel = Array(repeating: [Double](), count: levels.count)
        baseline.reserveCapacity(pairs.count)
        followup.reserveCapacity(pairs.count)
        for pair in pairs {
            let b = pair.baseline.score!, f = pair.followup.score!
            baseline.append(b)
            followup.append(f)
            guard let i = pair.baseline.level.flatMap({ position[$0] }), let j = pair.followup.level.flatMap({ position[$0] }) else { continue }
            transitions[i][j] += 1
            if j > i { up += 1 } else if j == i { same += 1 } else { down += 1 }
            changesByLevel[i].append(f - b)
        }
        let n = pairs.count
        var notes: [String] = []
        func attempt<T>(_ what: String, _ body: () throws -> T) -> T? {
            do { return try body() } catch {
                notes.append("\(what): not computed (\(error))")
                return nil
            }
        }
        let change = attempt("Paired t-test") { try Paired.tTest(before: baseline, after: followup, confidence: confidence) }
        let wilcoxon = attempt("Wilcoxon signed-rank test") { try Paired.wilcoxonSignedRank(before: baseline, after: followup) }
        let stuartMaxwell = attempt("Stuart-Maxwell test") { try Contingency.stuartMaxwell(transitions) }
        let byLevel = changesByLevel.map { changes in
            changes.count < 2 ? nil : attempt("Mean change by level") { try Descriptives.mean(changes, confidence: confidence) }
        }
        return ScaleChangeGroup(
            variable: variable, level: level, n: n,
            baselineLevels: transitions.map { $0.reduce(0, +) },
            followupLevels: levels.indices.map { j in transitions.reduce(0) { $0 + $1[j] } },
            transitions: transitions,
            up: try Proportions.wilson(count: up, n: n, confidence: confidence),
            same: try Proportions.wilson(count: same, n: n, confidence: confidence),
            down: try Proportions.wilson(count: down, n: n, confidence: confidence),
            meanBaseline: n > 0 ? baseline.reduce(0, +) / Double(n) : .nan,
            meanFollowup: n > 0 ? followup.reduce(0, +) / Double(n) : .nan,
            change: change, wilcoxon: wilcoxon, changeByBaselineLevel: byLevel, stuartMaxwell: stuartMaxwell, notes: notes)
    }
}

extension ScaleChange: AnalysisKind {
    typealias Settings = ScaleChangeSettings
    static let name = "scale_change"

    static func request(for definition: AnalysisDefinition, instrument: Instrument,
                        store: any ResponseSource) throws -> FrameRequest {
        let settings = definition.settings(as: Settings.self)
        var needed = instrument.scale(settings.scale)!.items
        for case let .item(id, _, _) in definition.subgroups where !needed.contains(id) { needed.append(id) }
        return try .linkedWaves(definition, store: store, baseline: settings.baselineWave,
                                followup: settings.followupWave, items: needed)
    }
}

extension AnalysisDefinition.Kind {
    public static let scaleChange = AnalysisDefinition.Kind(ScaleChange.self)
}

extension ScaleChangeResult: AnalysisResult {
    /// The keys of the analysis's kind.
    public var settings: ScaleChangeSettings { definition.settings(as: ScaleChangeSettings.self) }
}
