import Foundation

/// `value` with `decimals` places, as C's printf rounds it, and never "-0.00". By C's vsnprintf, not
/// Foundation's String(format:), which costs a microsecond or more a call: the sample generator writes
/// millions of numbers and a national table thousands of cells in each output format.
package func fixedDecimals(_ value: Double, _ decimals: Int) -> String {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 400) { buffer in
        let length = Int(withVaList([Int32(decimals), value]) { vsnprintf(buffer.baseAddress, 400, "%.*f", $0) })
        let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: min(max(length, 0), 399))
        // A negative value that rounds to zero prints as "-0.00": drop the sign.
        if bytes.first == UInt8(ascii: "-"), bytes.dropFirst().allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: ".") }) {
            return String(decoding: bytes.dropFirst(), as: UTF8.self)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
