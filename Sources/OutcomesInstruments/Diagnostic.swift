import Foundation

/// One problem found in an input file, located as precisely as the input allows.
///
/// Printed as `file:line:column: message` (or `file:line: message`, or `file: message`), the form
/// editors and CI logs turn into links.
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if line != nil, let column { location += ":\(column)" }
        return "\(location): \(message)"
    }
}

/// Several problems at once: validation reports every problem it finds, not just the first. A file
/// with a million bad rows keeps only the first problems (`diagnostics`) but counts them all (`total`,
/// `rows`), so that memory stays bounded whatever the input.
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    /// Every problem found: more than `diagnostics.count` when only the first were kept.
    public var total: Int
    /// Lines with a problem, kept or not.
    public var rows: Int

    public init(_ diagnostics: [Diagnostic], total: Int? = nil, rows: Int? = nil) {
        self.diagnostics = diagnostics
        self.total = max(total ?? diagnostics.count, diagnostics.count)
        self.rows = rows ?? Set(diagnostics.compactMap(\.line)).count
    }

    /// Problems found but not kept.
    public var omitted: Int { total - diagnostics.count }

    public var description: String {
        let lines = diagnostics.map(\.description)
        guard omitted > 0 else { return lines.joined(separator: "\n") }
        return (lines + ["... and \(omitted) more problem\(omitted == 1 ? "" : "s") (only the first "
                         + "\(diagnostics.count) are listed)"]).joined(separator: "\n")
    }
}

/// The bytes of an input file (an instrument, a site's CSV, a data dictionary). A missing or unreadable
/// file is a diagnostic naming it, in the same words wherever a file is read.
public func readInputFile(_ file: String) throws(DiagnosticList) -> Data {
    guard let data = FileManager.default.contents(atPath: file) else {
        throw DiagnosticList([Diagnostic(file: file, message: FileManager.default.fileExists(atPath: file) ? "cannot read the file" : "no such file")])
    }
    return data
}
