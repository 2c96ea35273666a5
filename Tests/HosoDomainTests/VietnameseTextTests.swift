import Foundation
import Testing
@testable import HosoDomain

@Suite struct VietnameseTextTests {
    @Test(arguments: [
        ("Nguyễn Văn Đức", "nguyen van duc"),
        ("  TRẦN   thị  ÁNH ", "tran thi anh"),
        ("Ơ Đu", "o du"),
        ("Phạm Ngọc Thạch", "pham ngoc thach"),
    ])
    func foldRemovesDiacriticsCaseAndExtraSpace(_ input: String, _ expected: String) {
        #expect(VietnameseText.fold(input) == expected)
    }

    @Test func foldIsIndependentOfUnicodeComposition() {
        let composed = "Nguyễn"
        let decomposed = composed.decomposedStringWithCanonicalMapping
        #expect(composed.unicodeScalars.count != decomposed.unicodeScalars.count)
        #expect(VietnameseText.fold(composed) == VietnameseText.fold(decomposed))
        #expect(VietnameseText.sortKey(fullName: composed) == VietnameseText.sortKey(fullName: decomposed))
    }

    @Test func namesSortByGivenNameThenFamilyAndMiddle() {
        let names = ["Trần Văn Bình", "Nguyễn Thị An", "Lê Văn Anh", "Nguyễn Văn An", "Đỗ Ánh", "Bùi Ân", "Vũ Ăn"]
        let sorted = names.sorted(by: VietnameseText.compareNames)
        // Given names a < ă < â and An < Anh < Ánh (tones last); within "An" by family name.
        #expect(sorted == ["Nguyễn Thị An", "Nguyễn Văn An", "Lê Văn Anh", "Đỗ Ánh", "Vũ Ăn", "Bùi Ân", "Trần Văn Bình"])
    }

    @Test func dComesBeforeDStroke() {
        #expect(VietnameseText.compareNames("Lê Dung", "Lê Đào"))
        #expect(VietnameseText.compareNames("Lê Đào", "Lê Em"))
        #expect(!VietnameseText.compareNames("Lê Đào", "Lê Dung"))
    }

    @Test func tonesOnlyBreakTies() {
        // "Hà" and "Ha" share letters; ngang sorts before huyền; "Hai" is a longer word.
        let sorted = ["Lý Hai", "Lý Hà", "Lý Ha"].sorted(by: VietnameseText.compareNames)
        #expect(sorted == ["Lý Ha", "Lý Hà", "Lý Hai"])
    }

    @Test func nameParts() {
        let p = VietnameseText.nameParts("Tôn Nữ Thị Ninh")
        #expect(p.family == "Tôn" && p.middle == ["Nữ", "Thị"] && p.given == "Ninh")
        #expect(VietnameseText.nameParts("Minh").given == "Minh")
    }
}

@Suite struct SeedCatalogueTests {
    @Test func everyCatalogueHasASeedWithUniqueCodes() {
        for id in CatalogueID.allCases {
            let definition = SeedCatalogues.definition(id)
            #expect(!definition.entries.isEmpty, "\(id)")
            #expect(Set(definition.entries.map(\.code)).count == definition.entries.count, "\(id) has duplicate codes")
        }
        #expect(SeedCatalogues.all.count == CatalogueID.allCases.count)
    }

    @Test func fiftyFourEthnicGroups() {
        let groups = SeedCatalogues.definition(.danToc).entries.filter { Int($0.code).map { $0 <= 54 } ?? false }
        #expect(groups.count == 54)
        #expect(groups.first?.name == "Kinh")
    }

    @Test func ngachCarriesItsSalaryScale() throws {
        let chuyenVien = try #require(SeedCatalogues.definition(.ngach).entries.first { $0.code == "01.003" })
        #expect(chuyenVien.attributes["nhom"] == "A1")
        #expect(chuyenVien.attributes["he_so"]?.hasPrefix("2.34;2.67;3.00") == true)
        #expect(chuyenVien.attributes["thoi_gian_nang_bac_thang"] == "36")
        #expect(SalaryScale.groups["B"]?.monthsPerStep == 24)
        #expect(SalaryScale.groups["A1"]?.coefficient(step: 9) == 4.98)
        #expect(SalaryScale.groups["A1"]?.coefficient(step: 10) == nil)
    }
}

@Suite struct CalendarDaysTests {
    @Test func dayNumbersRoundTripAndKnowTheirWeekday() {
        let d = CalendarDate(year: 2026, month: 11, day: 23)!   // a Monday
        #expect(CalendarDate(dayNumber: d.dayNumber) == d)
        #expect(d.weekday == 1)
        #expect(CalendarDate(year: 1970, month: 1, day: 1)!.dayNumber == 0)
        #expect(CalendarDate(year: 2024, month: 2, day: 28)!.adding(days: 1) == CalendarDate(year: 2024, month: 2, day: 29))
        #expect(CalendarDate(year: 2025, month: 12, day: 31)!.adding(days: 1) == CalendarDate(year: 2026, month: 1, day: 1))
        for n in stride(from: -1000, to: 30_000, by: 97) { #expect(CalendarDate(dayNumber: n).dayNumber == n) }
    }

    @Test func workingDaysSkipWeekends() {
        let friday = CalendarDate(year: 2026, month: 11, day: 20)!
        #expect(friday.weekday == 5)
        #expect(friday.workingDays(until: friday.adding(days: 3)) == 1, "Sat, Sun, Mon")
        #expect(friday.workingDays(until: friday.adding(days: 7)) == 5)
        #expect(friday.workingDays(until: friday.adding(days: 21)) == 15)
        #expect(friday.workingDays(until: friday) == 0)
        let rule = Deadline(days: 5, workingDays: true)
        #expect(!rule.isOverdue(from: friday, to: friday.adding(days: 7)))
        #expect(!rule.isOverdue(from: friday, to: friday.adding(days: 9)), "the weekend does not count")
        #expect(rule.isOverdue(from: friday, to: friday.adding(days: 10)))
        #expect(Deadline(days: 15).isOverdue(from: friday, to: friday.adding(days: 16)))
    }
}
