import Foundation

/// Globally unique, time-ordered identifiers in the UUIDv7 layout (RFC 9562 §5.7).
///
/// Time-ordered keys keep B-tree inserts at the right edge of the index: random UUIDv4
/// keys make batched inserts up to 10x slower on this machine (perf-limits §1).
public enum RecordID {
    /// A new lowercase UUIDv7 string: 48-bit Unix milliseconds, version 7, 74 random bits.
    public static func make(now: Date = Date()) -> String {
        var rng = SystemRandomNumberGenerator()
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8((millis >> (8 * (5 - UInt64(i)))) & 0xFF) }
        // Two 64-bit draws (each a getrandom call) rather than one per byte.
        let high = rng.next(), low = rng.next()
        for i in 6..<8 { bytes[i] = UInt8(truncatingIfNeeded: high >> (8 * UInt64(i - 6))) }
        for i in 8..<16 { bytes[i] = UInt8(truncatingIfNeeded: low >> (8 * UInt64(i - 8))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70   // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80   // RFC 4122 variant
        return FastFormat.hex(bytes[0..<4]) + "-" + FastFormat.hex(bytes[4..<6]) + "-" + FastFormat.hex(bytes[6..<8]) + "-"
            + FastFormat.hex(bytes[8..<10]) + "-" + FastFormat.hex(bytes[10..<16])
    }

    /// True if `text` looks like a UUID (any version): 8-4-4-4-12 lowercase or uppercase hex.
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return parts.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    /// A random token of `byteCount` bytes from the system CSPRNG, hex-encoded.
    public static func token(byteCount: Int = 32) -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        while bytes.count < byteCount {
            let word = rng.next()
            for shift in stride(from: 0, to: 64, by: 8) where bytes.count < byteCount { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return FastFormat.hex(bytes)
    }
}
