import HosoDomain
import Testing

/// Column headers as provinces write them, and the API's keys.
@Suite struct ImportColumnsTests {
    func field(_ header: String) -> String? {
        if case .field(let f)? = ImportColumns.target(ofHeader: header) { return f.name }
        return nil
    }

    @Test(arguments: [
        ("Họ và tên", "full_name"), ("HỌ VÀ TÊN", "full_name"), ("ho va ten", "full_name"), ("Họ và tên (chữ in hoa)", "full_name"),
        ("Họ tên", "full_name"), ("full_name", "full_name"), ("Họ và tên khai sinh", "full_name"),
        ("Ngày sinh", "birth_date"), ("Ngày sinh (dd/mm/yyyy)", "birth_date"), ("3. Ngày sinh", "birth_date"), ("NGAY SINH", "birth_date"),
        ("Ngày, tháng, năm sinh", "birth_date"), ("birth_date", "birth_date"),
        ("Giới tính", "sex"), ("Nam/Nữ", "sex"), ("Số CCCD", "personal_id"), ("so cccd", "personal_id"), ("Số CMND/CCCD", "personal_id"),
        ("Số định danh cá nhân", "personal_id"), ("Số căn cước công dân", "personal_id"),
        ("Mã ngạch", "ngach"), ("Ngạch", "ngach"), ("Mã số ngạch/CDNN", "ngach"), ("Bậc", "salary_step"), ("Bậc lương", "salary_step"),
        ("Hệ số", "salary_coefficient"), ("Hệ số lương", "salary_coefficient"), ("Ngày hưởng", "salary_effective_date"),
        ("Dân tộc", "ethnicity"), ("Tôn giáo", "religion"), ("Trình độ chuyên môn", "qualification"), ("LLCT", "political_theory"),
        ("Chức vụ", "position_title"), ("Chức vụ hiện tại (mã)", "position_code"), ("Phụ cấp thâm niên vượt khung (%)", "over_scale_percent"),
        ("Số điện thoại", "phone"), ("Email", "email"), ("Ngày vào Đảng", "party_join_date"), ("Loại cán bộ", "staff_category"),
    ])
    func headersAreRecognisedIgnoringDiacriticsCaseAndNotes(_ header: String, _ expected: String) {
        #expect(field(header) == expected, "\(header)")
    }

    @Test func unitAndIgnoredColumns() {
        for header in ["Đơn vị", "Mã đơn vị", "ten don vi", "Cơ quan, đơn vị đang làm việc", "unit_code"] {
            #expect(ImportColumns.target(ofHeader: header) == .unit, "\(header)")
        }
        for header in ["STT", "stt", "Ghi chú", "TT"] {
            #expect(ImportColumns.target(ofHeader: header) == .ignored, "\(header)")
        }
        for header in ["Sở thích", "", "   ", "123"] {
            #expect(ImportColumns.target(ofHeader: header) == nil, "\(header)")
        }
    }

    /// Every field of the 2C résumé is reachable by its key and its label on the form,
    /// and no header names two columns (the table is built at first use and would trap).
    @Test func everyPersonFieldByKeyAndLabel() {
        for f in DossierSchema.person.fields {
            #expect(field(f.name) == f.name, "key \(f.name)")
            #expect(field(f.label) == f.name, "label \(f.label)")
        }
        #expect(ImportColumns.targets.count > DossierSchema.person.fields.count * 2)
    }

    @Test func keysFoldDiacriticsCaseAndPunctuation() {
        #expect(ImportColumns.key("Số CMND/CCCD") == "so cmnd cccd")
        #expect(ImportColumns.key("  Đơn vị (*) ") == "don vi")
        #expect(ImportColumns.key("birth_date") == "birth date")
    }
}
