import OutcomesInstruments
import OutcomesStore

/// One respondent's scale score at two waves, linked by site and respondent id.
public struct LinkedScore: Sendable, Equatable {
    public var site: String
    /// The store's respondent key (unique per site and respondent code).
    public var respondent: Int64
    /// "pilot", "control", or nil where the evaluation has no arms.
    public var arm: String?
    public var baseline: ScaleScore
    public var followup: ScaleScore
    /// Row index of the baseline response in the frame (for subgroup items recorded at baseline).
    public var baselineRow: Int
    public var followupRow: Int
}

/// Who was linked and who was left out, and why: every respondent is accounted for.
public struct LinkingReport: Sendable, Equatable {
    /// Respondents with both waves and a score at both.
    public var linked = 0
    /// Respondents seen only at baseline (lost to follow-up).
    public var baselineOnly = 0
    /// Respondents seen only at follow-up (no baseline to compare with).
    public var followupOnly = 0
    /// Both waves present, but too few items answered at one or both for a score.
    public var unscored = 0
    /// Both waves present, but recorded in different arms: excluded rather than guessed.
    public var armChanged = 0
}

public enum WaveLinking {
    /// Scores every response in `frame` on `scale` and pairs each respondent's baseline with their
    /// follow-up. The store guarantees at most one response per respondent and wave.
    public static func link(frame: ResponseFrame, scale: Scale, baselineWave: String, followupWave: String) throws
        -> (pairs: [LinkedScore], report: LinkingReport) {
        let scorer = try ScaleScorer(scale: scale, instrument: frame.instrument)
        let columns = scale.items.map { frame.column($0) }
        // A wave with no responses matches no row: everyone then counts as seen at one wave only.
        let baselineCode = frame.waves.levels.firstIndex(of: baselineWave).map(Int32.init) ?? -2
        let followupCode = frame.waves.levels.firstIndex(of: followupWave).map(Int32.init) ?? -2

        var baselineRows = RowsByRespondent(keys: frame.respondentKeys), followupRows = RowsByRespondent(keys: frame.respondentKeys)
        var order: [Int64] = []
        order.reserveCapacity(frame.count / 2)
        for row in 0..<frame.count {
            let key = frame.respondentKeys[row]
            if frame.waves.codes[row] == baselineCode {
                if baselineRows[key] == nil, followupRows[key] == nil { order.append(key) }
                baselineRows[key] = row
            } else if frame.waves.codes[row] == followupCode {
                if baselineRows[key] == nil, followupRows[key] == nil { order.append(key) }
                followupRows[key] = row
            }
        }

        var values = Array(repeating: Double?.none, count: scale.items.count)
        func score(_ row: Int) -> ScaleScore {
            for index in columns.indices { values[index] = columns[index]?.number(at: row) }
            return scorer.score(values)
        }
        var pairs: [LinkedScore] = []
        pairs.reserveCapacity(order.count)
        var report = LinkingReport()
        for key in order {
            switch (baselineRows[key], followupRows[key]) {
            case let (b?, f?):
                let armB = frame.arms.codes[b], armF = frame.arms.codes[f]
                guard armB == armF else { report.armChanged += 1; continue }
                let baseline = score(b), followup = score(f)
                guard baseline.score != nil, followup.score != nil else { report.unscored += 1; continue }
                pairs.append(LinkedScore(site: frame.sites.levels[Int(frame.sites.codes[b])], respondent: key,
                                         arm: armB < 0 ? nil : frame.arms.levels[Int(armB)],
                                         baseline: baseline, followup: followup, baselineRow: b, followupRow: f))
                report.linked += 1
            case (_?, nil): report.baselineOnly += 1
            case (nil, _?): report.followupOnly += 1
            case (nil, nil): break
            }
        }
        return (pairs, report)
    }
}

/// Rows by respondent key. Keys are the store's respondent ids, nearly consecutive, so a flat array
/// over their range serves when it is not much longer than the frame: hashing a million keys twice
/// was a fifth of linking waves. Sparse keys (a store holding many other respondents) use a dictionary.
struct RowsByRespondent {
    private let first: Int64
    private var slots: [Int32]
    private var sparse: [Int64: Int]?

    init(keys: [Int64]) {
        let low = keys.min() ?? 0, high = keys.max() ?? -1
        first = low
        if high - low < Int64(max(4 * keys.count, 1024)) {
            slots = [Int32](repeating: -1, count: Int(high - low + 1))
            sparse = nil
        } else {
            slots = []
            sparse = [:]
        }
    }

    subscript(key: Int64) -> Int? {
        get {
            if let sparse { return sparse[key] }
            let slot = slots[Int(key - first)]
            return slot < 0 ? nil : Int(slot)
        }
        set {
            if sparse != nil { sparse![key] = newValue; return }
            slots[Int(key - first)] = newValue.map(Int32.init) ?? -1
        }
    }
}
