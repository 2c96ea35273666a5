import Foundation
import HosoDomain

/// How a spreadsheet import runs (`POST /api/imports` with a CSV or XLSX body,
/// `hoso import`).
public struct SpreadsheetImportOptions: Sendable {
    public enum Format: String, Sendable, CaseIterable { case csv, xlsx }
    /// What happens to a row whose personal id already has a dossier.
    public enum Existing: String, Sendable, CaseIterable {
        /// Its non-empty cells change the dossier (empty cells leave fields as they are).
        case update
        /// The row is left out; the dossier is not touched.
        case skip
    }

    public var format: Format
    /// False: a dry run (validate and report, write nothing). True: write every row in one
    /// transaction, or nothing if any row has an error.
    public var commit: Bool
    /// The unit of rows without a unit column (or with the cell empty).
    public var defaultUnitID: String?
    /// The XLSX worksheet to read (default: the first).
    public var sheet: String?
    public var existing: Existing
    /// The uploaded file's name, for the audit log.
    public var fileName: String?

    public init(format: Format, commit: Bool = false, defaultUnitID: String? = nil, sheet: String? = nil,
                existing: Existing = .update, fileName: String? = nil) {
        self.format = format
        self.commit = commit
        self.defaultUnitID = defaultUnitID
        self.sheet = sheet
        self.existing = existing
        self.fileName = fileName
    }

    /// The largest file accepted: the HTTP body limit, for the command line too.
    public static let maxFileBytes = 8 << 20
    /// The most data rows in one file.
    public static let maxRows = 20_000
    /// The XLSX media type.
    public static let xlsxMediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    /// The format of a file from its first bytes: a ZIP archive is a workbook, anything
    /// else is read as CSV.
    public static func sniff(_ bytes: [UInt8]) -> Format {
        bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) ? .xlsx : .csv
    }
}

/// The rows of an uploaded file, and where its header is.
struct ImportTable {
    var format: SpreadsheetImportOptions.Format
    var sheet: String?
    var date1904 = false
    var rows: [SheetRow]

    /// Reads `bytes` as `format`; a file that cannot be read is a 400 saying why, one
    /// too large a 413.
    static func read(_ bytes: [UInt8], format declared: SpreadsheetImportOptions.Format, sheet: String?) throws -> ImportTable {
        guard bytes.count <= SpreadsheetImportOptions.maxFileBytes else {
            throw NodeError(.payloadTooLarge, "file_too_large",
                            "Tệp lớn quá \(SpreadsheetImportOptions.maxFileBytes >> 20) MB; hãy chia thành nhiều tệp (mỗi tệp tối đa \(SpreadsheetImportOptions.maxRows) dòng).")
        }
        guard !bytes.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { throw NodeError.badRequest("empty_file", "Tệp rỗng, không có dòng nào.") }
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw NodeError.badRequest("unsupported_format", "Tệp Excel 97-2003 (.xls) không được hỗ trợ; hãy mở bằng Excel và lưu lại dạng .xlsx hoặc CSV UTF-8.")
        }
        // A workbook sent as CSV (a renamed file) is still a workbook.
        let format = SpreadsheetImportOptions.sniff(bytes) == .xlsx ? .xlsx : declared
        var table: ImportTable
        switch format {
        case .csv:
            let parsed: (separator: Character, records: [CSVReader.Record])
            do { parsed = try CSVReader.parse(bytes) } catch { throw NodeError.badRequest("invalid_csv", error.message) }
            table = ImportTable(format: .csv, rows: parsed.records.map { record in
                SheetRow(number: record.row, cells: record.fields.map { $0.isEmpty ? .empty : .text($0) })
            })
        case .xlsx:
            do {
                let sheet = try XLSXReader.read(bytes, sheet: sheet, maxRows: SpreadsheetImportOptions.maxRows + 50)
                table = ImportTable(format: .xlsx, sheet: sheet.name, date1904: sheet.date1904, rows: sheet.rows)
            } catch {
                throw NodeError.badRequest(error.code, error.message)
            }
        }
        table.rows.removeAll { $0.isBlank }
        if table.rows.count > SpreadsheetImportOptions.maxRows + 1 {
            throw NodeError(.payloadTooLarge, "too_many_rows",
                            "Tệp có \(table.rows.count) dòng; mỗi lần nhập tối đa \(SpreadsheetImportOptions.maxRows) dòng — hãy chia nhỏ tệp.")
        }
        return table
    }
}

