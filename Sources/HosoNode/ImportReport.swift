import HosoDomain

/// What a spreadsheet import found (dry run) or did (commit): for every data row its
/// outcome and its problems by column, problems of the file as a whole, and totals.
/// Messages are Vietnamese; rows and columns are numbered as the user's spreadsheet
/// program shows them (row 5, column C).
public struct ImportReport: Codable, Sendable, Equatable {
    /// `csv` or `xlsx`.
    public var format: String
    /// The worksheet read (XLSX).
    public var sheet: String?
    public var dry_run: Bool
    /// True when the rows were written (commit without any error).
    public var committed: Bool
    /// What happens to a row whose personal id already has a dossier: `update` or `skip`.
    public var existing: String
    /// The row recognised as the header (nil when none was).
    public var header_row: Int?
    public var columns: [ImportColumnReport]
    public var totals: ImportTotals
    /// Problems of the file as a whole (missing columns, no header row); warnings about
    /// columns that are not imported are here too, with code `unknown_column`.
    public var file_errors: [ImportIssue]
    public var file_warnings: [ImportIssue]
    public var rows: [ImportRowReport]

    /// True when nothing stops a commit.
    public var isClean: Bool { file_errors.isEmpty && totals.invalid == 0 }

    /// The report as a CSV a user opens in Excel: one line per problem (errors, then
    /// warnings), with the row, column, header, kind and message.
    public func problemsCSV() -> [UInt8] {
        var lines: [[String]] = []
        for issue in file_errors { lines.append(["", issue.column ?? "", issue.header ?? "", "Lỗi", issue.message]) }
        for row in rows {
            for issue in row.errors { lines.append([String(row.row), issue.column ?? "", issue.header ?? "", "Lỗi", issue.message]) }
        }
        for issue in file_warnings { lines.append(["", issue.column ?? "", issue.header ?? "", "Lưu ý", issue.message]) }
        for row in rows {
            for issue in row.warnings { lines.append([String(row.row), issue.column ?? "", issue.header ?? "", "Lưu ý", issue.message]) }
        }
        return CSVWriter.document(header: ["Dòng", "Cột", "Tiêu đề cột", "Loại", "Nội dung"], rows: lines)
    }

    /// A plain-text summary for the command line: totals, then every problem.
    public func text() -> String {
        var out = dry_run ? "Kiểm tra thử (chưa ghi gì)" : (committed ? "Đã nhập" : "Không nhập (có lỗi, chưa ghi gì)")
        out += " — tệp \(format.uppercased())\(sheet.map { ", trang \($0)" } ?? "")\(header_row.map { ", dòng tiêu đề \($0)" } ?? "")\n"
        let t = totals
        out += "Số dòng dữ liệu: \(t.rows); hợp lệ: \(t.valid); có lỗi: \(t.invalid)\n"
        out += "Tạo mới: \(t.create); cập nhật: \(t.update); không đổi: \(t.unchanged); bỏ qua: \(t.skip); lỗi: \(t.errors); lưu ý: \(t.warnings)\n"
        for issue in file_errors { out += "Lỗi của tệp\(issue.columnText): \(issue.message)\n" }
        for issue in file_warnings { out += "Lưu ý\(issue.columnText): \(issue.message)\n" }
        for row in rows {
            for issue in row.errors { out += "Dòng \(row.row)\(issue.columnText): \(issue.message)\n" }
            for issue in row.warnings { out += "Dòng \(row.row)\(issue.columnText) (lưu ý): \(issue.message)\n" }
        }
        return out
    }
}

/// One column of the file and what it was read as.
public struct ImportColumnReport: Codable, Sendable, Equatable {
    /// The spreadsheet column letter (`A`, `B`, …).
    public var column: String
    /// The header as written.
    public var header: String
    /// The dossier field it fills (nil for the unit, ignored and unknown columns).
    public var field: String?
    /// The field's label on the 2C form.
    public var label: String?
    /// `field`, `unit`, `ignored` (STT, Ghi chú) or `unknown` (not imported).
    public var status: String
}

/// Counts of the report.
public struct ImportTotals: Codable, Sendable, Equatable {
    /// Data rows (blank rows not counted).
    public var rows = 0
    public var valid = 0
    public var invalid = 0
    public var create = 0
    public var update = 0
    public var unchanged = 0
    public var skip = 0
    /// Problems that stop the import (in rows and in the file).
    public var errors = 0
    public var warnings = 0
}

/// One problem: where (row, column) and what, in Vietnamese.
public struct ImportIssue: Codable, Sendable, Equatable {
    public var row: Int?
    /// Column letter.
    public var column: String?
    /// The column's header as written (or the field's label when the file has no column for it).
    public var header: String?
    /// The dossier field concerned.
    public var field: String?
    /// Machine-readable: the validator's codes (`required`, `invalid_format`,
    /// `unknown_code`…) and the import's own (`missing_column`, `duplicate_in_file`,
    /// `unit_not_found`, `unit_out_of_scope`, `dossier_out_of_scope`, `use_transfer`…).
    public var code: String
    public var message: String

    /// Orders issues by column as the sheet shows them (A … Z, AA …), file-wide ones last.
    static func byColumn(_ a: ImportIssue, _ b: ImportIssue) -> Bool {
        switch (a.column, b.column) {
        case let (x?, y?): return (x.count, x) < (y.count, y)
        case (.some, nil): return true
        default: return false
        }
    }
    var columnText: String { column.map { ", cột \($0)" + (header.map { " (\($0))" } ?? "") } ?? (header.map { " (\($0))" } ?? "") }
}

/// The outcome of one data row.
public struct ImportRowReport: Codable, Sendable, Equatable {
    /// The row number in the file (CSV: the line it starts on).
    public var row: Int
    /// `create`, `update`, `unchanged`, `skip` or `error`.
    public var action: String
    public var personal_id: String?
    public var full_name: String?
    public var unit_id: String?
    public var unit_name: String?
    /// The dossier created or updated (after a commit), or found (update, unchanged, skip).
    public var dossier_id: String?
    /// Fields an update changes.
    public var changed_fields: [String]
    public var errors: [ImportIssue]
    public var warnings: [ImportIssue]
}

/// A commit refused because the file has errors; nothing was written. Carries the
/// report so the client can show every problem.
public struct ImportRejected: Error, Sendable, CustomStringConvertible {
    public var report: ImportReport
    public var message: String {
        let t = report.totals
        return "Tệp có \(t.errors) lỗi (\(t.invalid) dòng\(report.file_errors.isEmpty ? "" : " và lỗi của cả tệp")); chưa ghi hồ sơ nào. Sửa theo báo cáo rồi nhập lại."
    }
    public var description: String { message + "\n" + report.text() }
}
