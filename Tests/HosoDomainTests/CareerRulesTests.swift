import HosoDomain
import Testing

/// Retirement and salary-step dates (domain-research §3.3, §3.4), edge cases by hand.
@Suite struct CareerRulesTests {
    func d(_ iso: String) -> CalendarDate { CalendarDate(iso: iso)! }

    @Test func monthArithmeticClampsToMonthEnd() {
        #expect(d("2023-08-31").adding(months: 6) == d("2024-02-29"))
        #expect(d("2022-08-31").adding(months: 6) == d("2023-02-28"))
        #expect(d("2024-02-29").adding(months: 12) == d("2025-02-28"))
        #expect(d("2026-03-31").adding(months: -1) == d("2026-02-28"))
        #expect(d("2026-01-15").adding(months: -13) == d("2024-12-15"))
        #expect(d("2020-01-01").months(until: d("2026-06-30")) == 77)
        #expect(d("2021-06-30").months(until: d("2026-06-29")) == 59)
        #expect(CalendarDate.durationText(months: 77) == "6 năm 5 tháng")
        #expect(CalendarDate.durationText(months: 60) == "5 năm")
    }

    @Test func retirementAgeRisesByYear() {
        #expect(RetirementRule.requiredAgeMonths(female: false, reachedIn: 2020) == 720)
        #expect(RetirementRule.requiredAgeMonths(female: false, reachedIn: 2021) == 723)
        #expect(RetirementRule.requiredAgeMonths(female: false, reachedIn: 2023) == 729)
        #expect(RetirementRule.requiredAgeMonths(female: false, reachedIn: 2028) == 744)
        #expect(RetirementRule.requiredAgeMonths(female: false, reachedIn: 2040) == 744)
        #expect(RetirementRule.requiredAgeMonths(female: true, reachedIn: 2021) == 664)
        #expect(RetirementRule.requiredAgeMonths(female: true, reachedIn: 2023) == 672)
        #expect(RetirementRule.requiredAgeMonths(female: true, reachedIn: 2035) == 720)
        #expect(RetirementRule.requiredAgeMonths(female: true, reachedIn: 2050) == 720)
    }

    @Test func retirementDates() {
        func men(_ birth: String) -> CalendarDate { RetirementRule.retirementDate(birth: d(birth), female: false) }
        func women(_ birth: String) -> CalendarDate { RetirementRule.retirementDate(birth: d(birth), female: true) }
        // 60y3m reached in April 2021: the first of the next month.
        #expect(men("1961-01-15") == d("2021-05-01"))
        // Born October 1961: 60y3m would fall in 2022, whose age is 60y6m (April 2022).
        #expect(men("1961-10-20") == d("2022-05-01"))
        #expect(men("1966-05-31") == d("2028-06-01"))
        // The cap: 62 years from 2028 on.
        #expect(men("1970-12-31") == d("2033-01-01"))
        #expect(women("1966-03-31") == d("2021-08-01"))
        #expect(women("1970-02-28") == d("2027-07-01"))
        // The end of the scale: 60 years from 2035 on.
        #expect(women("1980-08-31") == d("2040-09-01"))
        // Born on a leap day: the month is what counts.
        #expect(men("1964-02-29") == d("2025-06-01"))
        #expect(women("1972-02-29") == d("2030-07-01"))
        // Before 2021: 60 and 55.
        #expect(men("1959-12-31") == d("2020-01-01"))
        #expect(women("1965-12-01") == d("2021-01-01"))
    }

    @Test func unknownBirthDayOrMonth() {
        // Only the year known: 1 January after the year the age is reached.
        #expect(RetirementRule.retirementDate(birth: d("1965-01-01"), precision: .year, female: false) == d("2027-01-01"))
        #expect(RetirementRule.retirementDate(birth: d("1965-07-01"), precision: .year, female: false) == d("2027-01-01"))
        #expect(RetirementRule.retirementDate(birth: d("1970-01-01"), precision: .year, female: true) == d("2028-01-01"))
        // Month known, day not: the day does not matter.
        #expect(RetirementRule.retirementDate(birth: d("1961-10-01"), precision: .month, female: false) == d("2022-05-01"))
    }

