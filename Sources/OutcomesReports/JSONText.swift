import Foundation
import OutcomesInstruments

/// Writes the report's JSON: objects with sorted keys, two-space indentation, one value per line.
///
/// Foundation's JSONSerialization with `.sortedKeys` sorts with locale-aware string comparison on
/// Linux, which made it a fifth of the time of a million-row outcome table; keys here are ASCII and
/// sorted by code point. Accepts what the layouts build: dictionaries, arrays, strings, integers,
/// doubles (finite), booleans and NSNull.
enum JSONText {
    static func encode(_ value: Any) throws -> String {
        var out = ""
        try write(value, indent: 0, into: &out)
        return out
    }

    static func write(_ value: Any, indent: Int, into out: inout String) throws {
        switch value {
        case let dictionary as [String: Any]:
            guard !dictionary.isEmpty else { out += "{}"; return }
            out += "{\n"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                out += String(repeating: "  ", count: indent + 1)
                appendJSONString(key, to: &out)
                out += " : "
                try write(dictionary[key]!, indent: indent + 1, into: &out)
                out += index == dictionary.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: indent) + "}"
        case let array as [Any]:
            guard !array.isEmpty else { out += "[]"; return }
            out += "[\n"
            for (index, element) in array.enumerated() {
                out += String(repeating: "  ", count: indent + 1)
                try write(element, indent: indent + 1, into: &out)
                out += index == array.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: indent) + "]"
        case let text as String: appendJSONString(text, to: &out)
        case let flag as Bool: out += flag ? "true" : "false"
        case let integer as Int: out += String(integer)
        case let number as Double:
            guard number.isFinite else { throw EncodingError.invalidValue(number, .init(codingPath: [], debugDescription: "JSON has no \(number)")) }
            out += number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : "\(number)"
        case is NSNull: out += "null"
        case let optional as Any? where optional == nil: out += "null"
        default:
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "cannot write \(type(of: value)) as JSON"))
        }
    }
}
