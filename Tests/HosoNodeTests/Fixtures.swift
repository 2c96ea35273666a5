import HosoDomain

/// Codes taken from the seed catalogues, so tests do not hard-code code lists.
enum Fixtures {
    struct Missing: Error {}
    /// The first code of a catalogue.
    static func code(_ id: CatalogueID, index: Int = 0) throws -> String {
        let entries = SeedCatalogues.definition(id).entries
        guard entries.indices.contains(index) else { throw Missing() }
        return entries[index].code
    }
}
