/// The dossier (hồ sơ) as the regulations define it: the 2C-BNV/2008 résumé fields on
/// the person, and the history tables of items 27, 28, 30, 31 and the reward,
/// discipline and evaluation records (domain-research §1.1, §1.5, §8).
public enum DossierSchema {
    /// The person: the dossier's root row.
    public static let person = RecordKind(
        name: "person", pathSegment: nil, label: "Sơ yếu lý lịch", formItem: "1-26",
        fields: [
            FieldSpec("personal_id", "Số định danh cá nhân", .personalID),
            FieldSpec("staff_number", "Số hiệu cán bộ, công chức", .text(maxLength: 30)),
            FieldSpec("full_name", "Họ và tên khai sinh", .text(maxLength: 100), required: true),
            FieldSpec("other_names", "Tên gọi khác", .text(maxLength: 200)),
            FieldSpec("birth_date", "Ngày sinh", .date, required: true),
            FieldSpec("birth_date_precision", "Độ chính xác ngày sinh", .choice(["day", "month", "year"])),
            FieldSpec("sex", "Giới tính", .code(.gioiTinh), required: true),
            FieldSpec("birth_place", "Nơi sinh", .text(maxLength: 300)),
            FieldSpec("hometown", "Quê quán", .text(maxLength: 300)),
            FieldSpec("ethnicity", "Dân tộc", .code(.danToc)),
            FieldSpec("religion", "Tôn giáo", .code(.tonGiao)),
            FieldSpec("nationality", "Quốc tịch", .code(.quocTich)),
            FieldSpec("permanent_address", "Nơi đăng ký thường trú", .text(maxLength: 300)),
            FieldSpec("current_address", "Nơi ở hiện nay", .text(maxLength: 300)),
            FieldSpec("phone", "Điện thoại", .text(maxLength: 20)),
            FieldSpec("email", "Thư điện tử", .text(maxLength: 100)),
            FieldSpec("id_issue_date", "Ngày cấp CCCD", .date),
            FieldSpec("id_issue_place", "Nơi cấp CCCD", .text(maxLength: 200)),
            FieldSpec("social_insurance_no", "Số sổ BHXH", .text(maxLength: 20)),
            FieldSpec("health_insurance_no", "Số thẻ BHYT", .text(maxLength: 20)),
            FieldSpec("tax_code", "Mã số thuế", .text(maxLength: 20)),
            FieldSpec("marital_status", "Tình trạng hôn nhân", .code(.tinhTrangHonNhan)),
            FieldSpec("staff_category", "Loại cán bộ", .code(.loaiCanBo)),
            FieldSpec("occupation_before_recruitment", "Nghề nghiệp khi được tuyển dụng", .text(maxLength: 200)),
            FieldSpec("recruitment_date", "Ngày tuyển dụng", .date),
            FieldSpec("recruiting_agency", "Cơ quan tuyển dụng", .text(maxLength: 200)),
            FieldSpec("service_start_date", "Ngày bắt đầu công tác", .date),
            FieldSpec("quota_entry_date", "Ngày vào biên chế", .date),
            FieldSpec("revolution_join_date", "Ngày tham gia cách mạng", .date),
            FieldSpec("position_code", "Chức vụ hiện tại (mã)", .code(.chucVu)),
            FieldSpec("position_title", "Chức vụ (chức danh) hiện tại", .text(maxLength: 200)),
            FieldSpec("position_appointed_date", "Ngày bổ nhiệm", .date),
            FieldSpec("concurrent_positions", "Chức vụ kiêm nhiệm", .text(maxLength: 300)),
            FieldSpec("main_duties", "Công việc chính được giao", .text(maxLength: 500)),
            FieldSpec("ngach", "Ngạch công chức (viên chức)", .code(.ngach)),
            FieldSpec("ngach_date", "Ngày bổ nhiệm vào ngạch", .date),
            FieldSpec("salary_step", "Bậc lương", .integer(min: 1, max: 20)),
            FieldSpec("salary_coefficient", "Hệ số lương", .decimal(min: 0, max: 15)),
            FieldSpec("salary_effective_date", "Ngày hưởng", .date),
            FieldSpec("position_allowance", "Phụ cấp chức vụ (hệ số)", .decimal(min: 0, max: 3)),
            FieldSpec("over_scale_percent", "Phụ cấp thâm niên vượt khung (%)", .integer(min: 0, max: 100)),
            FieldSpec("responsibility_allowance", "Phụ cấp trách nhiệm (hệ số)", .decimal(min: 0, max: 3)),
            FieldSpec("regional_allowance", "Phụ cấp khu vực (hệ số)", .decimal(min: 0, max: 3)),
            FieldSpec("percent_allowances", "Phụ cấp khác theo % lương (ưu đãi, thâm niên nghề...)", .integer(min: 0, max: 300)),
            FieldSpec("other_allowances", "Phụ cấp khác", .text(maxLength: 300)),
            FieldSpec("next_raise_date", "Ngày nâng lương kế tiếp", .date),
            FieldSpec("general_education", "Trình độ giáo dục phổ thông", .code(.giaoDucPhoThong)),
            FieldSpec("qualification", "Trình độ chuyên môn cao nhất", .code(.trinhDoChuyenMon)),
            FieldSpec("major", "Chuyên ngành", .text(maxLength: 200)),
            FieldSpec("academic_title", "Học hàm", .code(.hocHam)),
            FieldSpec("academic_title_year", "Năm phong học hàm", .year),
            FieldSpec("political_theory", "Lý luận chính trị", .code(.lyLuanChinhTri)),
            FieldSpec("state_management", "Quản lý nhà nước", .code(.quanLyNhaNuoc)),
            FieldSpec("foreign_language", "Ngoại ngữ", .text(maxLength: 200)),
            FieldSpec("english_level", "Trình độ tiếng Anh", .code(.trinhDoNgoaiNgu)),
            FieldSpec("other_language_level", "Trình độ ngoại ngữ khác", .code(.trinhDoNgoaiNgu)),
            FieldSpec("ethnic_language_cert", "Có chứng chỉ tiếng dân tộc", .boolean),
            FieldSpec("it_level", "Tin học", .code(.tinHoc)),
            FieldSpec("party_join_date", "Ngày vào Đảng", .date),
            FieldSpec("party_official_date", "Ngày chính thức", .date),
            FieldSpec("mass_organisations", "Tham gia tổ chức chính trị - xã hội", .text(maxLength: 300)),
            FieldSpec("enlistment_date", "Ngày nhập ngũ", .date),
            FieldSpec("discharge_date", "Ngày xuất ngũ", .date),
            FieldSpec("military_rank", "Quân hàm cao nhất", .code(.quanHam)),
            FieldSpec("honorary_title", "Danh hiệu được phong tặng cao nhất", .text(maxLength: 200)),
            FieldSpec("work_strengths", "Sở trường công tác", .text(maxLength: 300)),
            FieldSpec("health_status", "Tình trạng sức khỏe", .text(maxLength: 100)),
            FieldSpec("height_cm", "Chiều cao (cm)", .integer(min: 50, max: 250)),
            FieldSpec("weight_kg", "Cân nặng (kg)", .integer(min: 20, max: 300)),
            FieldSpec("blood_group", "Nhóm máu", .code(.nhomMau)),
            FieldSpec("war_invalid_class", "Thương binh hạng", .text(maxLength: 20)),
            FieldSpec("policy_family", "Con gia đình chính sách", .code(.doiTuongChinhSach)),
            FieldSpec("history_detention", "Bị bắt, bị tù; làm việc trong chế độ cũ", .text(maxLength: 4000)),
            FieldSpec("history_foreign_organisations", "Quan hệ với tổ chức nước ngoài", .text(maxLength: 4000)),
            FieldSpec("history_relatives_abroad", "Thân nhân ở nước ngoài", .text(maxLength: 4000)),
            FieldSpec("family_economy", "Hoàn cảnh kinh tế gia đình", .text(maxLength: 4000)),
            FieldSpec("employment_status", "Tình trạng công tác", .code(.tinhTrangCongTac)),
            FieldSpec("rotated_from_district", "Công chức luân chuyển từ cấp huyện (về cấp xã)", .boolean),
            FieldSpec("assessment", "Nhận xét, đánh giá của cơ quan quản lý", .text(maxLength: 4000)),
        ])

