import Foundation
import Yams

/// Reads a YAML file as a tree of nodes that keep their line numbers, and collects every problem
/// as a `Diagnostic` instead of stopping at the first. Shared by instrument and analysis files.
public final class YAMLReader {
    public let file: String
    public private(set) var diagnostics: [Diagnostic] = []

    public init(file: String) { self.file = file }

    /// Parses the text; a syntax error becomes a diagnostic with the line libyaml reports.
    public func parse(_ text: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                error(at: nil, "the file is empty")
                return nil
            }
            return node
        } catch let yamlError as YamlError {
            switch yamlError {
            case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
                 let .composer(context, problem, mark, _):
                let detail = context.map { "\($0.text) " } ?? ""
                diagnostics.append(Diagnostic(file: file, line: mark.line, column: mark.column,
                                              message: "malformed YAML: \(detail)\(problem)"))
            case let .duplicatedKeysInMapping(duplicates, context):
                for key in duplicates.sorted() {
                    diagnostics.append(Diagnostic(file: file, line: Self.secondLine(ofKey: key, in: text, from: context.mark.line),
                                                  message: "key '\(key)' appears twice"))
                }
            default:
                error(at: nil, "malformed YAML: \(yamlError)")
            }
            return nil
        } catch {
            self.error(at: nil, "malformed YAML: \(error)")
            return nil
        }
    }

    /// libyaml reports a duplicated key against its mapping; point at the repeat instead.
    static func secondLine(ofKey key: String, in text: String, from line: Int) -> Int? {
        var seen = 0
        for (index, content) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where index + 1 >= line - 1 {
            let trimmed = content.drop { $0 == " " || $0 == "-" || $0 == "{" }
            if trimmed.hasPrefix(key + ":") || content.contains(" " + key + ":") || content.contains("{" + key + ":") {
                seen += 1
                if seen == 2 { return index + 1 }
            }
        }
        return nil
    }

    /// Reads and parses a file; a missing or unreadable file becomes a diagnostic.
    public func parseFile() -> Node? {
        let data: Data
        do { data = try readInputFile(file) } catch {
            diagnostics += error.diagnostics
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            error(at: nil, "the file is not UTF-8 text")
            return nil
        }
        return parse(text)
    }

    public func error(at node: Node?, _ message: String) {
        diagnostics.append(Diagnostic(file: file, line: node?.mark?.line, message: message))
    }

    // MARK: Typed access. Each returns nil after recording a diagnostic when the node has the wrong shape.

    /// A mapping's entries, rejecting duplicate and unknown keys (a typo such as `requried:` must not
    /// be silently ignored).
    public func mapping(_ node: Node, _ what: String, allowed: Set<String>? = nil) -> [String: Node]? {
        guard let mapping = node.mapping else {
            error(at: node, "\(what) should be a mapping of keys to values")
            return nil
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                error(at: keyNode, "\(what): keys should be plain words")
                continue
            }
            if result[key] != nil {
                error(at: keyNode, "\(what): key '\(key)' appears twice")
                continue
            }
            if let allowed, !allowed.contains(key) {
                error(at: keyNode, "\(what): unknown key '\(key)' (expected one of: \(allowed.sorted().joined(separator: ", ")))")
                continue
            }
            result[key] = value
        }
        return result
    }

    /// The mapping's entries in file order (for mappings whose keys are ids, such as choice sets).
    public func orderedMapping(_ node: Node, _ what: String) -> [(key: String, keyNode: Node, value: Node)]? {
        guard let mapping = node.mapping else {
            error(at: node, "\(what) should be a mapping")
            return nil
        }
        var seen = Set<String>()
        var result: [(String, Node, Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                error(at: keyNode, "\(what): keys should be plain words")
                continue
            }
            guard seen.insert(key).inserted else {
                error(at: keyNode, "\(what): '\(key)' is defined twice")
                continue
            }
            result.append((key, keyNode, value))
        }
        return result
    }

    public func sequence(_ node: Node, _ what: String) -> [Node]? {
        guard let sequence = node.sequence else {
            error(at: node, "\(what) should be a list")
            return nil
        }
        return Array(sequence)
    }

    public func string(_ node: Node, _ what: String) -> String? {
        guard let scalar = node.scalar else {
            error(at: node, "\(what) should be a single value, not a list or mapping")
            return nil
        }
        return scalar.string
    }

    public func int(_ node: Node, _ what: String) -> Int? {
        guard let text = string(node, what) else { return nil }
        guard let value = Int(text) else {
            error(at: node, "\(what) should be a whole number, found '\(text)'")
            return nil
        }
        return value
    }

    public func double(_ node: Node, _ what: String) -> Double? {
        guard let text = string(node, what) else { return nil }
        guard let value = Double(text), value.isFinite else {
            error(at: node, "\(what) should be a number, found '\(text)'")
            return nil
        }
        return value
    }

    public func bool(_ node: Node, _ what: String) -> Bool? {
        guard let text = string(node, what) else { return nil }
        switch text.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default:
            error(at: node, "\(what) should be true or false, found '\(text)'")
            return nil
        }
    }

    /// A required key: records "missing key" against the parent node when absent.
    public func required(_ map: [String: Node], _ key: String, in parent: Node, _ what: String) -> Node? {
        guard let node = map[key] else {
            error(at: parent, "\(what) is missing '\(key)'")
            return nil
        }
        return node
    }

    /// Identifiers (item, scale, choice-set and domain ids) become SQL column names and CSV headers:
    /// lower-case letters, digits and underscores, starting with a letter.
    public static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// Instrument and analysis ids are file-name-like: lower-case letters, digits, '-' and '_'.
    public static func isSlug(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }
}
