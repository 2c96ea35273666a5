/// Recognises the column headers of the staff lists provinces already keep in Excel
/// ("Họ và tên", "Ngày sinh", "Số CCCD", "Đơn vị", "Mã ngạch", "Bậc", "Hệ số"…), with or
/// without diacritics, in any case, with numbering or notes in parentheses, and the API's
/// field keys (`full_name`, `birth_date`). Every field of the 2C résumé (`DossierSchema.person`)
/// is recognised by its label on the form and its key; the aliases add the shorter names
/// used in practice.
public enum ImportColumns {
    /// What a column holds.
    public enum Target: Sendable, Hashable {
        /// A field of the person (the 2C résumé).
        case field(FieldSpec)
        /// The unit managing the dossier: its code, or its name.
        case unit
        /// A column that is read and deliberately not imported (row numbers, notes).
        case ignored
    }

    /// Other names for fields, as province spreadsheets write them (compared after `key(_:)`).
    public static let aliases: [String: [String]] = [
        "full_name": ["Họ và tên", "Họ tên", "Họ và tên khai sinh", "Tên cán bộ", "Họ và tên cán bộ"],
        "other_names": ["Bí danh", "Tên khác"],
        "birth_date": ["Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Sinh ngày", "Năm sinh"],
        "sex": ["Nam/Nữ", "Nam, nữ", "Phái", "Giới"],
        "personal_id": ["Số CCCD", "CCCD", "Số căn cước", "Số căn cước công dân", "Số định danh", "Mã định danh",
                        "Số CMND/CCCD", "CMND/CCCD", "Số CCCD/CMND", "Số CMND", "CMND", "Số CMND/Căn cước", "Mã số định danh cá nhân"],
        "staff_number": ["Số hiệu", "Số hiệu cán bộ", "Số hiệu CBCC", "Số hiệu CBCCVC", "Mã cán bộ", "Mã CBCC"],
        "birth_place": ["Nơi sinh (xã, tỉnh)"],
        "hometown": ["Quê", "Nguyên quán"],
        "permanent_address": ["Hộ khẩu thường trú", "Nơi đăng ký hộ khẩu thường trú", "Thường trú", "Địa chỉ thường trú"],
        "current_address": ["Chỗ ở hiện nay", "Địa chỉ", "Địa chỉ hiện nay", "Nơi ở"],
        "phone": ["Số điện thoại", "SĐT", "Điện thoại di động", "Di động"],
        "email": ["Email", "E-mail", "Địa chỉ email"],
        "id_issue_date": ["Ngày cấp", "Ngày cấp CMND/CCCD"],
        "id_issue_place": ["Nơi cấp", "Nơi cấp CMND/CCCD"],
        "social_insurance_no": ["Số BHXH", "Mã số BHXH", "Sổ BHXH"],
        "health_insurance_no": ["Số BHYT", "Mã thẻ BHYT"],
        "tax_code": ["MST", "Mã số thuế cá nhân"],
        "staff_category": ["Loại CBCCVC", "Đối tượng", "Phân loại", "Loại"],
        "recruitment_date": ["Ngày vào cơ quan", "Ngày tuyển dụng lần đầu"],
        "recruiting_agency": ["Cơ quan tuyển dụng lần đầu"],
        "quota_entry_date": ["Ngày vào biên chế nhà nước"],
        "position_title": ["Chức vụ", "Chức danh", "Chức vụ hiện nay", "Chức vụ hiện tại", "Chức vụ, chức danh", "Chức vụ hoặc chức danh công tác"],
        "position_code": ["Mã chức vụ"],
        "position_appointed_date": ["Ngày bổ nhiệm chức vụ"],
        "concurrent_positions": ["Kiêm nhiệm"],
        "main_duties": ["Công việc chính", "Công việc được giao"],
        "ngach": ["Ngạch", "Mã ngạch", "Mã số ngạch", "Ngạch công chức", "Ngạch, chức danh nghề nghiệp", "Mã ngạch/CDNN",
                  "Mã số ngạch/CDNN", "Mã CDNN", "Chức danh nghề nghiệp", "Mã số ngạch hiện giữ"],
        "ngach_date": ["Ngày bổ nhiệm ngạch", "Ngày vào ngạch"],
        "salary_step": ["Bậc", "Bậc lương hiện hưởng"],
        "salary_coefficient": ["Hệ số", "Hệ số lương hiện hưởng"],
        "salary_effective_date": ["Ngày hưởng lương", "Ngày hưởng bậc", "Thời điểm hưởng", "Thời gian hưởng"],
        "position_allowance": ["Phụ cấp chức vụ", "PCCV", "Hệ số phụ cấp chức vụ"],
        "over_scale_percent": ["Vượt khung", "% vượt khung", "TNVK", "% TNVK", "Phụ cấp vượt khung"],
        "responsibility_allowance": ["Phụ cấp trách nhiệm"],
        "regional_allowance": ["Phụ cấp khu vực"],
        "next_raise_date": ["Ngày nâng lương lần sau", "Thời hạn nâng lương"],
        "general_education": ["Giáo dục phổ thông", "Trình độ GDPT", "Trình độ văn hóa", "Học vấn", "Trình độ học vấn"],
        "qualification": ["Trình độ chuyên môn", "Trình độ CM", "Trình độ đào tạo", "Học vị"],
        "major": ["Chuyên ngành đào tạo", "Ngành đào tạo"],
        "political_theory": ["LLCT", "Trình độ LLCT", "Trình độ lý luận chính trị", "Chính trị"],
        "state_management": ["QLNN", "Trình độ QLNN", "Trình độ quản lý nhà nước"],
        "foreign_language": ["Trình độ ngoại ngữ"],
        "english_level": ["Tiếng Anh"],
        "it_level": ["Trình độ tin học"],
        "party_join_date": ["Ngày vào Đảng CSVN", "Ngày kết nạp Đảng"],
        "party_official_date": ["Ngày chính thức vào Đảng", "Ngày vào Đảng chính thức", "Ngày Đảng chính thức"],
        "health_status": ["Sức khỏe", "Sức khoẻ", "Tình trạng sức khoẻ"],
        "marital_status": ["Hôn nhân"],
        "employment_status": ["Tình trạng"],
        "ethnic_language_cert": ["Tiếng dân tộc", "Chứng chỉ tiếng dân tộc"],
    ]

