import Foundation
import OutcomesInstruments
import Yams

/// How an analysis's tables are protected before publication (`disclosure:` in an analysis file, or
/// in `defaults.yaml` beside it for every file of a folder):
///
/// ```yaml
/// disclosure: {policy: nhs_digital, minimum_base: 10}   # the default
/// disclosure: {policy: none}                             # off: every output says "not for publication"
/// ```
///
/// `nhs_digital` is the automatable method NHS Digital has used for sub-national figures since 2018:
/// counts of 1 to 7 are shown as `*`, other counts rounded to the nearest 5, percentages computed from
/// the rounded figures, and statistics of 1 to 7 people not shown. On top of it, a group or site with
/// fewer than `minimum_base` respondents answering is shown as "fewer than N" instead of figures;
/// totals of the whole survey are exempt from that rule (they are still rounded).
public struct Disclosure: Sendable, Equatable {
    public enum Policy: String, Sendable, CaseIterable {
        case nhsDigital = "nhs_digital"
        case none
    }

    public var policy: Policy
    /// Groups with fewer respondents answering than this are not shown (0: no such rule).
    public var minimumBase: Int

    public init(policy: Policy = .nhsDigital, minimumBase: Int = 10) {
        self.policy = policy
        self.minimumBase = minimumBase
    }

    /// Safe by default: NHS Digital's rounding and suppression, and groups of fewer than 10 not shown.
    public static let standard = Disclosure()
    /// No disclosure control: for the evaluation team's own use, never for publication.
    public static let off = Disclosure(policy: .none, minimumBase: 0)

    public var isOn: Bool { policy != .none }

    /// `disclosure:` as written in a file; nil (with the problem reported) when it is unusable.
    static func parse(_ node: Node, reader r: YAMLReader, over base: Disclosure) -> Disclosure? {
        guard let map = r.mapping(node, "disclosure (e.g. {policy: nhs_digital, minimum_base: 10})",
                                  allowed: ["policy", "minimum_base"]) else { return nil }
        var disclosure = base
        if let policyNode = map["policy"], let text = r.string(policyNode, "disclosure policy") {
            guard let policy = Policy(rawValue: text) else {
                r.error(at: policyNode, "disclosure policy should be nhs_digital "
                        + "(counts of 1 to 7 shown as *, others rounded "
                        + "to the nearest 5; the default) or none "
                        + "(no disclosure control: not for publication), found '\(text)'")
                return nil
            }
            disclosure.policy = policy
            if policy == .none, map["minimum_base"] == nil { disclosure.minimumBase = 0 }
        }
        if let baseNode = map["minimum_base"], let value = r.int(baseNode, "minimum_base") {
            guard value >= 0 else {
                r.error(at: baseNode, "minimum_base should be 0 or more "
                        + "(the fewest respondents answering a group may have to be shown)")
                return nil
            }
            if disclosure.policy == .none, value > 0 {
                r.error(at: baseNode, "minimum_base applies with policy nhs_digital; "
                        + "policy none turns disclosure control off")
                return nil
            }
            disclosure.minimumBase = value
        }
        return disclosure
    }

    /// The folder default: `disclosure:` in `defaults.yaml` beside `file`, or the standard rules;
    /// with the problems found in that file.
    static func folderDefault(for file: String) -> (Disclosure, [Diagnostic]) {
        let path = ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(defaultsFileName)
        guard FileManager.default.fileExists(atPath: path) else { return (.standard, []) }
        let reader = YAMLReader(file: path)
        var disclosure = Disclosure.standard
        if let root = reader.parseFile(),
           let top = reader.mapping(root, "the folder's defaults", allowed: ["disclosure"]),
           let node = top["disclosure"], let parsed = parse(node, reader: reader, over: .standard) {
            disclosure = parsed
        }
        return (disclosure, reader.diagnostics)
    }

    /// The name of a folder's defaults file, which is not an analysis itself.
    public static let defaultsFileName = "defaults.yaml"
}
