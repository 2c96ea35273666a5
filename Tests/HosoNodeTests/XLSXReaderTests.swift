import Foundation
import HosoDomain
@testable import HosoNode
import Testing

/// The XLSX reader: hoso's own workbooks read back, a workbook built by hand the way
/// Excel writes them (shared strings, rich text, styles, date formats, namespace
/// prefixes, several sheets), and damaged files refused with a clear message.
@Suite struct XLSXReaderTests {
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    /// A workbook as Excel writes it: two sheets, the list on the second.
    static func handBuiltWorkbook(date1904: Bool = false) throws -> [UInt8] {
        var zip = ZipArchive()
        try zip.add("[Content_Types].xml", Array("<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>".utf8))
        try zip.add("_rels/.rels", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" \
            Type="\(rel)/officeDocument" Target="/xl/workbook.xml"/></Relationships>
            """.utf8))
        try zip.add("xl/workbook.xml", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <!-- written by a spreadsheet program -->
            <workbook xmlns="\(main)" xmlns:r="\(rel)"><workbookPr date1904="\(date1904 ? 1 : 0)"/>
            <sheets><sheet name="Hướng dẫn" sheetId="1" r:id="rId1"/><sheet name="Danh sách" sheetId="2" r:id="rId2"/></sheets></workbook>
            """.utf8))
        try zip.add("xl/_rels/workbook.xml.rels", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="\(rel)/worksheet" Target="worksheets/sheet1.xml"/>\
            <Relationship Id="rId2" Type="\(rel)/worksheet" Target="worksheets/sheet2.xml"/>\
            <Relationship Id="rId3" Type="\(rel)/sharedStrings" Target="sharedStrings.xml"/>\
            <Relationship Id="rId4" Type="\(rel)/styles" Target="styles.xml"/></Relationships>
            """.utf8))
        try zip.add("xl/sharedStrings.xml", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <sst xmlns="\(main)" count="7" uniqueCount="7">\
            <si><t>DANH SÁCH CÁN BỘ &amp; CÔNG CHỨC</t></si>\
            <si><t>Họ và tên</t></si>\
            <si><r><rPr><b/></rPr><t xml:space="preserve">Ngày </t></r><r><t>sinh</t></r></si>\
            <si><t>Nguyễn Văn An</t><rPh sb="0" eb="1"><t>phiên âm</t></rPh></si>\
            <si><t>Số CCCD</t></si>\
            <si><t>Ghi chú dòng 1_x000D_\ndòng 2</t></si>\
            <si/></sst>
            """.utf8))
        try zip.add("xl/styles.xml", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="\(main)"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy;@"/></numFmts>\
            <cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/>\
            <xf numFmtId="2"/></cellXfs></styleSheet>
            """.utf8))
        try zip.add("xl/worksheets/sheet1.xml", Array("<worksheet xmlns=\"\(main)\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Đọc trang Danh sách</t></is></c></row></sheetData></worksheet>".utf8))
        try zip.add("xl/worksheets/sheet2.xml", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <x:worksheet xmlns:x="\(main)"><x:sheetData>\
            <x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row>\
            <x:row r="3"><x:c r="A3" t="s"><x:v>1</x:v></x:c><x:c r="B3" t="s"><x:v>2</x:v></x:c><x:c r="D3" t="s"><x:v>4</x:v></x:c></x:row>\
            <x:row r="4"><x:c r="A4" t="s"><x:v>3</x:v></x:c><x:c r="B4" s="1"><x:v>31149</x:v></x:c>\
            <x:c r="C4" t="str"><x:f>IF(1,"Nam","Nữ")</x:f><x:v>Nam</x:v></x:c><x:c r="D4"><x:v>87085012345</x:v></x:c>\
            <x:c r="E4" t="inlineStr"><x:is><x:t>Chuyên viên &lt;chính&gt; &#7855;</x:t></x:is></x:c><x:c r="F4" t="b"><x:v>1</x:v></x:c>\
            <x:c><x:v>2.67</x:v></x:c><x:c r="H4" s="3"><x:v>3</x:v></x:c><x:c r="I4" s="2"><x:v>45000</x:v></x:c>\
            <x:c r="J4" t="s"><x:v>5</x:v></x:c><x:c r="K4" t="s"><x:v>6</x:v></x:c><x:c r="L4" t="e"><x:v>#N/A</x:v></x:c></x:row>\
            <x:row r="5"/></x:sheetData></x:worksheet>
            """.utf8))
        return zip.finish()
    }

    @Test func readsAWorkbookAsExcelWritesIt() throws {
        let sheet = try XLSXReader.read(try Self.handBuiltWorkbook(), sheet: "danh sach")
        #expect(sheet.name == "Danh sách")
        #expect(sheet.sheetNames == ["Hướng dẫn", "Danh sách"])
        #expect(sheet.rows.map(\.number) == [1, 3, 4], "empty rows are not rows")
        #expect(sheet.rows[0][column: 0] == .text("DANH SÁCH CÁN BỘ & CÔNG CHỨC"))
        #expect(sheet.rows[1].cells == [.text("Họ và tên"), .text("Ngày sinh"), .empty, .text("Số CCCD")], "rich text runs joined")
        let data = sheet.rows[2]
        #expect(data[column: 0] == .text("Nguyễn Văn An"), "phonetic runs left out")
        #expect(data[column: 1] == .number(31149, isDate: true), "built-in date format 14")
        #expect(data[column: 2] == .text("Nam"), "a formula's cached string")
        #expect(data[column: 3] == .number(87085012345, isDate: false))
        #expect(data[column: 4] == .text("Chuyên viên <chính> ắ"), "entities and character references")
        #expect(data[column: 5] == .bool(true))
        #expect(data[column: 6] == .number(2.67, isDate: false), "a cell without a reference follows the previous one")
        #expect(data[column: 7] == .number(3, isDate: false), "format 0.00 is not a date")
        #expect(data[column: 8] == .number(45000, isDate: true), "custom format dd/mm/yyyy is a date")
        #expect(data[column: 9] == .text("Ghi chú dòng 1\r\ndòng 2"), "_x000D_ escapes decoded")
        #expect(data[column: 10] == .empty)
        #expect(data[column: 11] == .text("#N/A"))
        #expect(try XLSXReader.read(try Self.handBuiltWorkbook()).name == "Hướng dẫn", "the first sheet by default")
        #expect(try XLSXReader.read(try Self.handBuiltWorkbook(date1904: true), sheet: "Danh sách").date1904)
    }

    @Test func readsBackWhatHosoWrites() throws {
        var sheet = XLSXSheet()
        let rows: [[ReportCell]] = [
            [.text("STT"), .text("Họ và tên"), .text("Bậc"), .text("Hệ số"), .text("Ghi chú")],
            [.int(1), .text("Trần Thị Bình <\"&\">"), .int(3), .decimal(2.67), .empty],
            [.int(2), .text("Lê Văn Cường"), .int(12), .decimal(4.06), .text("dòng 1\ndòng 2")],
        ]
        sheet.addRow(rows[0], style: .header)
        for row in rows.dropFirst() { sheet.addRow(row, style: .body, kinds: [.integer, .text, .integer, .decimal, .text]) }
        let read = try XLSXReader.read(try XLSXWriter.workbook(sheetName: "Danh sách cán bộ", sheet: sheet))
        #expect(read.name == "Danh sách cán bộ")
        #expect(read.rows.count == 3)
        for (written, got) in zip(rows, read.rows) {
            let expected: [SheetCell] = written.map {
                switch $0 {
                case .text(let t): .text(t)
                case .int(let n): .number(Double(n), isDate: false)
                case .decimal(let d): .number(d, isDate: false)
                case .empty: .empty
                }
            }
            #expect(got.cells == expected || got.cells == Array(expected.dropLast()), "\(got.cells)")
        }
    }

    @Test func damagedOrForeignFilesAreRefusedClearly() throws {
        func message(_ bytes: [UInt8], sheet: String? = nil) -> String {
            do { _ = try XLSXReader.read(bytes, sheet: sheet); return "accepted" } catch { return error.message }
        }
        #expect(message(Array("Họ và tên,Ngày sinh\n".utf8)).contains("không phải tệp nén ZIP"))
        #expect(message([]).contains("không phải"))
        var other = ZipArchive()
        try other.add("word/document.xml", Array("<w:document/>".utf8))
        #expect(message(other.finish()).contains("không có phần workbook"))
        let good = try Self.handBuiltWorkbook()
        #expect(message(Array(good.dropLast(30))).contains("không trọn"), "cut short in transit")
        // A byte changed inside the list sheet's compressed data: inflate or CRC-32 fails.
        let entry = try #require(try ZipReader(good).entries["xl/worksheets/sheet2.xml"])
        var flipped = good
        flipped[entry.localHeaderOffset + 30 + entry.name.utf8.count + entry.compressedSize / 2] ^= 0xFF
        #expect(message(flipped, sheet: "Danh sách").contains("bị hỏng"))
        do { _ = try XLSXReader.read(good, sheet: "Không có") ; Issue.record("accepted") } catch {
            #expect(error.code == "sheet_not_found")
            #expect(error.message.contains("Hướng dẫn, Danh sách"))
        }
    }

    /// A "zip bomb": a small entry that claims, or inflates to, more than the cap.
    @Test func inflatedSizesAreCapped() throws {
        var zip = ZipArchive()
        try zip.add("xl/workbook.xml", [UInt8](repeating: 0x20, count: 2_000_000))
        let reader = try ZipReader(zip.finish(), maxEntryBytes: 1_000_000)
        #expect(throws: ZipReader.Failure.self) { _ = try reader.read("xl/workbook.xml") }
    }

    @Test func xmlScannerRefusesDoctypesAndBrokenMarkup() throws {
        for text in ["<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>", "<a b=\"1></a>", "<a>&bogus;</a>", "<a><!-- open"] {
            var scanner = XMLScanner(Array(text.utf8))
            #expect(throws: XMLScanner.Failure.self, "\(text)") { while try scanner.next() != nil {} }
        }
        var scanner = XMLScanner(Array("<?xml version=\"1.0\"?><a x='1' y=\"&quot;2&quot;\"><b/>t<![CDATA[<c>]]></a>".utf8))
        var events: [XMLScanner.Event] = []
        while let e = try scanner.next() { events.append(e) }
        #expect(events == [.start(name: "a", attributes: ["x": "1", "y": "\"2\""], selfClosing: false), .start(name: "b", attributes: [:], selfClosing: true),
                           .text("t"), .text("<c>"), .end(name: "a")])
    }
}
