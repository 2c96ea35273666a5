import Foundation
import HosoDomain

/// Realistic, clearly fictitious Vietnamese sample data for the demo and the benchmarks:
/// a province's units tree and dossiers with their history tables. Deterministic for a
/// given seed, so a benchmark run can be repeated.
public struct SampleData {
    /// A small deterministic PRNG (SplitMix64): sample data must not depend on the platform's generator.
    public struct Generator: RandomNumberGenerator {
        var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let families = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Vũ", "Phan", "Trương", "Bùi", "Đặng", "Đỗ", "Ngô", "Hồ", "Dương", "Đinh", "Lý", "Lương", "Mai"]
    static let maleMiddles = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Ngọc", "Xuân", "Hoàng"]
    static let femaleMiddles = ["Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Mỹ", "Hồng", "Phương"]
    static let maleGiven = ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Khánh", "Long", "Minh", "Nam", "Phong", "Quân", "Sơn", "Tài", "Thắng", "Toàn", "Trung", "Tuấn", "Việt"]
    static let femaleGiven = ["Anh", "Ánh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngân", "Nhung", "Oanh", "Phượng", "Thảo", "Trang", "Uyên", "Yến"]
    static let places = ["xã Mỹ An, huyện Tháp Mười, tỉnh Đồng Tháp", "phường 1, thành phố Cao Lãnh, tỉnh Đồng Tháp", "xã Tân Thành, huyện Lai Vung, tỉnh Đồng Tháp",
                         "xã Bình Thạnh, huyện Cao Lãnh, tỉnh Đồng Tháp", "phường An Thạnh, thị xã Hồng Ngự, tỉnh Đồng Tháp", "xã Long Hưng, huyện Châu Thành, tỉnh Tiền Giang"]
    static let institutions = ["Trường Đại học Cần Thơ", "Học viện Hành chính Quốc gia", "Trường Đại học Kinh tế TP. Hồ Chí Minh", "Trường Chính trị tỉnh Đồng Tháp",
                               "Trường Đại học Đồng Tháp", "Trường Đại học Luật TP. Hồ Chí Minh"]
    static let majors = ["Quản lý nhà nước", "Luật", "Kế toán", "Công nghệ thông tin", "Kinh tế", "Sư phạm Toán", "Hành chính học"]

    /// The units of a sample province: the hub's Sở Nội vụ, two departments with rooms,
    /// and communes.
    public static let units: [(code: String, name: String, parent: String?)] = [
        ("DT", "UBND tỉnh Đồng Tháp", nil),
        ("DT.SNV", "Sở Nội vụ", "DT"),
        ("DT.STC", "Sở Tài chính", "DT"),
        ("DT.STC.NS", "Phòng Quản lý ngân sách", "DT.STC"),
        ("DT.STC.TH", "Văn phòng Sở Tài chính", "DT.STC"),
        ("DT.SGD", "Sở Giáo dục và Đào tạo", "DT"),
        ("DT.SGD.TCCB", "Phòng Tổ chức cán bộ", "DT.SGD"),
        ("DT.XMA", "UBND xã Mỹ An", "DT"),
        ("DT.XMA.VP", "Văn phòng HĐND và UBND xã Mỹ An", "DT.XMA"),
        ("DT.PCL", "UBND phường Cao Lãnh", "DT"),
    ]

    var rng: Generator
    /// The personal-id serials handed out so far (ids must be unique).
    var serial = 0

    /// A generator; `firstSerial` keeps personal ids unique across generators (give each
    /// one its own range).
    public init(seed: UInt64, firstSerial: Int = 0) {
        rng = Generator(seed: seed)
        serial = firstSerial
    }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }

