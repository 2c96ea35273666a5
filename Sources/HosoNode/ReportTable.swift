import Foundation
import HosoDomain

/// One column of a report.
public struct ReportColumn: Sendable, Equatable {
    public enum Kind: String, Sendable { case text, integer, decimal }
    public var key: String
    public var label: String
    public var kind: Kind

    public init(_ key: String, _ label: String, _ kind: Kind = .integer) {
        self.key = key
        self.label = label
        self.kind = kind
    }
}

/// A report's header as the forms draw it: columns grouped under spanning labels.
public indirect enum ReportHeader: Sendable {
    case column(ReportColumn)
    case group(String, [ReportHeader])

    var leaves: [ReportColumn] {
        switch self {
        case .column(let c): [c]
        case .group(_, let children): children.flatMap(\.leaves)
        }
    }

    var depth: Int {
        switch self {
        case .column: 1
        case .group(_, let children): 1 + (children.map(\.depth).max() ?? 0)
        }
    }
}

/// One cell of a report body.
public enum ReportCell: Sendable, Equatable {
    case text(String)
    case int(Int)
    case decimal(Double)
    case empty

    /// The cell as text (decimals with two digits and a comma, as Vietnamese forms print them).
    public var text: String {
        switch self {
        case .text(let s): s
        case .int(let n): String(n)
        case .decimal(let d): String(format2: d).replacingOccurrences(of: ".", with: ",")
        case .empty: ""
        }
    }

    var json: JSONValue {
        switch self {
        case .text(let s): .string(s)
        case .int(let n): .number(Double(n))
        case .decimal(let d): .number((d * 100).rounded() / 100)
        case .empty: .null
        }
    }
}

/// A finished report: title block, grouped header, body, total, notes and signatures —
/// rendered to JSON, printable HTML, CSV and XLSX from this one value.
public struct ReportTable: Sendable {
    /// Stable id (`bm01`, `custom`, `alerts`, `staffing`).
    public var id: String
    /// Form number printed at the top right (`Biểu số 01/BNV`), if any.
    public var form: String?
    /// The legal basis line under the form number.
    public var basis: String?
    public var title: String
    /// Lines under the title (reporting unit, date, unit of measure).
    public var lines: [String] = []
    public var header: [ReportHeader]
    public var rows: [[ReportCell]] = []
    public var total: [ReportCell]?
    public var notes: [String] = []
    public var signatures: [String] = []

    public init(id: String, form: String? = nil, basis: String? = nil, title: String, header: [ReportHeader]) {
        self.id = id
        self.form = form
        self.basis = basis
        self.title = title
        self.header = header
    }

    /// The leaf columns, in order.
    public var columns: [ReportColumn] { header.flatMap(\.leaves) }

    /// The value of column `key` in `row` (tests and the API read figures this way).
    public func value(_ key: String, in row: [ReportCell]) -> ReportCell? {
        columns.firstIndex { $0.key == key }.map { row[$0] }
    }

    /// Header rows as a grid of (label, column span, row span).
    func headerGrid() -> [[(label: String, colspan: Int, rowspan: Int)]] {
        let depth = header.map(\.depth).max() ?? 1
        var grid = [[(label: String, colspan: Int, rowspan: Int)]](repeating: [], count: depth)
        func place(_ node: ReportHeader, level: Int) {
            switch node {
            case .column(let c): grid[level].append((c.label, 1, depth - level))
            case .group(let label, let children):
                grid[level].append((label, node.leaves.count, 1))
                for child in children { place(child, level: level + 1) }
            }
        }
        for node in header { place(node, level: 0) }
        return grid
    }

    /// The full label of each column (group labels joined by " - "), for flat formats.
    func flatLabels() -> [String] {
        var labels: [String] = []
        func walk(_ node: ReportHeader, _ path: [String]) {
            switch node {
            case .column(let c): labels.append((path + [c.label]).joined(separator: " - "))
            case .group(let label, let children): for child in children { walk(child, path + [label]) }
            }
        }
        for node in header { walk(node, []) }
        return labels
    }

    // MARK: JSON

    public var json: JSONValue {
        var o: JSONObject = [
            "id": .string(id), "title": .string(title), "lines": .array(lines.map(JSONValue.string)),
            "columns": .array(columns.map { .object(["key": .string($0.key), "label": .string($0.label), "kind": .string($0.kind.rawValue)]) }),
            "header": .array(headerGrid().map { row in
                .array(row.map { .object(["label": .string($0.label), "colspan": .number(Double($0.colspan)), "rowspan": .number(Double($0.rowspan))]) })
            }),
            "rows": .array(rows.map { .array($0.map(\.json)) }),
            "notes": .array(notes.map(JSONValue.string)),
        ]
        if let form { o["form"] = .string(form) }
        if let basis { o["basis"] = .string(basis) }
        if let total { o["total"] = .array(total.map(\.json)) }
        return .object(o)
    }

    // MARK: CSV

    /// CSV for Excel: the title block, one header line of full column labels, the rows
    /// and the total.
    public func csv() -> [UInt8] {
        var body: [[String]] = []
        for line in [form, basis].compactMap({ $0 }) + [title] + lines { body.append([line]) }
        body.append([])
        body.append(flatLabels())
        body += rows.map { $0.map(\.text) }
        if let total { body.append(total.map(\.text)) }
        for note in notes { body.append([note]) }
        let header = body.removeFirst()
        return CSVWriter.document(header: header, rows: body)
    }

    // MARK: HTML

