/// A small pull parser for the XML parts of an XLSX workbook: start and end tags with
/// their attributes, text with the five predefined entities and character references,
/// CDATA; comments and processing instructions skipped. Names are given without their
/// namespace prefix (`x:row` → `row`): SpreadsheetML files from different producers use
/// different prefixes for the same namespace. A document type declaration is refused —
/// workbooks have none, and refusing it rules out entity-expansion attacks.
struct XMLScanner {
    enum Event: Equatable {
        case start(name: String, attributes: [String: String], selfClosing: Bool)
        case end(name: String)
        case text(String)
    }

    struct Failure: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "XML không hợp lệ tại byte \(offset): \(reason)" }
    }

    private let bytes: [UInt8]
    private var i = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The next event, or nil at the end of the document.
    mutating func next() throws(Failure) -> Event? {
        while i < bytes.count {
            if bytes[i] != UInt8(ascii: "<") {
                let start = i
                while i < bytes.count && bytes[i] != UInt8(ascii: "<") { i += 1 }
                return .text(try decodeText(bytes[start..<i], at: start))
            }
            if starts(with: "<!--") {
                guard let end = find("-->", from: i + 4) else { throw Failure(offset: i, reason: "chú thích không đóng") }
                i = end + 3
                continue
            }
            if starts(with: "<![CDATA[") {
                guard let end = find("]]>", from: i + 9) else { throw Failure(offset: i, reason: "CDATA không đóng") }
                let text = String(decoding: bytes[(i + 9)..<end], as: UTF8.self)
                i = end + 3
                return .text(text)
            }
            if starts(with: "<!") { throw Failure(offset: i, reason: "không chấp nhận khai báo DOCTYPE") }
            if starts(with: "<?") {
                guard let end = find("?>", from: i + 2) else { throw Failure(offset: i, reason: "chỉ thị xử lý không đóng") }
                i = end + 2
                continue
            }
            return try tag()
        }
        return nil
    }

    private mutating func tag() throws(Failure) -> Event {
        let open = i
        i += 1
        let closing = i < bytes.count && bytes[i] == UInt8(ascii: "/")
        if closing { i += 1 }
        let name = try readName()
        var attributes: [String: String] = [:]
        while true {
            skipSpace()
            guard i < bytes.count else { throw Failure(offset: open, reason: "thẻ không đóng") }
            if bytes[i] == UInt8(ascii: ">") {
                i += 1
                return closing ? .end(name: name) : .start(name: name, attributes: attributes, selfClosing: false)
            }
            if bytes[i] == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ">"), !closing {
                i += 2
                return .start(name: name, attributes: attributes, selfClosing: true)
            }
            if closing { throw Failure(offset: i, reason: "thẻ đóng có thuộc tính") }
            let attribute = try readName()
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else { throw Failure(offset: i, reason: "thiếu dấu = sau thuộc tính") }
            i += 1
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else {
                throw Failure(offset: i, reason: "giá trị thuộc tính không có dấu nháy")
            }
            let quote = bytes[i]
            i += 1
            let start = i
            while i < bytes.count && bytes[i] != quote { i += 1 }
            guard i < bytes.count else { throw Failure(offset: start, reason: "giá trị thuộc tính không đóng") }
            attributes[attribute] = try decodeText(bytes[start..<i], at: start)
            i += 1
        }
    }

    /// A name without its namespace prefix.
    private mutating func readName() throws(Failure) -> String {
        let start = i
        var local = i
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: ">") || b == UInt8(ascii: "/") || b == UInt8(ascii: "=") || b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { break }
            if b == UInt8(ascii: ":") { local = i + 1 }
            i += 1
        }
        guard i > local else { throw Failure(offset: start, reason: "thiếu tên thẻ") }
        return String(decoding: bytes[local..<i], as: UTF8.self)
    }

    private mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    private func starts(with prefix: String) -> Bool {
        let p = Array(prefix.utf8)
        return i + p.count <= bytes.count && bytes[i..<(i + p.count)].elementsEqual(p)
    }

    private func find(_ needle: String, from: Int) -> Int? {
        let n = Array(needle.utf8)
        var j = from
        while j + n.count <= bytes.count {
            if bytes[j] == n[0] && bytes[j..<(j + n.count)].elementsEqual(n) { return j }
            j += 1
        }
        return nil
    }

    /// Text with entity and character references replaced.
    private func decodeText(_ raw: ArraySlice<UInt8>, at offset: Int) throws(Failure) -> String {
        guard raw.contains(UInt8(ascii: "&")) else { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var j = raw.startIndex
        while j < raw.endIndex {
            let b = raw[j]
            guard b == UInt8(ascii: "&") else { out.append(b); j += 1; continue }
            guard let semicolon = raw[j...].firstIndex(of: UInt8(ascii: ";")), semicolon - j <= 12 else {
                throw Failure(offset: offset + (j - raw.startIndex), reason: "tham chiếu ký tự không đóng")
            }
            let entity = String(decoding: raw[(j + 1)..<semicolon], as: UTF8.self)
            switch entity {
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "amp": out.append(UInt8(ascii: "&"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                var value: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") { value = UInt32(entity.dropFirst(2), radix: 16) }
                else if entity.hasPrefix("#") { value = UInt32(entity.dropFirst(), radix: 10) }
                guard let v = value, let scalar = Unicode.Scalar(v) else {
                    throw Failure(offset: offset + (j - raw.startIndex), reason: "tham chiếu '&\(entity);' không được hỗ trợ")
                }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            j = semicolon + 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
