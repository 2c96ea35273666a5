/// Checks submitted record fields against their `RecordKind`: types, formats, ranges,
/// catalogue codes, required fields and cross-field rules. Collects every problem so
/// the user sees them all at once; writes nothing.
public struct RecordValidator: Sendable {
    /// Answers whether `code` exists (and is currently valid) in a catalogue.
    public typealias CodeLookup = @Sendable (CatalogueID, String) -> Bool

    let isKnownCode: CodeLookup
    let today: CalendarDate

    /// Creates a validator.
    public init(today: CalendarDate = .today(), isKnownCode: @escaping CodeLookup) {
        self.today = today
        self.isKnownCode = isKnownCode
    }

    /// Validates a full record (create) or the merge of a stored record with a patch
    /// (update). `submitted` holds only the keys the client sent; `merged` is the record
    /// as it would be stored. Returns the normalised values of the submitted keys.
    public func validate(kind: RecordKind, submitted: JSONObject, merged: JSONObject) throws(ValidationError) -> JSONObject {
        var errors: [FieldError] = []
        var normalised: JSONObject = [:]
        for key in submitted.keys.sorted() {
            guard let field = kind.field(key) else {
                errors.append(FieldError(field: key, code: "unknown_field", message: "Trường '\(key)' không có trong \(kind.label)."))
                continue
            }
            let value = submitted[key] ?? .null
            switch normalise(value, field: field) {
            case .success(let v): normalised[key] = v
            case .failure(let e): errors.append(e)
            }
        }
        var effective = merged
        for (k, v) in normalised { effective[k] = v }
        for field in kind.fields where field.required && Self.isEmpty(effective[field.name]) {
            if !errors.contains(where: { $0.field == field.name }) {
                errors.append(FieldError(field: field.name, code: "required", message: "\(field.label) là bắt buộc."))
            }
        }
        if errors.isEmpty { errors += crossFieldErrors(kind: kind, record: effective) }
        if !errors.isEmpty { throw ValidationError(errors) }
        return normalised
    }

