/// Salary groups of Nghị định 204/2004/NĐ-CP (Bảng 2, công chức in state agencies, and
/// Bảng 1 for senior experts): the coefficient of each step and the months in step
/// before a periodic raise (Thông tư 08/2013/TT-BNV: 36 months for grades that require
/// college or higher, 24 months otherwise, 60 months for senior experts).
public struct SalaryScale: Sendable, Hashable {
    /// Group code: `A3.1`, `A2.2`, `A1`, `B`, ...
    public let group: String
    /// Coefficient (hệ số) of step 1, 2, ...
    public let coefficients: [Double]
    /// Months in a step before the next periodic raise.
    public let monthsPerStep: Int

    /// Number of steps (bậc).
    public var steps: Int { coefficients.count }

    /// The coefficient of `step` (1-based), or nil if the group has no such step.
    public func coefficient(step: Int) -> Double? {
        coefficients.indices.contains(step - 1) ? coefficients[step - 1] : nil
    }

    /// The groups, by code.
    public static let groups: [String: SalaryScale] = {
        var all: [String: SalaryScale] = [:]
        for scale in [
            SalaryScale(group: "CGCC", coefficients: [8.80, 9.40, 10.00], monthsPerStep: 60),
            SalaryScale(group: "A3.1", coefficients: [6.20, 6.56, 6.92, 7.28, 7.64, 8.00], monthsPerStep: 36),
            SalaryScale(group: "A3.2", coefficients: [5.75, 6.11, 6.47, 6.83, 7.19, 7.55], monthsPerStep: 36),
            SalaryScale(group: "A2.1", coefficients: [4.40, 4.74, 5.08, 5.42, 5.76, 6.10, 6.44, 6.78], monthsPerStep: 36),
            SalaryScale(group: "A2.2", coefficients: [4.00, 4.34, 4.68, 5.02, 5.36, 5.70, 6.04, 6.38], monthsPerStep: 36),
            SalaryScale(group: "A1", coefficients: [2.34, 2.67, 3.00, 3.33, 3.66, 3.99, 4.32, 4.65, 4.98], monthsPerStep: 36),
            SalaryScale(group: "A0", coefficients: [2.10, 2.41, 2.72, 3.03, 3.34, 3.65, 3.96, 4.27, 4.58, 4.89], monthsPerStep: 36),
            SalaryScale(group: "B", coefficients: [1.86, 2.06, 2.26, 2.46, 2.66, 2.86, 3.06, 3.26, 3.46, 3.66, 3.86, 4.06], monthsPerStep: 24),
            SalaryScale(group: "C1", coefficients: [1.65, 1.83, 2.01, 2.19, 2.37, 2.55, 2.73, 2.91, 3.09, 3.27, 3.45, 3.63], monthsPerStep: 24),
        ] { all[scale.group] = scale }
        return all
    }()

    /// The administrative grade a salary group is equivalent to in the TT 11/2012 forms:
    /// `cvcc` (A3, senior experts), `cvc` (A2), `cv` (A1), `cs` (A0, B), `nv` (C).
    public static func equivalentGrade(group: String) -> String {
        if group == "CGCC" || group.hasPrefix("A3") { return "cvcc" }
        if group.hasPrefix("A2") { return "cvc" }
        if group == "A1" { return "cv" }
        if group == "A0" || group == "B" { return "cs" }
        return "nv"
    }

    /// Attributes stored on a ngạch catalogue entry of this group.
    public var catalogueAttributes: [String: String] {
        ["nhom": group, "so_bac": String(steps), "thoi_gian_nang_bac_thang": String(monthsPerStep),
         "he_so": coefficients.map { String(format2: $0) }.joined(separator: ";")]
    }
}

extension String {
    /// A coefficient with two decimals (`2.34`), independent of locale.
    public init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        self = "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}
