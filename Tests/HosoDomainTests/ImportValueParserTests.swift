import HosoDomain
import Testing

/// Cells as HR officers write them, read into the API's values.
@Suite struct ImportValueParserTests {
    static let catalogues: CatalogueNameIndex = {
        var entries: [CatalogueID: [CatalogueNameIndex.Entry]] = [:]
        for definition in SeedCatalogues.all {
            entries[definition.catalogue] = definition.entries.map { CatalogueNameIndex.Entry(code: $0.code, name: $0.name) }
        }
        return CatalogueNameIndex(entries)
    }()
    let parser = ImportValueParser(catalogues: ImportValueParserTests.catalogues)

    func field(_ name: String) -> FieldSpec { DossierSchema.person.field(name)! }

    func value(_ cell: SheetCell, _ name: String) -> JSONValue? {
        guard case .success(let parsed) = parser.parse(cell, field: field(name)) else { return nil }
        return parsed.values[name]
    }

    func error(_ cell: SheetCell, _ name: String) -> FieldError? {
        guard case .failure(let e) = parser.parse(cell, field: field(name)) else { return nil }
        return e
    }

    @Test func datesAsVietnameseWriteThem() {
        #expect(value(.text("12/04/1985"), "recruitment_date") == "1985-04-12")
        #expect(value(.text("2/4/1985"), "recruitment_date") == "1985-04-02")
        #expect(value(.text("02-04-1985"), "recruitment_date") == "1985-04-02")
        #expect(value(.text("02.04.1985"), "recruitment_date") == "1985-04-02")
        #expect(value(.text("1985-04-02"), "recruitment_date") == "1985-04-02")
        #expect(value(.number(31149, isDate: true), "recruitment_date") == "1985-04-12", "an Excel date cell")
        #expect(error(.text("31/02/1985"), "recruitment_date")?.message.contains("'31/02/1985'") == true)
        #expect(error(.text("12/04/85"), "recruitment_date")?.message.contains("4 chữ số") == true)
        #expect(error(.text("hôm qua"), "recruitment_date")?.code == "invalid_format")
        #expect(error(.text("1985"), "recruitment_date") != nil, "only a birth date may be known to the year")
    }

    @Test func birthDatesKnownToTheYearOrMonthSetTheirPrecision() throws {
        guard case .success(let year) = parser.parse(.text("1975"), field: field("birth_date")) else { Issue.record("refused"); return }
        #expect(year.values == ["birth_date": "1975-01-01", "birth_date_precision": "year"])
        guard case .success(let number) = parser.parse(.number(1975, isDate: false), field: field("birth_date")) else { Issue.record("refused"); return }
        #expect(number.values["birth_date_precision"] == "year")
        guard case .success(let month) = parser.parse(.text("03/1975"), field: field("birth_date")) else { Issue.record("refused"); return }
        #expect(month.values == ["birth_date": "1975-03-01", "birth_date_precision": "month"])
        guard case .success(let day) = parser.parse(.text("15/03/1975"), field: field("birth_date")) else { Issue.record("refused"); return }
        #expect(day.values["birth_date_precision"] == "day")
    }

    @Test func excelDateSerialsInBothDateSystems() {
        #expect(SheetCell.date(excelSerial: 1, date1904: false)?.iso == "1900-01-01")
        #expect(SheetCell.date(excelSerial: 59, date1904: false)?.iso == "1900-02-28")
        #expect(SheetCell.date(excelSerial: 60, date1904: false) == nil, "Lotus's 29 February 1900 does not exist")
        #expect(SheetCell.date(excelSerial: 61, date1904: false)?.iso == "1900-03-01")
        #expect(SheetCell.date(excelSerial: 45000.75, date1904: false)?.iso == "2023-03-15")
        #expect(SheetCell.date(excelSerial: 0, date1904: true)?.iso == "1904-01-01")
        #expect(SheetCell.date(excelSerial: 43538, date1904: true)?.iso == "2023-03-15")
        #expect(SheetCell.date(excelSerial: -1, date1904: false) == nil)
    }

