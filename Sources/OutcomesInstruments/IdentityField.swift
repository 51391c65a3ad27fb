import Foundation

/// The three fields that say whose response a row is: the respondent's id, the site and the wave.
///
/// They are compared as text by the store (SQLite or PostgreSQL), so they are put in one form first:
/// spaces around them dropped and Unicode in NFC, so that `café` typed with a combining accent and
/// with a precomposed `é` is one site, not two. Their length is bounded the same everywhere.
public enum IdentityField: String, Sendable, CaseIterable {
    case respondent = "respondent_id"
    case site
    case wave

    /// At most this many characters (Unicode code points, as PostgreSQL's `char_length` counts them):
    /// room for a UUID with a prefix (KoboToolbox's `uuid:...` instance ids are 41).
    public static let maximumLength = 64

    /// The field's value as stored: trimmed of spaces and tabs, in Unicode NFC.
    ///
    /// Called three times for every imported row, so ASCII (every row of most files) takes a path that
    /// neither bridges to Foundation nor looks up Unicode properties.
    public static func normalised(_ text: String) -> String {
        let utf8 = text.utf8
        let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        var trimmed = text
        if let first = utf8.first, let last = utf8.last, isBlank(first) || isBlank(last) {
            let start = utf8.firstIndex { !isBlank($0) } ?? utf8.endIndex
            let end = utf8.lastIndex { !isBlank($0) }.map { utf8.index(after: $0) } ?? start
            trimmed = start < end ? String(text[start..<end]) : ""
        }
        guard trimmed.utf8.contains(where: { $0 >= 0x80 }) else { return trimmed }
        return trimmed.precomposedStringWithCanonicalMapping
    }

    /// What is wrong with an already normalised value, or nil.
    public func problem(_ value: String) -> String? {
        let utf8 = value.utf8
        if utf8.isEmpty {
            return self == .wave ? "wave is empty (expected e.g. baseline or followup)" : "\(rawValue) is empty"
        }
        let ascii = !utf8.contains { $0 >= 0x80 }
        // A code point is one to four bytes: only a long value needs counting.
        if utf8.count > Self.maximumLength {
            let length = value.unicodeScalars.count
            if length > Self.maximumLength {
                return "\(rawValue) '\(value.prefix(20))...' is \(length) characters long "
                    + "(at most \(Self.maximumLength))"
            }
        }
        let hasControl = ascii ? utf8.contains { $0 < 0x20 || $0 == 0x7F }
            : value.unicodeScalars.contains { $0.properties.generalCategory == .control }
        if hasControl {
            return "\(rawValue) '\(value)' holds a control character (a line break or tab inside the cell?)"
        }
        if self == .wave,
           !value.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }) {
            return "wave '\(value)' should be letters, digits, '-' or '_'"
        }
        return nil
    }
}
