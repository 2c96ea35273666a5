import Foundation
import Testing
@testable import HosoDomain

@Suite struct RecordValidatorTests {
    let validator = RecordValidator(today: CalendarDate(year: 2026, month: 11, day: 22)!) { catalogue, code in
        switch catalogue {
        case .gioiTinh: ["1", "2"].contains(code)
        case .danhGia: ["HT"].contains(code)
        default: code == "ok"
        }
    }

    func errors(_ kind: RecordKind, _ submitted: JSONObject, merged: JSONObject = [:]) -> [FieldError] {
        do { _ = try validator.validate(kind: kind, submitted: submitted, merged: merged); return [] }
        catch { return error.errors }
    }

    let valid: JSONObject = ["full_name": "Nguyễn Văn An", "birth_date": "1985-04-12", "sex": "1"]

    @Test func acceptsAValidPersonAndNormalises() throws {
        let out = try validator.validate(kind: DossierSchema.person, submitted: valid.merging(["other_names": "  Tư  "]) { $1 }, merged: [:])
        #expect(out["other_names"] == "Tư")
    }

    @Test(arguments: [
        ("birth_date", JSONValue.string("1985-02-29"), "invalid_format"),
        ("birth_date", .string("12/04/1985"), "invalid_format"),
        ("birth_date", .string("2030-01-01"), "out_of_range"),
        ("birth_date", .number(1985), "invalid_type"),
        ("sex", .string("3"), "unknown_code"),
        ("height_cm", .number(170.5), "invalid_type"),
        ("height_cm", .number(400), "out_of_range"),
        ("full_name", .string(String(repeating: "a", count: 101)), "too_long"),
        ("full_name", .string(""), "required"),
        ("personal_id", .string("12345678901a"), "invalid_format"),
        ("personal_id", .string("999085001234"), "invalid_format"),
        ("birth_date_precision", .string("week"), "invalid_format"),
        ("nickname", .string("x"), "unknown_field"),
        ("salary_coefficient", .string("2.34"), "invalid_type"),
    ])
    func rejects(_ field: String, _ value: JSONValue, _ code: String) {
        var body = valid
        body[field] = value
        let found = errors(DossierSchema.person, body)
        #expect(found.contains { $0.field == field && $0.code == code }, "\(found)")
    }

    @Test func leapDayIsAValidDate() {
        #expect(errors(DossierSchema.person, valid.merging(["birth_date": "1988-02-29"]) { $1 }).isEmpty)
        #expect(CalendarDate(iso: "1900-02-29") == nil)
        #expect(CalendarDate(iso: "2000-02-29") != nil)
    }

    @Test func crossFieldRules() {
        var body = valid
        body["party_join_date"] = "2010-05-01"
        body["party_official_date"] = "2009-05-01"
        #expect(errors(DossierSchema.person, body).contains { $0.field == "party_official_date" && $0.code == "inconsistent" })
        body = valid
        body["recruitment_date"] = "1995-01-01"
        #expect(errors(DossierSchema.person, body).contains { $0.field == "recruitment_date" })
        #expect(errors(DossierSchema.training, ["institution": "A", "from_month": "2012-09", "to_month": "2011-01"]).contains { $0.field == "to_month" })
        #expect(errors(DossierSchema.reward, ["decision_date": "2020-01-01"]).contains { $0.field == "form" && $0.code == "required" })
    }

    @Test func personalIDEncodesSexAndBirthYear() {
        #expect(PersonalID.consistencyProblem("087085001234", birthYear: 1985, sexCode: "1") == nil)
        #expect(PersonalID.consistencyProblem("087185001234", birthYear: 1985, sexCode: "2") == nil)
        #expect(PersonalID.consistencyProblem("087201001234", birthYear: 2001, sexCode: "1") == nil)
        #expect(PersonalID.consistencyProblem("087085001234", birthYear: 1985, sexCode: "2") != nil)
        #expect(PersonalID.consistencyProblem("087086001234", birthYear: 1985, sexCode: "1") != nil)
    }

    @Test func patchValidatesAgainstTheMergedRecord() {
        // Clearing a required field in a patch fails; changing another field passes.
        #expect(errors(DossierSchema.person, ["full_name": .null], merged: valid).contains { $0.code == "required" })
        #expect(errors(DossierSchema.person, ["phone": "0900"], merged: valid).isEmpty)
    }

    @Test func reportsEveryErrorAtOnce() {
        let found = errors(DossierSchema.person, ["birth_date": "x", "sex": "9", "weight_kg": "nặng"])
        #expect(Set(found.map(\.field)) == ["birth_date", "sex", "weight_kg", "full_name"])
    }
}

@Suite struct PrimitiveTests {
    @Test func sha256KnownAnswers() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(String(repeating: "a", count: 1_000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func recordIDsAreTimeOrderedUUIDv7() {
        let early = RecordID.make(now: Date(timeIntervalSince1970: 1_700_000_000))
        let late = RecordID.make(now: Date(timeIntervalSince1970: 1_700_000_001))
        #expect(early < late)
        #expect(RecordID.isValid(early))
        #expect(Array(early)[14] == "7")
        #expect(Set((0..<1000).map { _ in RecordID.make() }).count == 1000)
        #expect(!RecordID.isValid("not-a-uuid"))
    }

    @Test func datesFormatTheVietnameseWay() {
        let d = CalendarDate(iso: "2026-01-05")!
        #expect(d.display == "05/01/2026")
        #expect(CalendarDate(display: "05/01/2026") == d)
        #expect(CalendarDate(year: 1990, month: 6, day: 15)!.years(until: CalendarDate(year: 2026, month: 6, day: 14)!) == 35)
    }

    @Test func accessPolicyMatchesTheRegulationTable() {
        #expect(AccessPolicy.allows(.admin, .backup))
        #expect(!AccessPolicy.allows(.leader, .writeDossier))
        #expect(AccessPolicy.allows(.leader, .reports))
        #expect(!AccessPolicy.allows(.head, .writeDossier))
        #expect(AccessPolicy.allows(.hr, .writeDossier))
        #expect(AccessPolicy.allows(.hr, .manageUsers))
        #expect(AccessPolicy.grants[.staff] == [.readDossier])
        #expect(Role.staff.scope == .ownDossier)
        #expect(!AccessPolicy.assignableRoles(by: .hr).contains(.admin))
    }
}
