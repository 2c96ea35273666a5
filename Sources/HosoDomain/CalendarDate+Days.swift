/// Day arithmetic for deadlines: the regulations count some in calendar days (15 days
/// to update a dossier) and some in working days (5 working days to send a transferred
/// dossier). Working days are Monday to Friday; public holidays are not modelled, so a
/// working-day deadline is never later than the real one.
extension CalendarDate {
    /// Days since 1970-01-01 (the proleptic Gregorian calendar).
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `dayNumber` days after 1970-01-01.
    public init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)!
    }

    /// This date plus `days` calendar days.
    public func adding(days: Int) -> CalendarDate { CalendarDate(dayNumber: dayNumber + days) }

    /// Monday = 1 ... Sunday = 7.
    public var weekday: Int { ((dayNumber % 7) + 7 + 3) % 7 + 1 }

    /// True from Monday to Friday.
    public var isWorkingDay: Bool { weekday <= 5 }

    /// Calendar days from `self` to `other` (negative if `other` is earlier).
    public func days(until other: CalendarDate) -> Int { other.dayNumber - dayNumber }

    /// Working days after `self` up to and including `other` (0 if `other` is not later).
    public func workingDays(until other: CalendarDate) -> Int {
        guard other > self else { return 0 }
        let total = days(until: other)
        let weeks = total / 7
        var count = weeks * 5
        var day = adding(days: weeks * 7)
        while day < other {
            day = day.adding(days: 1)
            if day.isWorkingDay { count += 1 }
        }
        return count
    }
}

/// A regulation deadline: a number of calendar or working days.
public struct Deadline: Sendable, Equatable, Codable {
    public var days: Int
    public var workingDays: Bool

    public init(days: Int, workingDays: Bool = false) {
        self.days = days
        self.workingDays = workingDays
    }

    /// Days elapsed from `start` to `today` in this deadline's unit.
    public func elapsed(from start: CalendarDate, to today: CalendarDate) -> Int {
        workingDays ? start.workingDays(until: today) : max(0, start.days(until: today))
    }

    /// Whether `today` is past the deadline counted from `start`.
    public func isOverdue(from start: CalendarDate, to today: CalendarDate) -> Bool {
        elapsed(from: start, to: today) > days
    }

    /// Vietnamese label: "15 ngày", "5 ngày làm việc".
    public var label: String { "\(days) ngày" + (workingDays ? " làm việc" : "") }
}