    static func isEmpty(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?: true
        case .string(let s)?: s.isEmpty
        default: false
        }
    }

    /// Checks one value's type and format; returns it in canonical form.
    public func normalise(_ value: JSONValue, field: FieldSpec) -> Result<JSONValue, FieldError> {
        func fail(_ code: String, _ message: String) -> Result<JSONValue, FieldError> {
            .failure(FieldError(field: field.name, code: code, message: message))
        }
        if value == .null { return .success(.null) }
        switch field.type {
        case .text(let maxLength):
            guard case .string(let raw) = value else { return fail("invalid_type", "\(field.label) phải là chuỗi ký tự.") }
            let s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if s.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }) {
                return fail("invalid_format", "\(field.label) chứa ký tự điều khiển không hợp lệ.")
            }
            if s.count > maxLength { return fail("too_long", "\(field.label) dài quá \(maxLength) ký tự.") }
            return .success(s.isEmpty ? .null : .string(s))
        case .date:
            guard case .string(let s) = value else { return fail("invalid_type", "\(field.label) phải là ngày dạng yyyy-MM-dd.") }
            if s.isEmpty { return .success(.null) }
            guard let date = CalendarDate(iso: s) else {
                return fail("invalid_format", "\(field.label) không phải ngày hợp lệ (định dạng yyyy-MM-dd): '\(s)'.")
            }
            guard date.year >= 1900, date.year <= 2100 else { return fail("out_of_range", "\(field.label) phải trong khoảng 1900–2100.") }
            return .success(.string(date.iso))
        case .month:
            guard case .string(let s) = value else { return fail("invalid_type", "\(field.label) phải là tháng dạng yyyy-MM.") }
            if s.isEmpty { return .success(.null) }
            guard CalendarDate(iso: s + "-01") != nil, s.count == 7 else {
                return fail("invalid_format", "\(field.label) không phải tháng hợp lệ (định dạng yyyy-MM): '\(s)'.")
            }
            guard let y = Int(s.prefix(4)), y >= 1900, y <= 2100 else { return fail("out_of_range", "\(field.label) phải trong khoảng 1900–2100.") }
            return .success(.string(s))
        case .year:
            guard case .number(let n) = value, n.rounded() == n else { return fail("invalid_type", "\(field.label) phải là số năm.") }
            guard n >= 1900, n <= 2100 else { return fail("out_of_range", "\(field.label) phải trong khoảng 1900–2100.") }
            return .success(value)
        case .integer(let min, let max):
            guard case .number(let n) = value, n.rounded() == n else { return fail("invalid_type", "\(field.label) phải là số nguyên.") }
            guard n >= Double(min), n <= Double(max) else { return fail("out_of_range", "\(field.label) phải từ \(min) đến \(max).") }
            return .success(value)
        case .decimal(let min, let max):
            guard case .number(let n) = value, n.isFinite else { return fail("invalid_type", "\(field.label) phải là số.") }
            guard n >= min, n <= max else { return fail("out_of_range", "\(field.label) phải từ \(min) đến \(max).") }
            return .success(value)
        case .boolean:
            guard case .bool = value else { return fail("invalid_type", "\(field.label) phải là true hoặc false.") }
            return .success(value)
        case .code(let catalogue):
            guard case .string(let s) = value else { return fail("invalid_type", "\(field.label) phải là mã danh mục (chuỗi).") }
            if s.isEmpty { return .success(.null) }
            guard isKnownCode(catalogue, s) else {
                return fail("unknown_code", "Mã '\(s)' không có trong danh mục \(field.label).")
            }
            return .success(value)
        case .personalID:
            guard case .string(let s) = value else { return fail("invalid_type", "\(field.label) phải là chuỗi 12 chữ số.") }
            if s.isEmpty { return .success(.null) }
            guard PersonalID.isWellFormed(s) else {
                return fail("invalid_format", "\(field.label) phải gồm đúng 12 chữ số, 3 số đầu là mã tỉnh nơi đăng ký khai sinh.")
            }
            return .success(value)
        case .choice(let options):
            guard case .string(let s) = value else { return fail("invalid_type", "\(field.label) phải là chuỗi.") }
            guard options.contains(s) else {
                return fail("invalid_format", "\(field.label) phải là một trong: \(options.joined(separator: ", ")).")
            }
            return .success(value)
        }
    }

    /// Rules that involve more than one field.
    func crossFieldErrors(kind: RecordKind, record: JSONObject) -> [FieldError] {
        var errors: [FieldError] = []
        func date(_ name: String) -> CalendarDate? { record[name]?.stringValue.flatMap(CalendarDate.init(iso:)) }
        func month(_ name: String) -> String? { record[name]?.stringValue }
        func notBefore(_ later: String, _ earlier: String) {
            if let l = date(later), let e = date(earlier), l < e, let f = kind.field(later), let g = kind.field(earlier) {
                errors.append(FieldError(field: later, code: "inconsistent", message: "\(f.label) không được trước \(g.label.lowercased())."))
            }
        }
        if let from = month("from_month"), let to = month("to_month"), to < from {
            errors.append(FieldError(field: "to_month", code: "inconsistent", message: "Đến tháng/năm không được trước từ tháng/năm."))
        }
        switch kind.name {
        case DossierSchema.person.name:
            if let birth = date("birth_date") {
                if birth > today {
                    errors.append(FieldError(field: "birth_date", code: "out_of_range", message: "Ngày sinh không được sau ngày hôm nay."))
                }
                if let recruited = date("recruitment_date"), birth.years(until: recruited) < 15 {
                    errors.append(FieldError(field: "recruitment_date", code: "inconsistent", message: "Ngày tuyển dụng phải khi đã đủ 15 tuổi."))
                }
                if let id = record["personal_id"]?.stringValue, let sex = record["sex"]?.stringValue,
                   let problem = PersonalID.consistencyProblem(id, birthYear: birth.year, sexCode: sex) {
                    errors.append(FieldError(field: "personal_id", code: "inconsistent", message: problem))
                }
            }
            notBefore("party_official_date", "party_join_date")
            notBefore("discharge_date", "enlistment_date")
            notBefore("quota_entry_date", "recruitment_date")
        case DossierSchema.reward.name:
            if Self.isEmpty(record["form"]) && Self.isEmpty(record["title"]) {
                errors.append(FieldError(field: "form", code: "required", message: "Cần hình thức khen thưởng hoặc danh hiệu thi đua."))
            }
        case DossierSchema.discipline.name:
            notBefore("expiry_date", "effective_date")
        default:
            break
        }
        return errors
    }
}
