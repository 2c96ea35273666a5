/// The 12-digit personal identification number (số định danh cá nhân, also printed on
/// the CCCD card): 3 digits for the province of birth registration, 1 digit for century
/// and sex, 2 digits for the year of birth, 6 random digits (Thông tư 59/2021/TT-BCA).
public enum PersonalID {
    /// Province codes used in the first three digits (the 63 pre-2025 provinces, 001-096).
    static let provinceCodes: Set<Int> = [
        1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38,
        40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77, 79,
        80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
    ]

    /// 12 ASCII digits with a known province prefix.
    public static func isWellFormed(_ text: String) -> Bool {
        guard text.utf8.count == 12, text.allSatisfy(\.isASCIIDigit), let province = Int(text.prefix(3)) else { return false }
        return provinceCodes.contains(province)
    }

    /// Explains how the number contradicts the birth year or sex, or nil if it agrees.
    ///
    /// Digit 4: 0/1 = male/female born 1900-1999, 2/3 = 2000-2099, 4/5 = 2100-2199,
    /// 6/7 = 2200-2299, 8/9 = 1800-1899. Digits 5-6: the last two digits of the year.
    public static func consistencyProblem(_ text: String, birthYear: Int, sexCode: String) -> String? {
        guard isWellFormed(text) else { return nil }
        let digits = text.map { Int(String($0))! }
        let centuryDigit = digits[3]
        let centuryStart = [1900, 1900, 2000, 2000, 2100, 2100, 2200, 2200, 1800, 1800][centuryDigit]
        let year = centuryStart + digits[4] * 10 + digits[5]
        if year != birthYear {
            return "Số định danh mã hóa năm sinh \(year), không khớp ngày sinh (\(birthYear))."
        }
        let encodedFemale = centuryDigit % 2 == 1
        if let female = Sex.isFemale(code: sexCode), female != encodedFemale {
            return "Số định danh mã hóa giới tính \(encodedFemale ? "nữ" : "nam"), không khớp giới tính đã khai."
        }
        return nil
    }
}

/// Sex codes of the `gioi_tinh` catalogue.
public enum Sex {
    /// True for female, false for male, nil for a code that is neither.
    public static func isFemale(code: String) -> Bool? {
        switch code.lowercased() {
        case "2", "nu", "f", "female": true
        case "1", "nam", "m", "male": false
        default: nil
        }
    }
}
