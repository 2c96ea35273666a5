/// Finds the code of what a user wrote in a catalogue column of a spreadsheet: the code
/// itself ("01.003", "2"), or the entry's name as people write it ("Chuyên viên", "Nữ",
/// "kinh"), compared without diacritics, case or punctuation ("Khơ-me" = "Khơ me").
public struct CatalogueNameIndex: Sendable {
    /// One usable entry of a catalogue.
    public struct Entry: Sendable, Hashable {
        public var code: String
        public var name: String
        public init(code: String, name: String) {
            self.code = code
            self.name = name
        }
    }

    /// The outcome of a look-up.
    public enum Resolution: Sendable, Equatable {
        case code(String)
        /// Nothing matches.
        case unknown
        /// The name belongs to several codes: the user must write the code.
        case ambiguous([String])
    }

    let entries: [CatalogueID: [Entry]]
    let byCode: [CatalogueID: Set<String>]
    let byFoldedCode: [CatalogueID: [String: String]]
    let byName: [CatalogueID: [String: [String]]]

    /// Builds the index of the entries that may be used in new values.
    public init(_ entries: [CatalogueID: [Entry]]) {
        self.entries = entries
        var byCode: [CatalogueID: Set<String>] = [:], byFoldedCode: [CatalogueID: [String: String]] = [:]
        var byName: [CatalogueID: [String: [String]]] = [:]
        for (catalogue, list) in entries {
            for entry in list {
                byCode[catalogue, default: []].insert(entry.code)
                byFoldedCode[catalogue, default: [:]][Self.compact(entry.code)] = entry.code
                for key in Set([Self.compact(entry.name), VietnameseText.fold(entry.name)]) where !key.isEmpty {
                    byName[catalogue, default: [:]][key, default: []].append(entry.code)
                }
            }
        }
        self.byCode = byCode
        self.byFoldedCode = byFoldedCode
        self.byName = byName
    }

    /// The code `text` names in `catalogue`.
    public func resolve(_ catalogue: CatalogueID, _ text: String) -> Resolution {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if byCode[catalogue]?.contains(t) == true { return .code(t) }
        var candidates = [t]
        // A code typed into an Excel number cell loses its leading zero: 1.003 for 01.003, 1 for 01.
        if let first = t.first, first.isASCIIDigit, t.allSatisfy({ $0.isASCIIDigit || $0 == "." }) {
            let parts = t.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0].count == 1 { candidates.append("0" + t) }
        }
        for candidate in candidates {
            if byCode[catalogue]?.contains(candidate) == true { return .code(candidate) }
            if let code = byFoldedCode[catalogue]?[Self.compact(candidate)] { return .code(code) }
        }
        for key in [VietnameseText.fold(t), Self.compact(t)] {
            if let codes = byName[catalogue]?[key] {
                let unique = Array(Set(codes)).sorted()
                return unique.count == 1 ? .code(unique[0]) : .ambiguous(unique)
            }
        }
        return .unknown
    }

    /// The names of a short catalogue, to suggest in a message (nil for long ones).
    public func suggestions(_ catalogue: CatalogueID, limit: Int = 12) -> [String]? {
        guard let list = entries[catalogue], !list.isEmpty, list.count <= limit else { return nil }
        return list.map(\.name)
    }

    /// Folded, with everything but letters and digits removed.
    static func compact(_ text: String) -> String {
        String(VietnameseText.fold(text).filter { $0.isLetter || $0.isNumber })
    }
}
