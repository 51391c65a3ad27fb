import Testing
import Foundation
@testable import OutcomesInstruments

@Test func shippedParse() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    for name in ["budget-holder", "carer"] {
        do { let i = try InstrumentParser.load(file: root.appendingPathComponent("instruments/\(name).yaml").path); print(i.items.count) }
        catch { print(error); throw error }
    }
}
