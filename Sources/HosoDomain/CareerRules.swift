/// Career rules the regulations fix by date arithmetic (domain-research §3.3–3.5):
/// retirement age and dates (Bộ luật Lao động 2019, NĐ 135/2020/NĐ-CP), the periodic
/// salary step and the over-scale allowance with their extensions (TT 08/2013/TT-BNV,
/// TT 03/2021/TT-BNV). Pure functions of dates, so every edge case is a unit test.
extension CalendarDate {
    /// The same day `months` later (or earlier, if negative); a day the target month
    /// lacks becomes its last day (31/08 + 6 months = 28/02 or 29/02).
    public func adding(months: Int) -> CalendarDate {
        let total = year * 12 + (month - 1) + months
        let y = total >= 0 ? total / 12 : (total - 11) / 12
        let m = total - y * 12 + 1
        return CalendarDate(year: y, month: m, day: min(day, CalendarDate.daysIn(month: m, year: y)))!
    }

    /// The first day of the month after this date's month.
    public var firstOfNextMonth: CalendarDate { CalendarDate(year: year, month: month, day: 1)!.adding(months: 1) }

    /// Whole months from `self` to `other` (a duration in post, in grade).
    public func months(until other: CalendarDate) -> Int {
        var months = (other.year - year) * 12 + other.month - month
        if other.day < day { months -= 1 }
        return months
    }

    /// "5 năm 3 tháng" (a duration of whole months).
    public static func durationText(months: Int) -> String {
        guard months > 0 else { return "Dưới 1 tháng" }
        let y = months / 12, m = months % 12
        return [y > 0 ? "\(y) năm" : nil, m > 0 ? "\(m) tháng" : nil].compactMap { $0 }.joined(separator: " ")
    }
}

/// How much of a date of birth is known (the 2C form allows a year only).
public enum BirthPrecision: String, Sendable, Codable {
    case day, month, year
}

/// Retirement age and dates.
public enum RetirementRule {
    /// The retirement age, in months, of someone who reaches it in `year`: 60 years
    /// (men) and 55 years (women) until 2020; from 2021 60y3m rising by 3 months a year
    /// to 62 years (2028) for men, 55y4m rising by 4 months a year to 60 years (2035)
    /// for women.
    public static func requiredAgeMonths(female: Bool, reachedIn year: Int) -> Int {
        if female {
            guard year >= 2021 else { return 55 * 12 }
            return min(60 * 12, 55 * 12 + 4 * (year - 2020))
        }
        guard year >= 2021 else { return 60 * 12 }
        return min(62 * 12, 60 * 12 + 3 * (year - 2020))
    }

    /// The month (its first day) in which the person reaches the retirement age that
    /// applies to them: the age rises each year, so the age that applies is the one of
    /// the year in which it is reached.
    public static func ageReached(birth: CalendarDate, female: Bool) -> CalendarDate {
        let birthMonth = CalendarDate(year: birth.year, month: birth.month, day: 1)!
        var year = birth.year + 50
        while true {
            let reached = birthMonth.adding(months: requiredAgeMonths(female: female, reachedIn: year))
            // The required age grows by less than a year per year, so the first year whose
            // requirement is reached no later than that year is reached in that year.
            if reached.year <= year { return reached }
            year += 1
        }
    }

    /// The retirement date: the first day of the month after the age is reached; when
    /// only the year of birth is known, 1 January of the year after the age is reached
    /// (the birth is then taken as 1 January of that year).
    public static func retirementDate(birth: CalendarDate, precision: BirthPrecision = .day, female: Bool) -> CalendarDate {
        if precision == .year {
            let reached = ageReached(birth: CalendarDate(year: birth.year, month: 1, day: 1)!, female: female)
            return CalendarDate(year: reached.year + 1, month: 1, day: 1)!
        }
        return ageReached(birth: birth, female: female).firstOfNextMonth
    }

    /// The retirement notice is due 6 months before the retirement date.
    public static func noticeDue(retirement: CalendarDate) -> CalendarDate { retirement.adding(months: -6) }
    /// The retirement decision is due 3 months before the retirement date.
    public static func decisionDue(retirement: CalendarDate) -> CalendarDate { retirement.adding(months: -3) }
}

/// The periodic salary step (nâng bậc lương thường xuyên) and the over-scale allowance
/// (phụ cấp thâm niên vượt khung).
public enum SalaryStepRule {
    /// Something that lengthens the time in step: a discipline (12, 6 or 3 months) or a
    /// year rated "không hoàn thành nhiệm vụ" (6 months).
    public struct Extension: Sendable, Hashable {
        /// When it happened (the discipline's effective date; 31 December of a rated year).
        public var date: CalendarDate
        public var months: Int
        /// Vietnamese description for the alert list ("Cảnh cáo (QĐ 12/QĐ-UBND)").
        public var reason: String

        public init(date: CalendarDate, months: Int, reason: String) {
            self.date = date
            self.months = months
            self.reason = reason
        }
    }

    /// What is due next for someone in a salary group.
    public enum Due: Sendable, Hashable {
        /// Step `step` from `date`.
        case step(Int, date: CalendarDate)
        /// Over-scale allowance of `percent` from `date`.
        case overScale(percent: Int, date: CalendarDate)
    }

    /// The next raise: `monthsPerStep` after the current step (or over-scale level) took
    /// effect, lengthened by every extension that falls within the (lengthened) period —
    /// extensions stack. Below the last step the next step is due; at the last step the
    /// over-scale allowance (5 % after one period, then +1 % every 12 months).
    public static func nextDue(step: Int, steps: Int, monthsPerStep: Int, overScalePercent: Int, since effective: CalendarDate,
                               extensions: [Extension]) -> (due: Due, applied: [Extension]) {
        let base = step < steps || overScalePercent == 0 ? monthsPerStep : 12
        var months = base
        var applied: [Extension] = []
        // Each extension applied can bring more into the period: repeat until stable.
        while true {
            let end = effective.adding(months: months)
            let within = extensions.filter { $0.date >= effective && $0.date < end }
            if within.count == applied.count { break }
            applied = within
            months = base + within.reduce(0) { $0 + $1.months }
        }
        let date = effective.adding(months: months)
        if step < steps { return (.step(step + 1, date: date), applied) }
        return (.overScale(percent: overScalePercent == 0 ? 5 : overScalePercent + 1, date: date), applied)
    }

    /// Months by which a discipline of `form` lengthens the step of someone of `staffCategory`:
    /// the catalogue's `keo_dai_nang_luong_thang`, or for viên chức `keo_dai_vien_chuc_thang`
    /// when the catalogue gives one (khiển trách: 3 months for viên chức, 6 for công chức).
    public static func disciplineMonths(attributes: [String: String], staffCategory: String?) -> Int {
        if staffCategory == "vien_chuc", let months = attributes["keo_dai_vien_chuc_thang"].flatMap(Int.init) { return months }
        return attributes["keo_dai_nang_luong_thang"].flatMap(Int.init) ?? 0
    }
}