    /// Headers of the unit column.
    public static let unitHeaders = ["Đơn vị", "Mã đơn vị", "Tên đơn vị", "Đơn vị công tác", "Cơ quan, đơn vị", "Cơ quan đơn vị",
                                     "Cơ quan, đơn vị đang làm việc", "Cơ quan, đơn vị sử dụng", "Cơ quan, đơn vị sử dụng CBCC",
                                     "unit", "unit_id", "unit_code"]
    /// Headers read and not imported: row numbers and remarks.
    public static let ignoredHeaders = ["STT", "Số TT", "TT", "Số thứ tự", "Ghi chú", "Ghi chú khác"]

    /// The target of every known header key.
    public static let targets: [String: Target] = {
        var map: [String: Target] = [:]
        func add(_ header: String, _ target: Target) {
            let k = key(header)
            if let existing = map[k], existing != target {
                preconditionFailure("import header '\(header)' names two columns")
            }
            map[k] = target
        }
        for field in DossierSchema.person.fields {
            add(field.name, .field(field))
            add(field.label, .field(field))
        }
        for (name, headers) in aliases {
            guard let field = DossierSchema.person.field(name) else { preconditionFailure("alias of unknown field \(name)") }
            for header in headers { add(header, .field(field)) }
        }
        for header in unitHeaders { add(header, .unit) }
        for header in ignoredHeaders { add(header, .ignored) }
        return map
    }()

    /// What a header names, or nil when it is not recognised. Tries the whole header,
    /// then the header without parenthesised notes ("Ngày sinh (dd/mm/yyyy)"), then
    /// without a leading number ("3. Ngày sinh").
    public static func target(ofHeader header: String) -> Target? {
        for candidate in [header, withoutParentheses(header)] {
            let k = key(candidate)
            if k.isEmpty { continue }
            if let t = targets[k] { return t }
            let unnumbered = withoutLeadingNumber(k)
            if let t = targets[unnumbered] { return t }
        }
        return nil
    }

    /// The comparison key of a header: diacritics and case folded (`đ` → `d`), every run
    /// of characters other than letters and digits one space, `_` included.
    public static func key(_ header: String) -> String {
        let folded = VietnameseText.fold(header)
        var out = ""
        var pendingSpace = false
        for ch in folded {
            if ch.isLetter || ch.isNumber {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(ch)
            } else {
                pendingSpace = true
            }
        }
        return out
    }

    static func withoutParentheses(_ text: String) -> String {
        var out = ""
        var depth = 0
        for ch in text {
            if ch == "(" || ch == "[" { depth += 1; continue }
            if ch == ")" || ch == "]" { depth = max(0, depth - 1); continue }
            if depth == 0 { out.append(ch) }
        }
        return out
    }

    static func withoutLeadingNumber(_ key: String) -> String {
        let words = key.split(separator: " ")
        guard let first = words.first, first.allSatisfy(\.isNumber), words.count > 1 else { return key }
        return words.dropFirst().joined(separator: " ")
    }
}
