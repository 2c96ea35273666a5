/// Byte-level grammar helpers shared by the parser, the header store and the router.
///
/// Everything here works on raw octets because HTTP/1.1 framing is defined on octets,
/// not on Unicode text (RFC 9112 §2.2: "a recipient MUST parse an HTTP message as a
/// sequence of octets in an encoding that is a superset of US-ASCII").
enum HTTPSyntax {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    /// `tchar` lookup table (RFC 9110 §5.6.2): ALPHA / DIGIT and
    /// "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~".
    private static let tokenTable: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(byte)] = true }
        for char in "!#$%&'*+-.^_`|~".utf8 { table[Int(char)] = true }
        return table
    }()

    /// Whether `byte` may appear in a token (method, field name, transfer coding).
    static func isTokenChar(_ byte: UInt8) -> Bool { tokenTable[Int(byte)] }

    /// Whether `bytes` is a non-empty token.
    static func isToken(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isTokenChar)
    }

    /// Whether `byte` may appear inside a field value: field-vchar, obs-text, SP or HTAB.
    /// CR, LF, NUL and the other controls are refused (RFC 9110 §5.5 lets a recipient
    /// reject a message carrying them; rejecting is the smuggling-safe choice).
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= 0x20 && byte != 0x7F)
    }

    /// Optional whitespace (OWS, RFC 9110 §5.6.3).
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    /// The value of a hexadecimal digit, or nil.
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x41...0x46: return Int(byte - 0x41 + 10)
        case 0x61...0x66: return Int(byte - 0x61 + 10)
        default: return nil
        }
    }

    /// Outcome of parsing an unbounded run of digits.
    enum Number: Equatable {
        case invalid
        case overflow
        case value(Int)
    }

    /// Parses `1*DIGIT` with overflow checking. Every byte is validated even after an
    /// overflow so that "99999999999999999999x" is reported as invalid, not as too large.
    static func parseDecimal(_ bytes: some Collection<UInt8>) -> Number {
        parse(bytes, radix: 10) { $0 >= 0x30 && $0 <= 0x39 ? Int($0 - 0x30) : nil }
    }

    /// Parses `1*HEXDIG` (a chunk size, RFC 9112 §7.1) with overflow checking.
    static func parseHex(_ bytes: some Collection<UInt8>) -> Number {
        parse(bytes, radix: 16, digit: hexValue)
    }

    private static func parse(_ bytes: some Collection<UInt8>, radix: Int, digit: (UInt8) -> Int?) -> Number {
        guard !bytes.isEmpty else { return .invalid }
        var value = 0
        var overflowed = false
        for byte in bytes {
            guard let d = digit(byte) else { return .invalid }
            if overflowed { continue }
            let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
            let (sum, o2) = shifted.addingReportingOverflow(d)
            if o1 || o2 { overflowed = true } else { value = sum }
        }
        return overflowed ? .overflow : .value(value)
    }

    /// ASCII-lowercases `string` (field names and tokens are case-insensitive ASCII).
    static func lowercased(_ string: String) -> String {
        guard string.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return string }
        return String(decoding: string.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// Compares two strings ignoring ASCII case, without allocating.
    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        return zip(x, y).allSatisfy { l, r in
            l == r || (l | 0x20 == r | 0x20 && (l | 0x20) >= 0x61 && (l | 0x20) <= 0x7A)
        }
    }

    /// Trims OWS from both ends of a byte slice.
    static func trimmingWhitespace(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, isWhitespace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isWhitespace(last) { slice = slice.dropLast() }
        return slice
    }

    /// Splits a comma-separated list field value into trimmed, lowercased, non-empty
    /// members (the `#rule` of RFC 9110 §5.6.1).
    static func listMembers(_ value: String) -> [String] {
        value.split(separator: ",").compactMap { member in
            let trimmed = trimmingWhitespace(ArraySlice(member.utf8))
            return trimmed.isEmpty ? nil : lowercased(String(decoding: trimmed, as: UTF8.self))
        }
    }

    /// Percent-decodes `bytes` (RFC 3986 §2.1). Returns nil for a malformed escape.
    /// `plusAsSpace` applies the form-urlencoded rule used for query strings.
    static func percentDecode(_ bytes: some Collection<UInt8>, plusAsSpace: Bool) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue),
                      let low = iterator.next().flatMap(hexValue) else { return nil }
                output.append(UInt8(high << 4 | low))
            case UInt8(ascii: "+") where plusAsSpace:
                output.append(space)
            default:
                output.append(byte)
            }
        }
        return output
    }

    /// Decodes bytes as UTF-8, refusing invalid sequences and NUL.
    static func strictString(_ bytes: [UInt8]) -> String? {
        guard !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
