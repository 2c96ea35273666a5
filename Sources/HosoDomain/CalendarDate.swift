import Foundation

/// A calendar date without time zone, as the dossier forms use them.
public struct CalendarDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date if it exists in the Gregorian calendar.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= CalendarDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `yyyy-MM-dd` strictly (zero-padded, real date). Works on the UTF-8 bytes:
    /// every replicated row carries dates, and this runs for each.
    public init?(iso text: String) {
        var text = text
        let parsed: (Int, Int, Int)? = text.withUTF8 { u in
            guard u.count == 10, u[4] == 0x2D, u[7] == 0x2D else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var n = 0
                for i in range {
                    let b = u[i]
                    guard b >= 0x30 && b <= 0x39 else { return nil }
                    n = n * 10 + Int(b - 0x30)
                }
                return n
            }
            guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
            return (y, m, d)
        }
        guard let (y, m, d) = parsed else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Parses the Vietnamese display form `dd/MM/yyyy`.
    public init?(display text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
              parts[2].count == 4, let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Today in Vietnam (UTC+7, no daylight saving).
    public static func today(now: Date = Date()) -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 7 * 3600)!
        let c = calendar.dateComponents([.year, .month, .day], from: now)
        return CalendarDate(year: c.year!, month: c.month!, day: c.day!)!
    }

    /// Days in a month of a year (leap years per the Gregorian rule).
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `yyyy-MM-dd`.
    public var iso: String { FastFormat.padded(year, width: 4) + "-" + FastFormat.padded(month, width: 2) + "-" + FastFormat.padded(day, width: 2) }
    /// `dd/MM/yyyy`, as Vietnamese users write dates.
    public var display: String { FastFormat.padded(day, width: 2) + "/" + FastFormat.padded(month, width: 2) + "/" + FastFormat.padded(year, width: 4) }
    public var description: String { iso }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// Whole years from `self` to `other` (an age).
    public func years(until other: CalendarDate) -> Int {
        var years = other.year - year
        if (other.month, other.day) < (month, day) { years -= 1 }
        return years
    }
}

extension Character {
    /// ASCII 0-9 only (`isNumber` also accepts other scripts' digits).
    var isASCIIDigit: Bool { isASCII && isNumber }
}