    @Test func numbersWithDecimalCommasAndPoints() {
        #expect(value(.text("2,34"), "salary_coefficient") == .number(2.34))
        #expect(value(.text("2.34"), "salary_coefficient") == .number(2.34))
        #expect(value(.number(4.98, isDate: false), "salary_coefficient") == .number(4.98))
        #expect(value(.text("3"), "salary_step") == .number(3))
        #expect(value(.text("3,0"), "salary_step") == .number(3))
        #expect(error(.text("1.234,5"), "salary_coefficient") != nil)
        #expect(error(.text("ba"), "salary_step")?.message.contains("số nguyên") == true)
        #expect(error(.text("2,5"), "salary_step") != nil)
    }

    @Test func catalogueEntriesByCodeOrByName() throws {
        #expect(value(.text("Nam"), "sex") == "1")
        #expect(value(.text("Nữ"), "sex") == "2")
        #expect(value(.text("NU"), "sex") == "2")
        #expect(value(.text("2"), "sex") == "2")
        #expect(value(.text("kinh"), "ethnicity") == "01")
        #expect(value(.text("Khơ me"), "ethnicity") == "05", "hyphens and spaces do not matter")
        #expect(value(.number(1, isDate: false), "ethnicity") == "01", "a code that lost its leading zero in Excel")
        #expect(value(.text("01.003"), "ngach") == "01.003")
        #expect(value(.number(1.003, isDate: false), "ngach") == "01.003")
        #expect(value(.text("Chuyên viên"), "ngach") == "01.003")
        #expect(value(.text("Đang công tác"), "employment_status") == "dang_cong_tac")
        let unknown = try #require(error(.text("X"), "sex"))
        #expect(unknown.code == "unknown_code")
        #expect(unknown.message.contains("Nam, Nữ"), "a short catalogue is spelled out: \(unknown.message)")
    }

    @Test func yesNoAndChoices() {
        #expect(value(.text("x"), "ethnic_language_cert") == .bool(true))
        #expect(value(.text("Có"), "ethnic_language_cert") == .bool(true))
        #expect(value(.text("không"), "ethnic_language_cert") == .bool(false))
        #expect(value(.bool(true), "rotated_from_district") == .bool(true))
        #expect(error(.text("có lẽ"), "ethnic_language_cert") != nil)
        #expect(value(.text("năm"), "birth_date_precision") == "year")
    }

    @Test func personalIDsAndWhatExcelDoesToThem() throws {
        #expect(value(.text("087085012345"), "personal_id") == "087085012345")
        #expect(value(.text("087 085 012 345"), "personal_id") == "087085012345")
        #expect(value(.text("'087085012345"), "personal_id") == "087085012345", "Excel's text apostrophe")
        guard case .success(let padded) = parser.parse(.number(87085012345, isDate: false), field: field("personal_id")) else {
            Issue.record("refused"); return
        }
        #expect(padded.values["personal_id"] == "087085012345")
        #expect(padded.warnings.first?.contains("số 0") == true)
        #expect(error(.text("87085012345"), "personal_id")?.message.contains("11 chữ số") == true)
        #expect(error(.text("385123456"), "personal_id")?.message.contains("CMND") == true)
        #expect(error(.text("8.7085E+10"), "personal_id")?.message.contains("số mũ") == true)
    }

    @Test func textKeepsItsWordsAndLosesStrayLineBreaksAndFormulaGuards() {
        #expect(value(.text("  Trần Thị\nBình "), "full_name") == "Trần Thị Bình")
        #expect(value(.text("'=Không phải công thức"), "other_names") == "=Không phải công thức")
        #expect(value(.text("dòng 1\ndòng 2"), "history_detention") == "dòng 1\ndòng 2", "long free text keeps its lines")
        #expect(value(.number(912345678, isDate: false), "phone") == "912345678")
        #expect(value(.empty, "full_name") == nil)
        #expect(value(.text("   "), "full_name") == nil)
    }
}
