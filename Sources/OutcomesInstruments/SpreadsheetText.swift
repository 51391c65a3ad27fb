/// Text answers as the interchange CSV writes them, safe to open in a spreadsheet: a cell beginning
/// with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula by Excel or
/// LibreOffice (OWASP's "CSV injection"), so the export puts a `'` before it, which spreadsheets show
/// as nothing. So that the file re-imports to identical data, a text already beginning with `'`s
/// before one of those characters gets one `'` more, and the importer takes one away from any text
/// beginning so: `=1` is written `'=1`, and `'=1` is written `''=1`.
public enum SpreadsheetText {
    static func isTrigger(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "=") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "@")
            || byte == 0x09 || byte == 0x0D
    }

    /// Whether the text, after any leading `'`s, begins with a formula character.
    static func needsMark<C: Collection>(_ utf8: C) -> Bool where C.Element == UInt8 {
        guard let first = utf8.first(where: { $0 != UInt8(ascii: "'") }) else { return false }
        return isTrigger(first)
    }

    /// The text as the export writes it (before CSV quoting).
    public static func neutralised(_ text: String) -> String {
        needsMark(text.utf8) ? "'" + text : text
    }

    /// The text as it was before `neutralised`, for the interchange CSV's importer.
    public static func restored(_ text: String) -> String {
        guard text.utf8.first == UInt8(ascii: "'"), needsMark(text.utf8) else { return text }
        return String(text.dropFirst())
    }
}
