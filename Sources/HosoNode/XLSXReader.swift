import Foundation
import HosoDomain

/// Reads one worksheet of an XLSX workbook (ECMA-376 SpreadsheetML) into rows of cells:
/// shared strings, inline strings, formula results, numbers, booleans; numbers whose
/// cell format is a date format come out as dates (Excel stores dates as day serials
/// and only the style tells them apart). The first sheet, or the one named.
enum XLSXReader {
    /// A worksheet as read.
    struct Sheet {
        var name: String
        /// Every sheet of the workbook, in order (for messages).
        var sheetNames: [String]
        /// Dates count from 1904 (`<workbookPr date1904="1"/>`).
        var date1904: Bool
        var rows: [SheetRow]
    }

    /// Why a workbook could not be read (Vietnamese, for the user).
    struct Failure: Error, CustomStringConvertible {
        /// `invalid_xlsx`, or `sheet_not_found` for a sheet name the workbook lacks.
        var code = "invalid_xlsx"
        var message: String
        var description: String { message }
    }

    /// The widest row read: beyond column ALL a sheet is not a staff list.
    static let maxColumns = 1_000

    /// Reads `sheet` (or the first sheet) of the workbook in `bytes`, stopping with an
    /// error past `maxRows` rows.
    static func read(_ bytes: [UInt8], sheet wanted: String? = nil, maxRows: Int = 100_000) throws(Failure) -> Sheet {
        let zip: ZipReader
        do { zip = try ZipReader(bytes) } catch { throw Failure(message: error.message) }
        func part(_ name: String) throws(Failure) -> [UInt8]? {
            do { return try zip.read(name) } catch { throw Failure(message: error.message) }
        }
        func events(_ name: String, _ body: (XMLScanner.Event) throws(Failure) -> Void) throws(Failure) {
            guard let data = try part(name) else { return }
            var scanner = XMLScanner(data)
            while true {
                let event: XMLScanner.Event?
                do { event = try scanner.next() } catch { throw Failure(message: "Tệp .xlsx bị hỏng (phần '\(name)': \(error.description)).") }
                guard let event else { break }
                try body(event)
            }
        }

        // The workbook part, from the package relationships (xl/workbook.xml by convention).
        var workbookPath = "xl/workbook.xml"
        try events("_rels/.rels") { event throws(Failure) in
            if case .start("Relationship", let a, _) = event, a["Type"]?.hasSuffix("/officeDocument") == true, let target = a["Target"] {
                workbookPath = target.hasPrefix("/") ? String(target.dropFirst()) : target
            }
        }
        guard zip.entries[workbookPath] != nil else {
            throw Failure(message: "Tệp không phải bảng tính Excel .xlsx (không có phần workbook; tệp .docx hay .zip khác?).")
        }
        let base = workbookPath.split(separator: "/").dropLast().joined(separator: "/")
        func resolve(_ target: String) -> String {
            if target.hasPrefix("/") { return String(target.dropFirst()) }
            var parts = base.isEmpty ? [] : base.split(separator: "/").map(String.init)
            for piece in target.split(separator: "/") {
                if piece == ".." { _ = parts.popLast() } else if piece != "." { parts.append(String(piece)) }
            }
            return parts.joined(separator: "/")
        }
        var sheets: [(name: String, rel: String)] = []
        var date1904 = false
        try events(workbookPath) { event throws(Failure) in
            guard case .start(let name, let a, _) = event else { return }
            if name == "sheet", let sheetName = a["name"], let rel = a["id"] ?? a.first(where: { $0.key.hasSuffix(":id") })?.value {
                sheets.append((sheetName, rel))
            }
            if name == "workbookPr", let v = a["date1904"] { date1904 = v == "1" || v == "true" }
        }
        var relations: [String: String] = [:]
        var sharedStringsPath = resolve("sharedStrings.xml"), stylesPath = resolve("styles.xml")
        let relsPath = (base.isEmpty ? "" : base + "/") + "_rels/" + (workbookPath.split(separator: "/").last.map(String.init) ?? "workbook.xml") + ".rels"
        try events(relsPath) { event throws(Failure) in
            guard case .start("Relationship", let a, _) = event, let id = a["Id"], let target = a["Target"] else { return }
            relations[id] = resolve(target)
            if a["Type"]?.hasSuffix("/sharedStrings") == true { sharedStringsPath = resolve(target) }
            if a["Type"]?.hasSuffix("/styles") == true { stylesPath = resolve(target) }
        }
        guard !sheets.isEmpty else { throw Failure(message: "Bảng tính không có trang tính nào.") }
        let chosen: (name: String, rel: String)
        if let wanted, !wanted.isEmpty {
            guard let found = sheets.first(where: { VietnameseText.fold($0.name) == VietnameseText.fold(wanted) }) else {
                throw Failure(code: "sheet_not_found", message: "Bảng tính không có trang tính '\(wanted)'; các trang có: \(sheets.map(\.name).joined(separator: ", ")).")
            }
            chosen = found
        } else {
            chosen = sheets[0]
        }
        guard let sheetPath = relations[chosen.rel], zip.entries[sheetPath] != nil else {
            throw Failure(message: "Tệp .xlsx bị hỏng (không tìm thấy trang tính '\(chosen.name)').")
        }

        let strings = try sharedStrings(sharedStringsPath, events)
        let dateStyles = try self.dateStyles(stylesPath, events)

        // The sheet's cells.
        var rows: [SheetRow] = []
        var row: SheetRow?
        var cell: (column: Int, type: String, style: Int)?
        var nextColumn = 0
        var value: String?
        var inline = ""
        var inValue = false, inInlineText = false, inPhonetic = false
        func finishCell() throws(Failure) {
            guard let c = cell, row != nil else { return }
            let content: SheetCell
            switch c.type {
            case "s":
                guard let v = value, let index = Int(v.trimmingCharacters(in: .whitespaces)), strings.indices.contains(index) else {
                    throw Failure(message: "Tệp .xlsx bị hỏng (ô tham chiếu chuỗi không có).")
                }
                content = strings[index].isEmpty ? .empty : .text(strings[index])
            case "inlineStr": content = inline.isEmpty ? .empty : .text(inline)
            case "str", "e": content = (value ?? "").isEmpty ? .empty : .text(Self.unescape(value ?? ""))
            case "b": content = .bool(value?.trimmingCharacters(in: .whitespaces) == "1")
            case "d":
                let text = value ?? ""
                content = CalendarDate(iso: String(text.prefix(10))).map { .text($0.display) } ?? (text.isEmpty ? .empty : .text(text))
            default:
                if let v = value?.trimmingCharacters(in: .whitespaces), !v.isEmpty {
                    guard let n = Double(v) else { throw Failure(message: "Tệp .xlsx bị hỏng (ô số '\(v)' không đọc được).") }
                    content = .number(n, isDate: dateStyles.contains(c.style))
                } else {
                    content = .empty
                }
            }
            if case .empty = content { return }
            while row!.cells.count < c.column { row!.cells.append(.empty) }
            if row!.cells.count == c.column { row!.cells.append(content) } else { row!.cells[c.column] = content }
        }
        try events(sheetPath) { event throws(Failure) in
            switch event {
            case .start("row", let a, let selfClosing):
                let number = a["r"].flatMap(Int.init) ?? ((rows.last?.number ?? 0) + 1)
                row = SheetRow(number: number, cells: [])
                nextColumn = 0
                if selfClosing { row = nil }
            case .end("row"):
                if let r = row {
                    guard rows.count < maxRows else {
                        throw Failure(message: "Trang tính có quá \(maxRows) dòng; hãy chia nhỏ bảng tính.")
                    }
                    if !r.cells.isEmpty { rows.append(r) }
                }
                row = nil
            case .start("c", let a, let selfClosing):
                let column = a["r"].flatMap(Self.columnIndex) ?? nextColumn
                guard column < maxColumns else { throw Failure(message: "Trang tính có quá \(maxColumns) cột; đây không phải danh sách cán bộ.") }
                nextColumn = column + 1
                cell = (column, a["t"] ?? "n", a["s"].flatMap(Int.init) ?? 0)
                value = nil
                inline = ""
                if selfClosing { cell = nil }
            case .end("c"):
                try finishCell()
                cell = nil
            case .start("v", _, let selfClosing): inValue = !selfClosing
            case .end("v"): inValue = false
            case .start("rPh", _, _): inPhonetic = true
            case .end("rPh"): inPhonetic = false
            case .start("t", _, let selfClosing): inInlineText = cell != nil && !selfClosing
            case .end("t"): inInlineText = false
            case .text(let t):
                if inValue { value = (value ?? "") + t }
                else if inInlineText && !inPhonetic { inline += Self.unescape(t) }
            default: break
            }
        }
        return Sheet(name: chosen.name, sheetNames: sheets.map(\.name), date1904: date1904, rows: rows)
    }

