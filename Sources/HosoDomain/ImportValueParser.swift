import Foundation

/// Turns one spreadsheet cell into the value the API would receive for a field, the way
/// an HR officer wrote it: dates `dd/MM/yyyy` (or an Excel date), a year alone for a
/// birth date known only to the year, decimal commas (`2,34`), catalogue entries by
/// code or by name, `x`/`có` for yes. What it cannot read gets a Vietnamese message that
/// quotes the cell; the record validator then applies the API's own rules.
public struct ImportValueParser: Sendable {
    /// The value(s) a cell gives: usually its field only; a birth date known to the year
    /// or month also sets `birth_date_precision`.
    public struct Parsed: Sendable, Equatable {
        public var values: JSONObject
        /// Things worth telling the user that do not stop the row (a leading zero restored).
        public var warnings: [String]
    }

    /// The catalogues codes are read from.
    public let catalogues: CatalogueNameIndex
    /// Dates of the workbook count from 1904 (old Mac Excel files).
    let date1904: Bool

    /// Creates a parser over the catalogues usable today.
    public init(catalogues: CatalogueNameIndex, date1904: Bool = false) {
        self.catalogues = catalogues
        self.date1904 = date1904
    }

    /// Parses `cell` for `field`; a blank cell gives no value.
    public func parse(_ cell: SheetCell, field: FieldSpec) -> Result<Parsed, FieldError> {
        func value(_ v: JSONValue, _ warnings: [String] = []) -> Result<Parsed, FieldError> {
            .success(Parsed(values: [field.name: v], warnings: warnings))
        }
        func fail(_ code: String, _ message: String) -> Result<Parsed, FieldError> {
            .failure(FieldError(field: field.name, code: code, message: message))
        }
        if cell.isBlank { return .success(Parsed(values: [:], warnings: [])) }
        let shown = Self.unescaped(cell.displayText.trimmingCharacters(in: .whitespacesAndNewlines))
        switch field.type {
        case .text(let maxLength):
            // Fields that are one line on the 2C form lose the line breaks Excel cells
            // often hold (Alt+Enter); the long free-text items keep theirs.
            if maxLength <= 300 { return value(.string(shown.split(whereSeparator: \.isWhitespace).joined(separator: " "))) }
            return value(.string(shown))
        case .date:
            return parseDate(cell, shown: shown, field: field)
        case .month:
            if case .number(let n, isDate: true) = cell, let d = SheetCell.date(excelSerial: n, date1904: date1904) {
                return value(.string(String(d.iso.prefix(7))))
            }
            let parts = shown.split(whereSeparator: { "/-.".contains($0) })
            if parts.count == 2, let m = Int(parts[0]), let y = Int(parts[1]), parts[1].count == 4, (1...12).contains(m) {
                return value(.string(FastFormat.padded(y, width: 4) + "-" + FastFormat.padded(m, width: 2)))
            }
            return fail("invalid_format", "\(field.label) '\(shown)' không đúng dạng MM/yyyy.")
        case .year, .integer:
            guard let n = Self.number(cell, shown), n.rounded() == n else {
                return fail("invalid_type", "\(field.label) phải là số nguyên: '\(shown)'.")
            }
            return value(.number(n))
        case .decimal:
            guard let n = Self.number(cell, shown) else {
                return fail("invalid_type", "\(field.label) phải là số (dấu thập phân là dấu phẩy hoặc dấu chấm): '\(shown)'.")
            }
            return value(.number(n))
        case .boolean:
            switch VietnameseText.fold(shown) {
            case "x", "co", "yes", "true", "1", "dung": return value(.bool(true))
            case "khong", "no", "false", "0", "sai": return value(.bool(false))
            default:
                if case .bool(let b) = cell { return value(.bool(b)) }
                return fail("invalid_type", "\(field.label) ghi 'x' hoặc 'Có' (có), 'Không' hoặc để trống: '\(shown)'.")
            }
        case .choice(let options):
            let folded = VietnameseText.fold(shown)
            let vietnamese = ["ngay": "day", "thang": "month", "nam": "year"]
            let chosen = options.contains(folded) ? folded : vietnamese[folded]
            guard let chosen, options.contains(chosen) else {
                return fail("invalid_format", "\(field.label) phải là một trong: \(options.joined(separator: ", ")).")
            }
            return value(.string(chosen))
        case .code(let catalogue):
            switch catalogues.resolve(catalogue, shown) {
            case .code(let code): return value(.string(code))
            case .ambiguous(let codes):
                return fail("ambiguous_code", "'\(shown)' ứng với nhiều mã trong danh mục \(field.label) (\(codes.joined(separator: ", "))); hãy ghi mã.")
            case .unknown:
                var message = "'\(shown)' không có trong danh mục \(field.label)"
                if let names = catalogues.suggestions(catalogue) { message += " (ghi một trong: \(names.joined(separator: ", ")))" }
                return fail("unknown_code", message + ".")
            }
        case .personalID:
            return parsePersonalID(cell, shown: shown, field: field)
        }
    }

