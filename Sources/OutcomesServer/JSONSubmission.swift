import Foundation
import OutcomesInstruments

/// A submission sent as JSON, turned into the CSV interchange format so that it is validated and
/// stored by exactly the path a CSV file takes:
///
/// ```json
/// {"responses": [{"respondent_id": "R1", "wave": "baseline", "arm": "pilot",
///                 "answers": {"outcome_dignity": 1, "comments": "text", "helpers": [1, 3]}}]}
/// ```
/// `site` may be given per response and defaults to the token's site. Problems are reported with
/// JSON paths (`responses[2].answers.outcome_dignity`) instead of CSV lines.
struct JSONSubmission {
    /// The CSV text, and the field name of each CSV column (for mapping problems back).
    var csv: Data
    var columns: [String]

    struct Malformed: Error { var message: String }

    init(json: Data, instrument: Instrument, site: String) throws {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: json) } catch {
            throw Malformed(message: "the body is not valid JSON (\(error.localizedDescription))")
        }
        guard let top = object as? [String: Any], let responses = top["responses"] as? [Any] else {
            throw Malformed(message: "expected {\"responses\": [...]} with one object per response")
        }
        var answerKeys: [String] = []
        var records: [[String: Any]] = []
        for (index, element) in responses.enumerated() {
            guard let record = element as? [String: Any] else { throw Malformed(message: "responses[\(index)] is not an object") }
            for key in record.keys where !["respondent_id", "site", "arm", "wave", "answers"].contains(key) {
                throw Malformed(message: "responses[\(index)].\(key): unknown field (expected respondent_id, site, arm, wave, answers)")
            }
            if let answers = record["answers"], !(answers is [String: Any]) {
                throw Malformed(message: "responses[\(index)].answers is not an object")
            }
            for key in (record["answers"] as? [String: Any] ?? [:]).keys where !answerKeys.contains(key) { answerKeys.append(key) }
            records.append(record)
        }
        // Items in the instrument's order, then any unknown names (the validator reports those).
        let order = instrument.items.map(\.id)
        answerKeys.sort { (order.firstIndex(of: $0) ?? Int.max, $0) < (order.firstIndex(of: $1) ?? Int.max, $1) }
        columns = ["respondent_id", "site", "arm", "wave"] + answerKeys
        var text = columns.map(csvEscape).joined(separator: ",") + "\n"
        for (index, record) in records.enumerated() {
            var fields: [String] = []
            for name in ["respondent_id", "site", "arm", "wave"] {
                if let value = record[name] {
                    fields.append(try Self.cell(value, path: "responses[\(index)].\(name)"))
                } else {
                    fields.append(name == "site" ? site : "")
                }
            }
            let answers = record["answers"] as? [String: Any] ?? [:]
            for key in answerKeys { fields.append(try Self.cell(answers[key], path: "responses[\(index)].answers.\(key)")) }
            text += fields.map(csvEscape).joined(separator: ",") + "\n"
        }
        csv = Data(text.utf8)
    }

    /// A JSON value as a CSV cell: strings as they are, numbers as written, arrays of codes joined by
    /// ';', null or absent as empty.
    static func cell(_ value: Any?, path: String) throws -> String {
        switch value {
        case nil, is NSNull: return ""
        case let text as String: return text
        case let number as NSNumber:
            // JSON's true and false arrive as NSNumbers of type char ("c"); JSON numbers never do.
            guard String(cString: number.objCType) != "c" else { throw Malformed(message: "\(path): true/false is not an answer (use a code)") }
            let double = number.doubleValue
            return double == double.rounded() && abs(double) < 1e15 ? String(Int64(double)) : String(double)
        case let list as [Any]:
            return try list.enumerated().map { try cell($0.element, path: "\(path)[\($0.offset)]") }.joined(separator: ";")
        default: throw Malformed(message: "\(path): expected a string, a number or a list of codes")
        }
    }

    /// Where a problem found in the generated CSV lies in the JSON that was sent.
    func path(line: Int?, column: Int?) -> String {
        let field = column.flatMap { $0 >= 1 && $0 <= columns.count ? columns[$0 - 1] : nil }
        let name = field.map { ["respondent_id", "site", "arm", "wave"].contains($0) ? $0 : "answers.\($0)" }
        guard let line, line >= 2 else { return name ?? "responses" }
        return "responses[\(line - 2)]" + (name.map { "." + $0 } ?? "")
    }
}
