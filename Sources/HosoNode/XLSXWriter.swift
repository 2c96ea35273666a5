import Foundation

/// One worksheet being built: rows of cells with a style each, merged ranges, column
/// widths and a frozen header.
struct XLSXSheet {
    /// The cell styles of `styles.xml`, by index (`cellXfs`).
    enum Style: Int {
        case body = 0, title = 1, centered = 2, header = 3, cell = 4, number = 5, decimal = 6, total = 7, totalNumber = 8, note = 9, signature = 10
    }

    private(set) var xml = ""
    private(set) var rowCount = 0
    private var merges: [String] = []
    var widths: [Double] = []
    var freezeRows = 0

    /// Appends a row. `mergeAcross` merges its first cell over that many columns;
    /// `kinds` tells which cells are numbers (body and total rows).
    mutating func addRow(_ cells: [ReportCell], style: Style, mergeAcross: Int = 0, kinds: [ReportColumn.Kind] = []) {
        rowCount += 1
        let r = rowCount
        xml += "<row r=\"\(r)\">"
        for (index, cell) in cells.enumerated() {
            let ref = Self.columnName(index) + String(r)
            var s = style
            if style == .body { s = .cell }
            let numeric = index < kinds.count && kinds[index] != .text
            if numeric { s = style == .total ? .totalNumber : (kinds[index] == .decimal ? .decimal : .number) }
            switch cell {
            case .int(let n): xml += "<c r=\"\(ref)\" s=\"\(s.rawValue)\"><v>\(n)</v></c>"
            case .decimal(let d): xml += "<c r=\"\(ref)\" s=\"\(s.rawValue)\"><v>\((d * 100).rounded() / 100)</v></c>"
            case .text(let t): xml += "<c r=\"\(ref)\" s=\"\(s.rawValue)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(Self.escape(t))</t></is></c>"
            case .empty:
                if style == .header || style == .body || style == .total { xml += "<c r=\"\(ref)\" s=\"\(s.rawValue)\"/>" }
            }
        }
        xml += "</row>"
        if mergeAcross > 1 { merge(row: r, column: 0, rows: 1, columns: mergeAcross) }
    }

    mutating func merge(row: Int, column: Int, rows: Int, columns: Int) {
        merges.append("\(Self.columnName(column))\(row):\(Self.columnName(column + columns - 1))\(row + rows - 1)")
    }

    /// `A`, `B`, ..., `Z`, `AA`, ...
    static func columnName(_ index: Int) -> String {
        var n = index + 1, name = ""
        while n > 0 {
            let r = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + r))) + name
            n = (n - 1) / 26
        }
        return name
    }

    /// XML text: escapes markup and drops the control characters XML 1.0 forbids.
    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(ch)
            default: if ch.value >= 0x20 && ch.value != 0xFFFE && ch.value != 0xFFFF { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    var document: String {
        var d = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>
            """
        if freezeRows > 0 {
            d += "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"\(freezeRows)\" topLeftCell=\"A\(freezeRows + 1)\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>"
        }
        if !widths.isEmpty {
            d += "<cols>" + widths.enumerated().map { "<col min=\"\($0 + 1)\" max=\"\($0 + 1)\" width=\"\($1)\" customWidth=\"1\"/>" }.joined() + "</cols>"
        }
        d += "<sheetData>" + xml + "</sheetData>"
        if !merges.isEmpty { d += "<mergeCells count=\"\(merges.count)\">" + merges.map { "<mergeCell ref=\"\($0)\"/>" }.joined() + "</mergeCells>" }
        d += "<pageMargins left=\"0.4\" right=\"0.4\" top=\"0.5\" bottom=\"0.5\" header=\"0.3\" footer=\"0.3\"/>"
        d += "<pageSetup paperSize=\"9\" orientation=\"landscape\" fitToWidth=\"1\" fitToHeight=\"0\"/></worksheet>"
        return d
    }
}

/// Writes an XLSX package: content types, relationships, workbook, styles, one sheet.
enum XLSXWriter {
    static func workbook(sheetName: String, sheet: XLSXSheet) throws -> [UInt8] {
        // Sheet names: at most 31 characters, none of []:*?/\ .
        let name = String(sheetName.filter { !"[]:*?/\\".contains($0) }.prefix(31))
        var zip = ZipArchive()
        try zip.add("[Content_Types].xml", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
            <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
            </Types>
            """.utf8))
        try zip.add("_rels/.rels", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """.utf8))
        try zip.add("xl/workbook.xml", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <sheets><sheet name="\(XLSXSheet.escape(name.isEmpty ? "Sheet1" : name))" sheetId="1" r:id="rId1"/></sheets></workbook>
            """.utf8))
        try zip.add("xl/_rels/workbook.xml.rels", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
            <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
            </Relationships>
            """.utf8))
        try zip.add("xl/styles.xml", Array(styles.utf8))
        try zip.add("xl/worksheets/sheet1.xml", Array(sheet.document.utf8))
        return zip.finish()
    }

    /// Fonts: 0 normal, 1 bold, 2 bold 14pt, 3 italic. Borders: 0 none, 1 thin.
    /// `cellXfs` in the order of `XLSXSheet.Style`.
    static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <fonts count="4"><font><sz val="11"/><name val="Times New Roman"/></font>\
        <font><b/><sz val="11"/><name val="Times New Roman"/></font>\
        <font><b/><sz val="14"/><name val="Times New Roman"/></font>\
        <font><i/><sz val="10"/><name val="Times New Roman"/></font></fonts>\
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
        <borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>\
        <border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="11">\
        <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment horizontal="center"/></xf>\
        <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment horizontal="center"/></xf>\
        <xf numFmtId="0" fontId="1" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>\
        <xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>\
        <xf numFmtId="1" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>\
        <xf numFmtId="2" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>\
        <xf numFmtId="0" fontId="1" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1"/>\
        <xf numFmtId="1" fontId="1" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyFont="1" applyBorder="1"/>\
        <xf numFmtId="0" fontId="3" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
        <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment horizontal="center"/></xf>\
        </cellXfs>\
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
        </styleSheet>
        """
}
