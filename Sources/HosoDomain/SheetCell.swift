/// One cell of an imported spreadsheet, as its file stored it: CSV knows only text; an
/// XLSX workbook also stores numbers (dates among them, told apart by the cell's number
/// format) and booleans.
public enum SheetCell: Sendable, Hashable {
    case empty
    case text(String)
    /// A number; `isDate` when the cell's format shows it as a date (an Excel date serial).
    case number(Double, isDate: Bool)
    case bool(Bool)

    /// The cell as the user sees it, for messages: numbers without a needless `.0`.
    public var displayText: String {
        switch self {
        case .empty: ""
        case .text(let s): s
        case .bool(let b): b ? "TRUE" : "FALSE"
        case .number(let n, let isDate):
            if isDate, let date = Self.date(excelSerial: n, date1904: false) { date.display }
            else { Self.plain(n) }
        }
    }

    /// True for an empty cell or text of white space only.
    public var isBlank: Bool {
        switch self {
        case .empty: true
        case .text(let s): s.allSatisfy(\.isWhitespace)
        default: false
        }
    }

    /// A number written the plain way: `12`, `2.34` (no exponent for whole numbers up to 15 digits).
    public static func plain(_ n: Double) -> String {
        if n.rounded() == n, abs(n) < 1e15 { return String(Int64(n)) }
        return String(n)
    }

    /// The calendar date of an Excel date serial (the whole part; the fraction is the time).
    ///
    /// In the 1900 date system serial 1 is 1900-01-01 and Excel keeps Lotus 1-2-3's
    /// phantom 1900-02-29 as serial 60, so from 61 on the days count from 1899-12-30
    /// (ECMA-376 Part 1, §18.17.4.1). In the 1904 system serial 0 is 1904-01-01.
    public static func date(excelSerial serial: Double, date1904: Bool) -> CalendarDate? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        let days = Int(serial.rounded(.down))
        if date1904 { return CalendarDate(year: 1904, month: 1, day: 1)?.adding(days: days) }
        if days == 0 || days == 60 { return nil }
        let base = days < 60 ? CalendarDate(year: 1899, month: 12, day: 31)! : CalendarDate(year: 1899, month: 12, day: 30)!
        return base.adding(days: days)
    }
}

/// One row of an imported spreadsheet: its number as the user sees it (the CSV line it
/// starts on, the worksheet's row number) and its cells from column A on.
public struct SheetRow: Sendable, Hashable {
    public var number: Int
    public var cells: [SheetCell]

    public init(number: Int, cells: [SheetCell]) {
        self.number = number
        self.cells = cells
    }

    /// True when every cell is blank.
    public var isBlank: Bool { cells.allSatisfy(\.isBlank) }

    /// The cell of column `index` (0 = A), empty past the row's end.
    public subscript(column index: Int) -> SheetCell { index < cells.count ? cells[index] : .empty }
}