    /// A self-contained printable page (A4 landscape), no scripts.
    public func html(generatedAt: String) -> [UInt8] {
        var h = """
            <!DOCTYPE html>
            <html lang="vi"><head><meta charset="utf-8"><title>\(esc(title))</title>
            <style>
            @page { size: A4 landscape; margin: 12mm; }
            body { font-family: "Times New Roman", "DejaVu Serif", serif; font-size: 11pt; color: #000; margin: 16px; }
            .top { display: flex; justify-content: space-between; gap: 24px; }
            .form { text-align: right; font-style: italic; font-size: 10pt; }
            h1 { text-align: center; font-size: 14pt; margin: 14px 0 4px; text-transform: uppercase; }
            .lines { text-align: center; margin: 0 0 10px; }
            .lines p { margin: 2px 0; }
            table { border-collapse: collapse; width: 100%; font-size: 9pt; }
            th, td { border: 1px solid #000; padding: 2px 4px; }
            th { font-weight: bold; text-align: center; vertical-align: middle; }
            td.n { text-align: right; }
            tr.num th { font-weight: normal; font-style: italic; }
            tr.total td { font-weight: bold; }
            thead { display: table-header-group; }
            .notes { font-size: 9pt; margin-top: 8px; }
            .sign { display: flex; justify-content: space-around; margin-top: 24px; text-align: center; }
            .sign div { min-width: 200px; min-height: 90px; font-weight: bold; }
            .gen { font-size: 8pt; color: #555; margin-top: 12px; }
            </style></head><body>
            <div class="top"><div></div><div class="form">
            """
        if let form { h += "<div><b>\(esc(form))</b></div>" }
        if let basis { h += "<div>\(esc(basis))</div>" }
        h += "</div></div>\n<h1>\(esc(title))</h1>\n<div class=\"lines\">"
        for line in lines { h += "<p>\(esc(line))</p>" }
        h += "</div>\n<table><thead>\n"
        for row in headerGrid() {
            h += "<tr>"
            for cell in row {
                h += "<th" + (cell.colspan > 1 ? " colspan=\"\(cell.colspan)\"" : "") + (cell.rowspan > 1 ? " rowspan=\"\(cell.rowspan)\"" : "") + ">\(esc(cell.label))</th>"
            }
            h += "</tr>\n"
        }
        h += "<tr class=\"num\">" + columns.indices.map { "<th>(\($0 + 1))</th>" }.joined() + "</tr>\n</thead><tbody>\n"
        func row(_ cells: [ReportCell], _ cls: String?) {
            h += cls.map { "<tr class=\"\($0)\">" } ?? "<tr>"
            for (index, cell) in cells.enumerated() {
                let numeric = columns[index].kind != .text
                h += (numeric ? "<td class=\"n\">" : "<td>") + esc(cell.text) + "</td>"
            }
            h += "</tr>\n"
        }
        for cells in rows { row(cells, nil) }
        if let total { row(total, "total") }
        h += "</tbody></table>\n"
        if !notes.isEmpty { h += "<div class=\"notes\">" + notes.map { "<p>\(esc($0))</p>" }.joined() + "</div>" }
        if !signatures.isEmpty { h += "<div class=\"sign\">" + signatures.map { "<div>\(esc($0))</div>" }.joined() + "</div>" }
        h += "<p class=\"gen\">Lập bằng hoso lúc \(esc(generatedAt)).</p></body></html>\n"
        return Array(h.utf8)
    }

    private func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    // MARK: XLSX

    /// An Office Open XML workbook (ECMA-376) with one sheet: title block, merged
    /// header cells, numbers as numbers, borders, frozen header, A4 landscape.
    public func xlsx(sheetName: String) throws -> [UInt8] {
        var sheet = XLSXSheet()
        let width = max(columns.count, 1)
        for line in [form, basis].compactMap({ $0 }) { sheet.addRow([.text(line)], style: .note, mergeAcross: width) }
        sheet.addRow([.text(title)], style: .title, mergeAcross: width)
        for line in lines { sheet.addRow([.text(line)], style: .centered, mergeAcross: width) }
        sheet.addRow([], style: .body)
        let grid = headerGrid()
        let headerTop = sheet.rowCount + 1
        var occupied = Set<[Int]>()
        for (level, cells) in grid.enumerated() {
            let r = headerTop + level
            var values = [ReportCell](repeating: .empty, count: width)
            var column = 0
            for cell in cells {
                while occupied.contains([r, column]) { column += 1 }
                values[column] = .text(cell.label)
                for dr in 0..<cell.rowspan { for dc in 0..<cell.colspan { occupied.insert([r + dr, column + dc]) } }
                if cell.colspan > 1 || cell.rowspan > 1 { sheet.merge(row: r, column: column, rows: cell.rowspan, columns: cell.colspan) }
                column += cell.colspan
            }
            sheet.addRow(values, style: .header)
        }
        sheet.addRow(columns.indices.map { .text("(\($0 + 1))") }, style: .header)
        sheet.freezeRows = sheet.rowCount
        let kinds = columns.map(\.kind)
        for cells in rows { sheet.addRow(cells, style: .body, kinds: kinds) }
        if let total { sheet.addRow(total, style: .total, kinds: kinds) }
        for note in notes { sheet.addRow([.text(note)], style: .note, mergeAcross: width) }
        if !signatures.isEmpty {
            sheet.addRow([], style: .body)
            var cells = [ReportCell](repeating: .empty, count: width)
            for (index, signature) in signatures.enumerated() { cells[min(width - 1, index * max(1, width / signatures.count))] = .text(signature) }
            sheet.addRow(cells, style: .signature)
        }
        sheet.widths = columns.enumerated().map { index, column in
            if column.kind != .text { return 8 }
            let longest = rows.prefix(500).map { $0[index].text.count }.max() ?? 10
            return Double(min(40, max(12, longest + 2)))
        }
        return try XLSXWriter.workbook(sheetName: sheetName, sheet: sheet)
    }
}