    func parseDate(_ cell: SheetCell, shown: String, field: FieldSpec) -> Result<Parsed, FieldError> {
        let isBirth = field.name == "birth_date"
        func date(_ d: CalendarDate, precision: String? = nil) -> Result<Parsed, FieldError> {
            var values: JSONObject = [field.name: .string(d.iso)]
            if isBirth { values["birth_date_precision"] = .string(precision ?? "day") }
            return .success(Parsed(values: values, warnings: []))
        }
        func fail(_ message: String) -> Result<Parsed, FieldError> {
            .failure(FieldError(field: field.name, code: "invalid_format", message: message))
        }
        if case .number(let n, let isDate) = cell {
            // A year typed alone is a number too (1975): a birth date known to the year.
            if !isDate, n.rounded() == n, n >= 1900, n <= 2100 {
                if isBirth, let d = CalendarDate(year: Int(n), month: 1, day: 1) { return date(d, precision: "year") }
                return fail("\(field.label) cần đủ ngày, tháng, năm (dd/MM/yyyy): '\(shown)'.")
            }
            if let d = SheetCell.date(excelSerial: n, date1904: date1904) { return date(d) }
            return fail("\(field.label) '\(shown)' không phải ngày (dd/MM/yyyy).")
        }
        let parts = shown.split(whereSeparator: { "/-.".contains($0) }).map(String.init)
        let numeric = parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }
        if numeric && parts.count == 3 {
            if parts[0].count == 4, let d = CalendarDate(iso: shown) { return date(d) }                // yyyy-MM-dd
            if parts[2].count == 4, let dd = Int(parts[0]), let mm = Int(parts[1]), let yy = Int(parts[2]) {
                if let d = CalendarDate(year: yy, month: mm, day: dd) { return date(d) }
                return fail("\(field.label) '\(shown)' không có trên lịch (ngày/tháng/năm).")
            }
            if parts[2].count == 2 {
                return fail("\(field.label) '\(shown)' ghi năm 2 chữ số; hãy ghi đủ 4 chữ số (dd/MM/yyyy).")
            }
        }
        if isBirth && numeric {
            if parts.count == 1, parts[0].count == 4, let y = Int(parts[0]), let d = CalendarDate(year: y, month: 1, day: 1) {
                return date(d, precision: "year")
            }
            if parts.count == 2, parts[1].count == 4, let m = Int(parts[0]), let y = Int(parts[1]), let d = CalendarDate(year: y, month: m, day: 1) {
                return date(d, precision: "month")
            }
        }
        return fail("\(field.label) '\(shown)' không đúng dạng dd/MM/yyyy.")
    }

    func parsePersonalID(_ cell: SheetCell, shown: String, field: FieldSpec) -> Result<Parsed, FieldError> {
        func fail(_ message: String) -> Result<Parsed, FieldError> {
            .failure(FieldError(field: field.name, code: "invalid_format", message: message))
        }
        if case .number(let n, _) = cell {
            // Excel keeps a number typed into a General cell as a number and drops its
            // leading zeros (079… becomes 79…): the 12-digit number is restored, and said.
            guard n.rounded() == n, n >= 0, n < 1e12 else { return fail("\(field.label) '\(shown)' không phải dãy 12 chữ số.") }
            let digits = String(Int64(n))
            guard digits.count >= 10 else { return fail("\(field.label) '\(digits)' quá ngắn: số định danh cá nhân có 12 chữ số.") }
            if digits.count == 12 { return .success(Parsed(values: [field.name: .string(digits)], warnings: [])) }
            let padded = String(repeating: "0", count: 12 - digits.count) + digits
            return .success(Parsed(values: [field.name: .string(padded)],
                                   warnings: ["Ô số định danh là kiểu số nên Excel đã bỏ số 0 ở đầu; đã đọc thành \(padded). Nên định dạng cột là Văn bản (Text)."]))
        }
        let digits = shown.filter { !$0.isWhitespace }
        if digits.count == 9, digits.allSatisfy(\.isASCIIDigit) {
            return fail("\(field.label) '\(digits)' là số CMND 9 số cũ; cần số định danh cá nhân 12 số (số CCCD).")
        }
        if digits.count == 11, digits.allSatisfy(\.isASCIIDigit) {
            return fail("\(field.label) '\(digits)' có 11 chữ số; có thể Excel đã bỏ số 0 ở đầu — hãy định dạng cột là Văn bản và ghi đủ 12 chữ số.")
        }
        if digits.contains("E+") || digits.contains("e+") {
            return fail("\(field.label) '\(shown)' bị Excel đổi sang dạng số mũ; hãy định dạng cột là Văn bản và ghi đủ 12 chữ số.")
        }
        return .success(Parsed(values: [field.name: .string(digits)], warnings: []))
    }

    /// A number cell, or text written with a decimal comma or point.
    static func number(_ cell: SheetCell, _ shown: String) -> Double? {
        if case .number(let n, _) = cell { return n.isFinite ? n : nil }
        var t = shown.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "%", with: "")
        if t.contains(",") {
            if t.contains(".") { return nil }    // 1.234,5: a thousands separator has no place in these fields
            t = t.replacingOccurrences(of: ",", with: ".")
        }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCIIDigit || $0 == "." || $0 == "-" }), let n = Double(t), n.isFinite else { return nil }
        return n
    }

    /// Drops the apostrophe spreadsheets put before a value to keep it text
    /// (`'=…` from hoso's own CSV export, `'0123…` typed in Excel).
    static func unescaped(_ text: String) -> String {
        guard text.hasPrefix("'"), let next = text.dropFirst().first, "=+-@0123456789".contains(next) else { return text }
        return String(text.dropFirst())
    }
}
