/// The layout of a person's record in the export for the national database of cadres,
/// civil servants and public employees (CSDLQG về CBCCVC, Nghị định 27/2026/NĐ-CP).
///
/// The decree (Art. 5) organises the record in 10 data groups and keys it by the
/// 12-digit personal identification number (mã định danh hồ sơ = số định danh cá
/// nhân); its annex with the 194 fields and their catalogues was not available
/// (shared/reference/domain-research.md §1.6, §10). So every field hoso keeps goes into
/// the group the decree names for it, under the API's field keys (described by
/// `openapi.json`, `PersonFields` and the history tables), and the format carries a
/// version for when the official mapping is published.
public enum NationalRecordLayout {
    /// The format name and version written into every record.
    public static let format = "hoso-csdlqg-cbccvc/1"

    /// One data group of NĐ 27/2026 Art. 5.
    public struct Group: Sendable {
        /// The JSON key (`nhom_01_thong_tin_co_ban`).
        public let key: String
        /// The decree's name for the group.
        public let title: String
        /// Person fields, in 2C order.
        public let fields: [String]
        /// History tables (`RecordKind.name`).
        public let tables: [String]
        /// Whether the group carries the managing unit (`co_quan_don_vi`).
        public let unit: Bool

        init(_ key: String, _ title: String, fields: [String], tables: [RecordKind] = [], unit: Bool = false) {
            self.key = key
            self.title = title
            self.fields = fields
            self.tables = tables.map(\.name)
            self.unit = unit
        }
    }

    /// The 10 groups, in the decree's order.
    public static let groups: [Group] = [
        Group("nhom_01_thong_tin_co_ban", "Thông tin cơ bản: danh tính, thành phần xuất thân, định danh",
              fields: ["personal_id", "staff_number", "full_name", "other_names", "birth_date", "birth_date_precision", "sex",
                       "birth_place", "hometown", "ethnicity", "religion", "nationality", "permanent_address", "current_address",
                       "phone", "email", "id_issue_date", "id_issue_place", "social_insurance_no", "health_insurance_no", "tax_code",
                       "marital_status"]),
        Group("nhom_02_quan_he_gia_dinh", "Quan hệ gia đình", fields: [], tables: [DossierSchema.family]),
        Group("nhom_03_lich_su_ban_than", "Lịch sử bản thân",
              fields: ["history_detention", "history_foreign_organisations", "history_relatives_abroad"]),
        Group("nhom_04_tuyen_dung_bo_nhiem", "Tuyển dụng, bầu cử, bổ nhiệm, quy hoạch, điều động, luân chuyển, biệt phái, thôi việc, nghỉ hưu",
              fields: ["staff_category", "employment_status", "occupation_before_recruitment", "recruitment_date", "recruiting_agency",
                       "service_start_date", "quota_entry_date", "revolution_join_date", "position_appointed_date", "rotated_from_district"],
              tables: [DossierSchema.workHistory]),
        Group("nhom_05_hoc_van_dao_tao", "Học vấn, trình độ chuyên môn, đào tạo, bồi dưỡng (lý luận chính trị, quản lý nhà nước, ngoại ngữ, tin học)",
              fields: ["general_education", "qualification", "major", "academic_title", "academic_title_year", "political_theory",
                       "state_management", "foreign_language", "english_level", "other_language_level", "ethnic_language_cert", "it_level"],
              tables: [DossierSchema.training]),
        Group("nhom_06_cong_tac_luong_danh_gia", "Cơ quan, đơn vị làm việc; chức danh, chức vụ; tiền lương, phụ cấp; đánh giá, xếp loại; thi đua, khen thưởng; kỷ luật",
              fields: ["position_code", "position_title", "concurrent_positions", "main_duties", "work_strengths", "ngach", "ngach_date",
                       "salary_step", "salary_coefficient", "salary_effective_date", "position_allowance", "over_scale_percent",
                       "responsibility_allowance", "regional_allowance", "percent_allowances", "other_allowances", "next_raise_date",
                       "honorary_title", "assessment"],
              tables: [DossierSchema.salary, DossierSchema.evaluation, DossierSchema.reward, DossierSchema.discipline], unit: true),
        Group("nhom_07_to_chuc_chinh_tri_xa_hoi", "Tham gia tổ chức chính trị, chính trị - xã hội",
              fields: ["party_join_date", "party_official_date", "mass_organisations"]),
        Group("nhom_08_luc_luong_vu_trang", "Tham gia lực lượng vũ trang",
              fields: ["enlistment_date", "discharge_date", "military_rank", "war_invalid_class", "policy_family"]),
        Group("nhom_09_tai_san_thu_nhap", "Tài sản, thu nhập", fields: ["family_economy"]),
        Group("nhom_10_suc_khoe", "Sức khỏe", fields: ["health_status", "height_cm", "weight_kg", "blood_group"]),
    ]

    /// Employment statuses of people no longer managed in this system (moved to the
    /// Party's organisations or out of the province): another system reports them.
    public static let movedOut: Set<String> = ["chuyen_khoi_dang", "chuyen_ngoai_tinh"]

    /// Why a dossier cannot be exported under its personal id, or nil when it can.
    public static func keyProblem(personalID: String?, birthDate: String?, sex: String?) -> (code: String, reason: String)? {
        guard let id = personalID, !id.isEmpty else {
            return ("missing_personal_id", "Chưa có số định danh cá nhân (12 số).")
        }
        guard PersonalID.isWellFormed(id) else {
            return ("invalid_personal_id", "Số định danh '\(id)' không phải 12 chữ số với mã tỉnh hợp lệ.")
        }
        if let birth = birthDate.flatMap(CalendarDate.init(iso:)), let problem = PersonalID.consistencyProblem(id, birthYear: birth.year, sexCode: sex ?? "") {
            return ("inconsistent_personal_id", problem)
        }
        return nil
    }
}