    /// The shared string table: each `<si>`'s text runs joined, phonetic runs left out.
    static func sharedStrings(_ path: String, _ events: (String, (XMLScanner.Event) throws(Failure) -> Void) throws(Failure) -> Void) throws(Failure) -> [String] {
        var strings: [String] = []
        var current: String?
        var inText = false, inPhonetic = false
        try events(path) { event throws(Failure) in
            switch event {
            case .start("si", _, let selfClosing):
                current = ""
                if selfClosing { strings.append(""); current = nil }
            case .end("si"):
                strings.append(current ?? "")
                current = nil
            case .start("rPh", _, _): inPhonetic = true
            case .end("rPh"): inPhonetic = false
            case .start("t", _, let selfClosing): inText = !selfClosing
            case .end("t"): inText = false
            case .text(let t): if inText && !inPhonetic && current != nil { current! += unescape(t) }
            default: break
            }
        }
        return strings
    }

    /// The indexes of `cellXfs` styles whose number format shows a date.
    static func dateStyles(_ path: String, _ events: (String, (XMLScanner.Event) throws(Failure) -> Void) throws(Failure) -> Void) throws(Failure) -> Set<Int> {
        var formats: [Int: String] = [:]
        var styleFormats: [Int] = []
        var inCellXfs = false
        try events(path) { event throws(Failure) in
            switch event {
            case .start("numFmt", let a, _):
                if let id = a["numFmtId"].flatMap(Int.init), let code = a["formatCode"] { formats[id] = code }
            case .start("cellXfs", _, _): inCellXfs = true
            case .end("cellXfs"): inCellXfs = false
            case .start("xf", let a, _) where inCellXfs: styleFormats.append(a["numFmtId"].flatMap(Int.init) ?? 0)
            default: break
            }
        }
        var dates: Set<Int> = []
        for (index, id) in styleFormats.enumerated() where isDateFormat(id: id, code: formats[id]) { dates.insert(index) }
        return dates
    }

