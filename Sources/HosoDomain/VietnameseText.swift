/// Vietnamese text rules the application needs everywhere: diacritic-insensitive
/// search keys (`Nguyễn` = `nguyen`) and the Vietnamese order of personal names (given
/// name first, then family and middle names; letters in the Vietnamese alphabet order
/// a ă â b c d đ e ê ... and tones as a last tie-breaker).
///
/// Works on canonical decompositions (NFD), so it does not depend on how the input was
/// composed: Vietnamese letters decompose into a base letter, at most one vowel
/// modifier (breve, circumflex, horn) and at most one tone mark.
public enum VietnameseText {
    /// Lower-case, diacritics removed, `đ` → `d`, runs of white space collapsed to one
    /// space. The search key stored beside names and matched with `LIKE`.
    public static func fold(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            if isCombiningMark(scalar) { continue }
            if scalar.properties.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            switch scalar {
            case "đ", "Đ": out.append("d")
            default:
                for lower in scalar.properties.lowercaseMapping.unicodeScalars { out.append(lower) }
            }
        }
        return String(out)
    }

    /// The words of a full name: family name first, given name last, as Vietnamese
    /// names are written.
    public static func nameParts(_ fullName: String) -> (family: String, middle: [String], given: String) {
        let words = fullName.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let given = words.last else { return ("", [], "") }
        guard words.count > 1 else { return ("", [], given) }
        return (words[0], Array(words[1..<(words.count - 1)]), given)
    }

    /// A key whose byte order is the Vietnamese order of names: by given name, then by
    /// family name and middle names; letters in alphabet order, then tones. Stored in
    /// the database so that `ORDER BY` sorts the Vietnamese way with binary collation.
    public static func sortKey(fullName: String) -> String {
        let parts = nameParts(fullName)
        let ordered = ([parts.given, parts.family] + parts.middle).filter { !$0.isEmpty }
        // \u{2} separates words: it sorts below every letter and tone code, so "An" <
        // "Anh" and a shorter name sorts before a longer one sharing its prefix.
        return ordered.map(encode).joined(separator: "\u{2}")
    }

    /// Orders two full names the Vietnamese way.
    public static func compareNames(_ a: String, _ b: String) -> Bool {
        let ka = sortKey(fullName: a), kb = sortKey(fullName: b)
        if ka != kb { return ka.utf8.lexicographicallyPrecedes(kb.utf8) }
        return a < b
    }

    // MARK: - Encoding

    /// Each letter becomes two ASCII characters: its base letter and a modifier rank
    /// (`a0` a, `a1` ă, `a2` â; `d0` d, `d1` đ; `e0`/`e1` e/ê; `o0`/`o1`/`o2` o/ô/ơ;
    /// `u0`/`u1` u/ư). The word's tone follows as one digit in dictionary order (ngang,
    /// huyền, hỏi, ngã, sắc, nặng); a digit sorts below every letter, so the dictionary
    /// order ha < hà < há < hai holds, and people with the same given name stay together.
    static func encode(_ word: String) -> String {
        var letters = "", tone = 0
        var base: Unicode.Scalar?
        var modifier = 0
        func flush() {
            guard let b = base else { return }
            letters.unicodeScalars.append(b)
            letters.append(Character(String(modifier)))
            base = nil
            modifier = 0
        }
        for scalar in word.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.value {
            case 0x0306: modifier = 1                                   // breve: ă
            case 0x0302: modifier = (base == "a") ? 2 : 1               // circumflex: â ê ô
            case 0x031B: modifier = (base == "o") ? 2 : 1               // horn: ơ ư
            case 0x0300: tone = 1                                       // huyền
            case 0x0309: tone = 2                                       // hỏi
            case 0x0303: tone = 3                                       // ngã
            case 0x0301: tone = 4                                       // sắc
            case 0x0323: tone = 5                                       // nặng
            default:
                if isCombiningMark(scalar) { continue }
                flush()
                switch scalar {
                case "đ", "Đ": base = "d"; modifier = 1
                default:
                    let lower = scalar.properties.lowercaseMapping.unicodeScalars
                    base = lower.first
                    // Keep scalars that lower-case into several (rare) without losing them.
                    for extra in lower.dropFirst() { flush(); base = extra }
                }
            }
        }
        flush()
        return letters + String(tone)
    }

    static func isCombiningMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }
}
