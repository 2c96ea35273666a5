import Foundation

/// Locale-free formatting for hot paths. `String(format:)` and `ISO8601DateFormatter`
/// go through CoreFoundation and ICU on Linux and cost microseconds per call; every
/// write stamps several rows, so these are written out by hand.
public enum FastFormat {
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `value` in decimal, left-padded with zeros to `width` digits.
    public static func padded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Lowercase hex of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for b in bytes {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 3339 UTC with milliseconds: `2026-11-23T08:15:02.123Z`.
    public static func timestamp(_ date: Date = Date()) -> String {
        let total = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var whole = time_t(total.quotientAndRemainder(dividingBy: 1000).quotient - (total < 0 && total % 1000 != 0 ? 1 : 0))
        let millis = Int(total - Int64(whole) * 1000)
        var parts = tm()
        gmtime_r(&whole, &parts)
        return padded(Int(parts.tm_year) + 1900, width: 4) + "-" + padded(Int(parts.tm_mon) + 1, width: 2) + "-"
            + padded(Int(parts.tm_mday), width: 2) + "T" + padded(Int(parts.tm_hour), width: 2) + ":"
            + padded(Int(parts.tm_min), width: 2) + ":" + padded(Int(parts.tm_sec), width: 2) + "."
            + padded(millis, width: 3) + "Z"
    }

    /// Parses what `timestamp` writes (and RFC 3339 UTC without fractions); nil otherwise.
    public static func parseTimestamp(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count >= 20, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x54, u[13] == 0x3A, u[16] == 0x3A, u.last == 0x5A else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range { guard (0x30...0x39).contains(u[i]) else { return nil }; n = n * 10 + Int(u[i] - 0x30) }
            return n
        }
        guard let y = number(0..<4), let mo = number(5..<7), let d = number(8..<10), let h = number(11..<13),
              let mi = number(14..<16), let s = number(17..<19),
              CalendarDate(year: y, month: mo, day: d) != nil, h < 24, mi < 60, s < 61 else { return nil }
        var fraction = 0.0
        if u[19] == 0x2E {
            guard u.count > 21, let f = number(20..<(u.count - 1)) else { return nil }
            fraction = Double(f) / pow(10, Double(u.count - 21))
        } else if u.count != 20 { return nil }
        var parts = tm()
        parts.tm_year = Int32(y - 1900); parts.tm_mon = Int32(mo - 1); parts.tm_mday = Int32(d)
        parts.tm_hour = Int32(h); parts.tm_min = Int32(mi); parts.tm_sec = Int32(s)
        let epoch = timegm(&parts)
        return Date(timeIntervalSince1970: Double(epoch) + fraction)
    }
}