    /// One dossier document (the body of `POST /api/dossiers`) with about `historyRows`
    /// history rows.
    public mutating func dossier(unitID: String, historyRows: Int = 20, commune: Bool = false) -> JSONObject {
        let female = rng.next() % 2 == 0
        let family = pick(Self.families)
        let name = "\(family) \(pick(female ? Self.femaleMiddles : Self.maleMiddles)) \(pick(female ? Self.femaleGiven : Self.maleGiven))"
        let birthYear = int(1966...2000)
        let birth = CalendarDate(year: birthYear, month: int(1...12), day: int(1...28))!
        serial += 1
        let centuryDigit = (birthYear >= 2000 ? 2 : 0) + (female ? 1 : 0)
        let personalID = String(format: "087%d%02d%06d", centuryDigit, birthYear % 100, serial % 1_000_000)
        let recruitYear = min(birthYear + int(22...30), 2024)
        let ngach = pick(["01.003", "01.002", "01.004", "06.031"])
        var doc: JSONObject = [
            "unit_id": .string(unitID),
            "full_name": .string(name),
            "birth_date": .string(birth.iso),
            "sex": .string(female ? "2" : "1"),
            "personal_id": .string(personalID),
            "ethnicity": "01",
            "religion": "00",
            "birth_place": .string(pick(Self.places)),
            "hometown": .string(pick(Self.places)),
            "current_address": .string(pick(Self.places)),
            "recruitment_date": .string(CalendarDate(year: recruitYear, month: int(1...12), day: 1)!.iso),
            "recruiting_agency": "UBND tỉnh Đồng Tháp",
            "position_title": .string(pick(["Chuyên viên", "Phó Trưởng phòng", "Trưởng phòng", "Kế toán viên", "Công chức Văn phòng - Thống kê"])),
            "ngach": .string(ngach),
            "salary_step": .number(Double(int(1...6))),
            "salary_coefficient": .number(Double(int(234...498)) / 100),
            "salary_effective_date": .string(CalendarDate(year: int(2019...2024), month: int(1...12), day: 1)!.iso),
            "major": .string(pick(Self.majors)),
        ]
        // What the TT 11/2012 forms count: category, training, languages, state management.
        doc["staff_category"] = .string(commune ? pick(["can_bo_xa", "cong_chuc_xa", "cong_chuc_xa"]) : pick(["cong_chuc", "cong_chuc", "cong_chuc", "vien_chuc"]))
        doc["qualification"] = .string(pick(["DH", "DH", "DH", "ThS", "CD", "TC", "TS", "SC"]))
        doc["political_theory"] = .string(pick(["CN", "CC", "TC", "TC", "SC"]))
        doc["it_level"] = .string(pick(["CNTT_CB", "A", "B", "DH", "TC"]))
        doc["english_level"] = .string(pick(["A", "B", "C", "DH"]))
        doc["state_management"] = .string(pick(["CV", "CV", "CVC", "CVCC", "CQDT"]))
        doc["general_education"] = .string(pick(["12/12", "12/12", "9/12", "10/10"]))
        if rng.next() % 3 != 0 { doc["party_join_date"] = .string(CalendarDate(year: recruitYear + int(1...5), month: int(1...12), day: int(1...28))!.iso) }
        var training: [JSONValue] = [], work: [JSONValue] = [], salary: [JSONValue] = [], familyRows: [JSONValue] = []
        var rewards: [JSONValue] = [], evaluations: [JSONValue] = []
        let start = recruitYear
        for i in 0..<max(historyRows, 6) {
            switch i % 6 {
            case 0:
                let y = min(birthYear + 18 + i / 3, 2024)
                training.append(.object(["institution": .string(pick(Self.institutions)), "major": .string(pick(Self.majors)),
                                         "from_month": .string(String(format: "%04d-09", y)), "to_month": .string(String(format: "%04d-06", y + 1))]))
            case 1:
                let y = min(start + i / 2, 2024)
                work.append(.object(["from_month": .string(String(format: "%04d-%02d", y, int(1...12))),
                                     "description": .string("\(pick(["Chuyên viên", "Phó Trưởng phòng", "Công chức"])) \(pick(["Sở Nội vụ", "Sở Tài chính", "UBND xã Mỹ An"]))")]))
            case 2:
                let y = min(start + i / 2, 2025)
                salary.append(.object(["effective_date": .string(String(format: "%04d-%02d-01", y, int(1...12))), "ngach": .string(ngach),
                                       "step": .number(Double(1 + i / 6)), "coefficient": .number(2.34 + 0.33 * Double(i / 6))]))
            case 3:
                familyRows.append(.object(["side": "ban_than", "relation": .string(pick(["cha", "me", "vo", "chong", "con"])),
                                           "full_name": .string("\(pick(Self.families)) \(pick(Self.maleMiddles)) \(pick(Self.maleGiven))"),
                                           "birth_year": .number(Double(int(1940...2015)))]))
            case 4:
                rewards.append(.object(["decision_date": .string(String(format: "%04d-12-%02d", min(start + i / 3, 2024), int(1...28))),
                                        "level": "tinh", "title": "lao_dong_tien_tien", "reason": "Hoàn thành tốt nhiệm vụ năm"]))
            default:
                evaluations.append(.object(["year": .number(Double(min(start + i / 6, 2025))), "result": .string(pick(["HTXS", "HTT", "HT"]))]))
            }
        }
        doc["training"] = .array(training)
        doc["work_history"] = .array(work)
        doc["salary"] = .array(salary)
        doc["family"] = .array(familyRows)
        doc["rewards"] = .array(rewards)
        doc["evaluations"] = .array(uniqueYears(evaluations))
        return doc
    }

    private func uniqueYears(_ rows: [JSONValue]) -> [JSONValue] {
        var seen = Set<Double>()
        return rows.filter { seen.insert($0["year"].numberValue ?? 0).inserted }
    }
}
