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
    public static func normalised(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
        // ASCII is already NFC; this is every row of most files.
        guard trimmed.utf8.contains(where: { $0 >= 0x80 }) else { return trimmed }
        return trimmed.precomposedStringWithCanonicalMapping
    }

    /// What is wrong with an already normalised value, or nil.
    public func problem(_ value: String) -> String? {
        if value.isEmpty {
            return self == .wave ? "wave is empty (expected e.g. baseline or followup)" : "\(rawValue) is empty"
        }
        let length = value.unicodeScalars.count
        if length > Self.maximumLength {
            return "\(rawValue) '\(value.prefix(20))...' is \(length) characters long (at most \(Self.maximumLength))"
        }
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "\(rawValue) '\(value)' holds a control character (a line break or tab inside the cell?)"
        }
        if self == .wave, !value.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }) {
            return "wave '\(value)' should be letters, digits, '-' or '_'"
        }
        return nil
    }
}