    /// Item 30: family relations (own side and spouse's side).
    public static let family = RecordKind(
        name: "family_member", pathSegment: "family", label: "Quan hệ gia đình", formItem: "30",
        fields: [
            FieldSpec("side", "Về bản thân / bên vợ (chồng)", .choice(["ban_than", "vo_chong"]), required: true),
            FieldSpec("relation", "Quan hệ", .code(.quanHeGiaDinh), required: true),
            FieldSpec("full_name", "Họ và tên", .text(maxLength: 100), required: true),
            FieldSpec("birth_year", "Năm sinh", .year),
            FieldSpec("hometown", "Quê quán", .text(maxLength: 300)),
            FieldSpec("occupation", "Nghề nghiệp, chức danh, chức vụ, đơn vị công tác", .text(maxLength: 500)),
            FieldSpec("residence", "Nơi ở", .text(maxLength: 300)),
            FieldSpec("abroad", "Ở nước ngoài", .boolean),
            FieldSpec("organisations", "Thành viên tổ chức chính trị - xã hội", .text(maxLength: 300)),
            FieldSpec("dependant", "Người phụ thuộc", .boolean),
        ])

    /// Item 27: training (đào tạo, bồi dưỡng).
    public static let training = RecordKind(
        name: "training", pathSegment: "training", label: "Đào tạo, bồi dưỡng", formItem: "27",
        fields: [
            FieldSpec("institution", "Tên trường / cơ sở đào tạo", .text(maxLength: 300), required: true),
            FieldSpec("major", "Chuyên ngành đào tạo, bồi dưỡng", .text(maxLength: 300)),
            FieldSpec("from_month", "Từ tháng/năm", .month, required: true),
            FieldSpec("to_month", "Đến tháng/năm", .month),
            FieldSpec("form", "Hình thức đào tạo", .code(.hinhThucDaoTao)),
            FieldSpec("level", "Trình độ", .code(.trinhDoChuyenMon)),
            FieldSpec("certificate", "Văn bằng, chứng chỉ", .text(maxLength: 200)),
            FieldSpec("country", "Quốc gia", .code(.quocTich)),
            FieldSpec("graduated", "Đã tốt nghiệp", .boolean),
            FieldSpec("classification", "Xếp loại tốt nghiệp", .code(.xepLoaiTotNghiep)),
            FieldSpec("decision_no", "Số quyết định cử đi học", .text(maxLength: 50)),
        ])

