/// Reads the CSV files provinces keep their staff lists in (RFC 4180 with the variations
/// Excel and LibreOffice produce): UTF-8 with or without a byte-order mark; `,`, `;` or
/// tab as the separator (Excel in a Vietnamese locale writes `;`), detected from the
/// first line; quoted fields with doubled quotes and embedded line breaks; CRLF, LF or
/// CR line ends. Pure and strict: a file it cannot read exactly gets an error naming
/// the line, never a guess.
public enum CSVReader {
    /// One record of the file: its row as a spreadsheet program shows the file (blank
    /// lines count, line breaks inside quotes do not), the line it starts on in a text
    /// editor, and its fields.
    public struct Record: Sendable, Equatable {
        public var row: Int
        public var line: Int
        public var fields: [String]

        public init(row: Int, line: Int, fields: [String]) {
            self.row = row
            self.line = line
            self.fields = fields
        }
    }

    /// Why a file could not be read.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// `invalid_encoding`, `unterminated_quote`, `invalid_quote`.
        public var code: String
        /// The line the problem is on (0 for the whole file).
        public var line: Int
        /// In Vietnamese, for the user.
        public var message: String
        public var description: String { message }
    }

    /// The separators tried, in order of preference when counts tie.
    public static let separators: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")]

    /// Parses `bytes` into records. Blank lines (no character at all) are dropped; a line
    /// of separators only is kept (its fields are empty).
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> (separator: Character, records: [Record]) {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if body.starts(with: [0xFF, 0xFE]) || body.starts(with: [0xFE, 0xFF]) {
            throw ParseError(code: "invalid_encoding", line: 0,
                             message: "Tệp CSV đang ở mã UTF-16 (Unicode text của Excel); hãy lưu lại dạng \"CSV UTF-8 (Comma delimited)\".")
        }
        guard let text = String(validating: body, as: UTF8.self) else {
            throw ParseError(code: "invalid_encoding", line: firstInvalidLine(body),
                             message: "Tệp CSV không phải mã UTF-8 (có thể là TCVN3/VNI hoặc Windows-1258); hãy lưu lại dạng \"CSV UTF-8\".")
        }
        let separator = detectSeparator(Array(body))
        return (Character(Unicode.Scalar(separator)), try records(text, separator: Unicode.Scalar(separator)))
    }

    /// The separator that occurs most often outside quotes on the first line.
    static func detectSeparator(_ bytes: [UInt8]) -> UInt8 {
        var counts: [UInt8: Int] = [:]
        var quoted = false
        for b in bytes {
            if b == UInt8(ascii: "\"") { quoted.toggle(); continue }
            if quoted { continue }
            if b == 0x0A || b == 0x0D { break }
            if separators.contains(b) { counts[b, default: 0] += 1 }
        }
        var best = separators[0], bestCount = 0
        for s in separators where counts[s, default: 0] > bestCount { best = s; bestCount = counts[s, default: 0] }
        return best
    }

    static func records(_ text: String, separator: Unicode.Scalar) throws(ParseError) -> [Record] {
        var out: [Record] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1, recordLine = 1, row = 1
        var inQuotes = false, afterQuote = false, fieldStarted = false, lineHasContent = false
        var previousCR = false

        func endField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            afterQuote = false
            fieldStarted = false
        }
        func endRecord() {
            if lineHasContent || !fields.isEmpty { endField(); out.append(Record(row: row, line: recordLine, fields: fields)) }
            fields = []
            field = String.UnicodeScalarView()
            afterQuote = false
            fieldStarted = false
            lineHasContent = false
        }

        for scalar in text.unicodeScalars {
            let isCR = scalar == "\r", isLF = scalar == "\n"
            defer { previousCR = isCR }
            if inQuotes {
                if scalar == "\"" { inQuotes = false; afterQuote = true; continue }
                if isLF && previousCR { field.append(scalar); continue }    // CRLF counted once
                if isCR || isLF { line += 1 }
                field.append(scalar)
                continue
            }
            if isLF && previousCR { continue }
            if isCR || isLF {
                endRecord()
                line += 1
                row += 1
                recordLine = line
                continue
            }
            lineHasContent = true
            if scalar == separator { endField(); continue }
            if scalar == "\"" {
                if afterQuote { inQuotes = true; afterQuote = false; field.append("\""); continue }   // "" inside quotes
                if !fieldStarted { inQuotes = true; fieldStarted = true; continue }
                // A quote inside an unquoted field (5" disk): kept as typed, as Excel reads it.
                field.append(scalar)
                continue
            }
            if afterQuote {
                throw ParseError(code: "invalid_quote", line: line,
                                 message: "Dòng \(line): sau dấu ngoặc kép đóng một ô phải là dấu phân cách '\(separator)' hoặc xuống dòng.")
            }
            fieldStarted = true
            field.append(scalar)
        }
        if inQuotes {
            throw ParseError(code: "unterminated_quote", line: recordLine,
                             message: "Dòng \(recordLine): dấu ngoặc kép mở một ô nhưng không đóng đến hết tệp.")
        }
        endRecord()
        return out
    }

    /// The line of the first byte that is not valid UTF-8 (for the error message).
    static func firstInvalidLine(_ bytes: ArraySlice<UInt8>) -> Int {
        var line = 1
        var start = bytes.startIndex
        for i in bytes.indices where bytes[i] == 0x0A {
            if String(validating: bytes[start..<i], as: UTF8.self) == nil { return line }
            line += 1
            start = i + 1
        }
        return line
    }
}
