import HosoDomain
import Testing

@Suite struct NationalRecordLayoutTests {
    /// Every field of the dossier goes to exactly one of the decree's 10 groups, and every
    /// history table too: a field added later cannot be silently left out of the export.
    @Test func everyFieldAndTableIsInExactlyOneGroup() {
        #expect(NationalRecordLayout.groups.count == 10)
        let fields = NationalRecordLayout.groups.flatMap(\.fields)
        #expect(fields.count == Set(fields).count, "no field in two groups")
        #expect(Set(fields) == Set(DossierSchema.person.fields.map(\.name)))
        let tables = NationalRecordLayout.groups.flatMap(\.tables)
        #expect(tables.count == Set(tables).count)
        #expect(Set(tables) == Set(DossierSchema.subRecordKinds.map(\.name)))
        #expect(NationalRecordLayout.groups.filter(\.unit).count == 1)
    }

    @Test func theKeyMustBeAValidPersonalID() {
        #expect(NationalRecordLayout.keyProblem(personalID: "087085012345", birthDate: "1985-04-12", sex: "1") == nil)
        #expect(NationalRecordLayout.keyProblem(personalID: nil, birthDate: nil, sex: nil)?.code == "missing_personal_id")
        #expect(NationalRecordLayout.keyProblem(personalID: "", birthDate: nil, sex: nil)?.code == "missing_personal_id")
        #expect(NationalRecordLayout.keyProblem(personalID: "12345", birthDate: nil, sex: nil)?.code == "invalid_personal_id")
        #expect(NationalRecordLayout.keyProblem(personalID: "087085012345", birthDate: "1990-01-01", sex: "1")?.code == "inconsistent_personal_id")
        #expect(NationalRecordLayout.keyProblem(personalID: "087085012345", birthDate: "1985-04-12", sex: "2")?.code == "inconsistent_personal_id")
    }
}
