import Foundation
import OutcomesInstruments
import OutcomesStore
import Yams

/// Display names for sites, used in every table and chart instead of the codes the data carry
/// (`sites.yaml` beside the analysis files):
///
/// ```yaml
/// sites:
///   - {code: ashford-vale, name: Ashford Vale Council}
///   - {code: brackenmoor, name: Brackenmoor and District}
/// ```
///
/// A site with no entry keeps its code. Names must differ from each other, or two sites would be
/// reported as one.
public enum SiteNames {
    /// The name of a folder's site names file, which is not an analysis itself.
    public static let fileName = "sites.yaml"

    /// The names in `sites.yaml` beside `file` (none when there is no such file), with its problems.
    static func folderNames(for file: String) -> ([String: String], [Diagnostic]) {
        let path = ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: path) else { return ([:], []) }
        let r = YAMLReader(file: path)
        var names: [String: String] = [:]
        var codeOfName: [String: String] = [:]
        if let root = r.parseFile(), let top = r.mapping(root, "the site names", allowed: ["sites"]),
           let listNode = r.required(top, "sites", in: root, "the site names"),
           let list = r.sequence(listNode, "sites") {
            for node in list {
                guard let map = r.mapping(node, "a site (e.g. {code: ashford-vale, name: Ashford Vale Council})",
                                          allowed: ["code", "name"]),
                      let code = r.required(map, "code", in: node, "a site").flatMap({ r.string($0, "site code") }),
                      let name = r.required(map, "name", in: node, "a site").flatMap({ r.string($0, "site name") })
                else { continue }
                if names[code] != nil { r.error(at: node, "site \(code) is named twice") }
                if let other = codeOfName[name], other != code {
                    r.error(at: node, "sites \(other) and \(code) are both named '\(name)': "
                            + "they would be reported as one")
                }
                names[code] = name
                codeOfName[name] = code
            }
        }
        return (names, r.diagnostics)
    }

    /// Whether a YAML file in an analyses folder is an analysis (not the folder's defaults or site names).
    public static func isAnalysisFile(_ path: String) -> Bool {
        ![Disclosure.defaultsFileName, fileName].contains((path as NSString).lastPathComponent)
    }
}

extension ResponseFrame {
    /// The frame with its sites shown by their display names (codes with no name kept).
    func namingSites(_ names: [String: String]) -> ResponseFrame {
        guard !names.isEmpty else { return self }
        var frame = self
        frame.sites.levels = sites.levels.map { names[$0] ?? $0 }
        return frame
    }
}