    /// Built-in date formats (ECMA-376 §18.8.30: 14-22, and 27-36, 50-58 in East Asian
    /// locales) or a custom format with a date or time part outside quotes and brackets.
    static func isDateFormat(id: Int, code: String?) -> Bool {
        if (14...22).contains(id) || (27...36).contains(id) || (45...47).contains(id) || (50...58).contains(id) { return true }
        guard let code else { return false }
        var inQuote = false, inBracket = false, escaped = false
        for ch in code.lowercased() {
            if escaped { escaped = false; continue }
            switch ch {
            case "\\": escaped = true
            case "\"": inQuote.toggle()
            case "[": if !inQuote { inBracket = true }
            case "]": if !inQuote { inBracket = false }
            case "d", "m", "y", "h", "s": if !inQuote && !inBracket { return true }
            default: break
            }
        }
        return false
    }

    /// `A` → 0, `AB` → 27, from a cell reference such as `AB12`.
    static func columnIndex(_ reference: String) -> Int? {
        var n = 0, letters = 0
        for u in reference.utf8 {
            if u >= 65 && u <= 90 { n = n * 26 + Int(u - 64) } else if u >= 97 && u <= 122 { n = n * 26 + Int(u - 96) } else { break }
            letters += 1
            if letters > 3 { return nil }
        }
        return letters == 0 ? nil : n - 1
    }

    /// Decodes `_xHHHH_` escapes (ST_Xstring: characters XML cannot carry, such as CR).
    static func unescape(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        var out = ""
        var rest = Substring(text)
        while let range = rest.range(of: "_x") {
            out += rest[..<range.lowerBound]
            let after = rest[range.upperBound...]
            if after.count >= 5, after[after.index(after.startIndex, offsetBy: 4)] == "_",
               let v = UInt32(after.prefix(4), radix: 16), let scalar = Unicode.Scalar(v) {
                out.unicodeScalars.append(scalar)
                rest = after.dropFirst(5)
            } else {
                out += "_x"
                rest = after
            }
        }
        return out + rest
    }
}