    /// Item 28: work history (quá trình công tác), including internal moves by decision.
    public static let workHistory = RecordKind(
        name: "work_history", pathSegment: "work-history", label: "Tóm tắt quá trình công tác", formItem: "28",
        fields: [
            FieldSpec("from_month", "Từ tháng/năm", .month, required: true),
            FieldSpec("to_month", "Đến tháng/năm", .month),
            FieldSpec("description", "Chức danh, chức vụ, đơn vị công tác", .text(maxLength: 500), required: true),
            FieldSpec("event_type", "Loại biến động", .code(.loaiBienDong)),
            FieldSpec("decision_no", "Số quyết định", .text(maxLength: 50)),
            FieldSpec("decision_date", "Ngày ký", .date),
            FieldSpec("effective_date", "Ngày hiệu lực", .date),
            FieldSpec("signer", "Người ký", .text(maxLength: 100)),
        ])

    /// Item 31: salary history (diễn biến quá trình lương).
    public static let salary = RecordKind(
        name: "salary_history", pathSegment: "salary", label: "Diễn biến quá trình lương", formItem: "31",
        fields: [
            FieldSpec("effective_date", "Ngày hưởng", .date, required: true),
            FieldSpec("ngach", "Mã ngạch", .code(.ngach), required: true),
            FieldSpec("step", "Bậc", .integer(min: 1, max: 20), required: true),
            FieldSpec("coefficient", "Hệ số lương", .decimal(min: 0, max: 15), required: true),
            FieldSpec("percent_paid", "% hưởng", .integer(min: 0, max: 100)),
            FieldSpec("position_allowance", "Phụ cấp chức vụ (hệ số)", .decimal(min: 0, max: 3)),
            FieldSpec("over_scale_percent", "% vượt khung", .integer(min: 0, max: 100)),
            FieldSpec("decision_no", "Số quyết định", .text(maxLength: 50)),
            FieldSpec("decision_date", "Ngày ký", .date),
            FieldSpec("next_raise_date", "Ngày nâng lương kế tiếp", .date),
        ])