    @Test func noticeAndDecisionDates() {
        let retirement = d("2025-06-01")
        #expect(RetirementRule.noticeDue(retirement: retirement) == d("2024-12-01"))
        #expect(RetirementRule.decisionDue(retirement: retirement) == d("2025-03-01"))
    }

    @Test func salaryStepWithStackingExtensions() {
        let since = d("2023-08-31")
        var result = SalaryStepRule.nextDue(step: 3, steps: 9, monthsPerStep: 36, overScalePercent: 0, since: since, extensions: [])
        #expect(result.due == .step(4, date: d("2026-08-31")))
        // A reprimand within the step: +6 months, to the end of February.
        let reprimand = SalaryStepRule.Extension(date: d("2024-01-10"), months: 6, reason: "Khiển trách")
        result = SalaryStepRule.nextDue(step: 3, steps: 9, monthsPerStep: 36, overScalePercent: 0, since: since, extensions: [reprimand])
        #expect(result.due == .step(4, date: d("2027-02-28")))
        // A year rated "not completed" that only falls inside the lengthened period still
        // counts: extensions stack.
        let failed = SalaryStepRule.Extension(date: d("2026-12-31"), months: 6, reason: "Năm 2026: không hoàn thành")
        result = SalaryStepRule.nextDue(step: 3, steps: 9, monthsPerStep: 36, overScalePercent: 0, since: since, extensions: [failed, reprimand])
        #expect(result.due == .step(4, date: d("2027-08-31")))
        #expect(result.applied.count == 2)
        // Without the reprimand that year is outside the period and does not count.
        result = SalaryStepRule.nextDue(step: 3, steps: 9, monthsPerStep: 36, overScalePercent: 0, since: since, extensions: [failed])
        #expect(result.due == .step(4, date: d("2026-08-31")))
        #expect(result.applied.isEmpty)
        // A discipline before the step began does not count.
        let old = SalaryStepRule.Extension(date: d("2023-08-30"), months: 12, reason: "Giáng chức")
        result = SalaryStepRule.nextDue(step: 3, steps: 9, monthsPerStep: 36, overScalePercent: 0, since: since, extensions: [old])
        #expect(result.due == .step(4, date: d("2026-08-31")))
        // 24 months for group B.
        result = SalaryStepRule.nextDue(step: 1, steps: 12, monthsPerStep: 24, overScalePercent: 0, since: d("2024-02-29"), extensions: [])
        #expect(result.due == .step(2, date: d("2026-02-28")))
    }

    @Test func overScaleAllowance() {
        // At the last step: 5 % after one full period, then +1 % every 12 months.
        var result = SalaryStepRule.nextDue(step: 9, steps: 9, monthsPerStep: 36, overScalePercent: 0, since: d("2022-01-01"), extensions: [])
        #expect(result.due == .overScale(percent: 5, date: d("2025-01-01")))
        result = SalaryStepRule.nextDue(step: 9, steps: 9, monthsPerStep: 36, overScalePercent: 5, since: d("2025-01-01"), extensions: [])
        #expect(result.due == .overScale(percent: 6, date: d("2026-01-01")))
        let warning = SalaryStepRule.Extension(date: d("2025-03-01"), months: 6, reason: "Cảnh cáo")
        result = SalaryStepRule.nextDue(step: 9, steps: 9, monthsPerStep: 36, overScalePercent: 5, since: d("2025-01-01"), extensions: [warning])
        #expect(result.due == .overScale(percent: 6, date: d("2026-07-01")))
    }

    @Test func disciplineMonthsByCategory() {
        let reprimand = ["keo_dai_nang_luong_thang": "6", "keo_dai_vien_chuc_thang": "3"]
        #expect(SalaryStepRule.disciplineMonths(attributes: reprimand, staffCategory: "cong_chuc") == 6)
        #expect(SalaryStepRule.disciplineMonths(attributes: reprimand, staffCategory: "vien_chuc") == 3)
        #expect(SalaryStepRule.disciplineMonths(attributes: ["keo_dai_nang_luong_thang": "12"], staffCategory: "vien_chuc") == 12)
        #expect(SalaryStepRule.disciplineMonths(attributes: [:], staffCategory: nil) == 0)
    }
}