/// The header row of an import and what each of its columns holds.
struct ImportHeader {
    /// Index of the header in `ImportTable.rows`.
    var index: Int
    var number: Int
    /// Column index → the header text.
    var headers: [Int: String]
    /// Field name → its column.
    var fieldColumns: [String: Int]
    /// Columns naming the unit, in order.
    var unitColumns: [Int]
    var columns: [ImportColumnReport]
    var errors: [ImportIssue]
    var warnings: [ImportIssue]

    /// How many of the first rows are looked at for the header (title rows such as
    /// "DANH SÁCH CÁN BỘ, CÔNG CHỨC …" often come before it).
    static let searchDepth = 15

    /// The first row that names at least two known columns, one of them the personal id
    /// or the full name; nil when there is none.
    static func find(in rows: [SheetRow]) -> ImportHeader? {
        for (index, row) in rows.prefix(searchDepth).enumerated() {
            let targets = row.cells.map { cell -> ImportColumns.Target? in
                guard case .text(let t) = cell else { return nil }
                return ImportColumns.target(ofHeader: t)
            }
            let known = targets.compactMap { $0 }
            let names = known.contains { if case .field(let f) = $0 { return f.name == "personal_id" || f.name == "full_name" }; return false }
            if known.count >= 2 && names { return make(index: index, row: row, targets: targets) }
        }
        return nil
    }

    static func make(index: Int, row: SheetRow, targets: [ImportColumns.Target?]) -> ImportHeader {
        var header = ImportHeader(index: index, number: row.number, headers: [:], fieldColumns: [:], unitColumns: [],
                                  columns: [], errors: [], warnings: [])
        for (column, cell) in row.cells.enumerated() {
            let text = cell.displayText.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { continue }
            let letter = XLSXSheet.columnName(column)
            header.headers[column] = text
            switch targets[column] {
            case .field(let field)?:
                if let other = header.fieldColumns[field.name] {
                    header.errors.append(ImportIssue(row: row.number, column: letter, header: text, field: field.name, code: "duplicate_column",
                                                     message: "Cột \(XLSXSheet.columnName(other)) và cột \(letter) cùng là '\(field.label)'; hãy giữ một cột."))
                } else {
                    header.fieldColumns[field.name] = column
                }
                header.columns.append(ImportColumnReport(column: letter, header: text, field: field.name, label: field.label, status: "field"))
            case .unit?:
                header.unitColumns.append(column)
                header.columns.append(ImportColumnReport(column: letter, header: text, field: nil, label: "Đơn vị quản lý hồ sơ", status: "unit"))
            case .ignored?:
                header.columns.append(ImportColumnReport(column: letter, header: text, field: nil, label: nil, status: "ignored"))
            case nil:
                header.columns.append(ImportColumnReport(column: letter, header: text, field: nil, label: nil, status: "unknown"))
                header.warnings.append(ImportIssue(row: row.number, column: letter, header: text, field: nil, code: "unknown_column",
                                                   message: "Cột '\(text)' không khớp trường nào của hồ sơ 2C; bỏ qua khi nhập."))
            }
        }
        if header.fieldColumns["personal_id"] == nil {
            header.errors.append(ImportIssue(row: row.number, column: nil, header: "Số định danh cá nhân", field: "personal_id", code: "missing_column",
                                             message: "Thiếu cột số định danh cá nhân (Số CCCD): hồ sơ được nhận diện theo số này (NĐ 27/2026), để nhập lại không tạo trùng."))
        }
        let creating = ["full_name", "birth_date", "sex"].filter { header.fieldColumns[$0] == nil }
        if !creating.isEmpty {
            let labels = creating.compactMap { DossierSchema.person.field($0)?.label }.joined(separator: ", ")
            header.warnings.append(ImportIssue(row: row.number, column: nil, header: nil, field: nil, code: "update_only",
                                               message: "Tệp không có cột \(labels): chỉ cập nhật được hồ sơ đã có, không tạo hồ sơ mới."))
        }
        return header
    }
}