    /// Rewards (khen thưởng).
    public static let reward = RecordKind(
        name: "reward", pathSegment: "rewards", label: "Khen thưởng", formItem: "21",
        fields: [
            FieldSpec("decision_no", "Số quyết định", .text(maxLength: 50)),
            FieldSpec("decision_date", "Ngày quyết định", .date, required: true),
            FieldSpec("level", "Cấp khen", .code(.capKhenThuong)),
            FieldSpec("form", "Hình thức khen thưởng", .code(.khenThuong)),
            FieldSpec("title", "Danh hiệu thi đua", .code(.danhHieuThiDua)),
            FieldSpec("reason", "Lý do", .text(maxLength: 500)),
            FieldSpec("amount", "Số tiền (đồng)", .integer(min: 0, max: 1_000_000_000)),
            FieldSpec("issuing_body", "Cơ quan ban hành", .text(maxLength: 200)),
        ])

    /// Discipline (kỷ luật), with its expiry.
    public static let discipline = RecordKind(
        name: "discipline", pathSegment: "discipline", label: "Kỷ luật", formItem: "22",
        fields: [
            FieldSpec("decision_no", "Số quyết định", .text(maxLength: 50)),
            FieldSpec("decision_date", "Ngày quyết định", .date, required: true),
            FieldSpec("form", "Hình thức kỷ luật", .code(.kyLuat), required: true),
            FieldSpec("reason", "Lý do", .text(maxLength: 500)),
            FieldSpec("effective_date", "Ngày hiệu lực", .date),
            FieldSpec("expiry_date", "Ngày hết hiệu lực", .date),
            FieldSpec("issuing_body", "Cơ quan ban hành", .text(maxLength: 200)),
        ])

    /// Annual evaluation (đánh giá, xếp loại).
    public static let evaluation = RecordKind(
        name: "evaluation", pathSegment: "evaluations", label: "Đánh giá, xếp loại", formItem: nil,
        fields: [
            FieldSpec("year", "Năm", .year, required: true),
            FieldSpec("result", "Kết quả xếp loại", .code(.danhGia), required: true),
            FieldSpec("note", "Ghi chú", .text(maxLength: 500)),
        ])

    /// Every history table, in 2C order.
    public static let subRecordKinds: [RecordKind] = [family, training, workHistory, salary, reward, discipline, evaluation]

    /// The person and every history table.
    public static let allKinds: [RecordKind] = [person] + subRecordKinds

    /// The history table served at `/api/dossiers/{id}/<segment>`.
    public static func subRecordKind(pathSegment: String) -> RecordKind? {
        subRecordKinds.first { $0.pathSegment == pathSegment }
    }
}
