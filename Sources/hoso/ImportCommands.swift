import Foundation
import HosoDomain
import HosoNode

extension Commands {
    /// `hoso import`: check (and with --commit, import) a CSV or XLSX staff list.
    static let importCommand = Command(
        "import", abstract: "Check a CSV/XLSX staff list of 2C fields (dry run), or import it with --commit.",
        discussion: """
            Without --commit nothing is written: every row is checked as the API checks it and the report lists each \
            problem by row and column. With --commit all rows are written in one transaction, or none if any row has an \
            error. Rows are matched to dossiers by personal id (Số CCCD): a dossier that exists is updated with the row's \
            non-empty cells (--existing skip leaves it alone), so importing a file twice creates nothing new. Exit status: \
            0 when the file is clean (and, with --commit, imported), 1 when it has errors.
            """,
        options: [
            dataOption,
            .option("file", "file", help: "The .csv or .xlsx file.", required: true),
            .flag("commit", help: "Import (default: a dry run that writes nothing)."),
            .option("unit", "unit-code", help: "Unit of rows without a unit column or cell."),
            .option("sheet", "name", help: "XLSX worksheet to read (default: the first)."),
            .option("existing", "update|skip", help: "A row whose personal id has a dossier updates it or is skipped.", default: "update"),
            .option("report", "file", help: "Also write the report: .csv (one line per problem, for Excel) or .json."),
            .flag("json", help: "Print the report as JSON instead of text."),
        ]) { o in
        let (store, _) = try openStore(o)
        let path = o.value("file")!
        guard let existing = SpreadsheetImportOptions.Existing(rawValue: o.value("existing")!) else {
            throw UsageError(message: "--existing must be update or skip", command: "import")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let size = attributes[.size] as? Int else {
            throw UsageError(message: "cannot read \(path)", command: "import")
        }
        guard size <= SpreadsheetImportOptions.maxFileBytes else {
            throw ImportCommandError("\(path) is larger than \(SpreadsheetImportOptions.maxFileBytes >> 20) MB; split it into several files")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw UsageError(message: "cannot read \(path)", command: "import") }
        let bytes = Array(data)
        let lower = path.lowercased()
        let format: SpreadsheetImportOptions.Format = lower.hasSuffix(".xlsx") ? .xlsx : lower.hasSuffix(".csv") || lower.hasSuffix(".txt") ? .csv
            : SpreadsheetImportOptions.sniff(bytes)
        let unit = try o.value("unit").map { try unitID(store, code: $0, command: "import") }
        let options = SpreadsheetImportOptions(format: format, commit: o.flag("commit"), defaultUnitID: unit, sheet: o.value("sheet"),
                                               existing: existing, fileName: URL(fileURLWithPath: path).lastPathComponent)
        let report: ImportReport
        do {
            report = try store.importSpreadsheet(.commandLine("import"), bytes, options)
        } catch let rejected as ImportRejected {
            try output(rejected.report, json: o.flag("json"), file: o.value("report"))
            FileHandle.standardError.write(Data("Error: \(rejected.message)\n".utf8))
            return 1
        }
        try output(report, json: o.flag("json"), file: o.value("report"))
        return report.isClean ? 0 : 1
    }

    static func output(_ report: ImportReport, json: Bool, file: String?) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if json { print(String(decoding: try encoder.encode(report), as: UTF8.self)) } else { print(report.text(), terminator: "") }
        guard let file else { return }
        let bytes = file.lowercased().hasSuffix(".csv") ? report.problemsCSV() : Array(try encoder.encode(report))
        try Data(bytes).write(to: URL(fileURLWithPath: file), options: .atomic)
        if !json { print("Báo cáo đã ghi vào \(file).") }
    }

    /// `hoso export-national`: the JSON Lines file for the national database.
    static let exportNational = Command(
        "export-national", abstract: "Export the dossiers for the national CBCCVC database (NĐ 27/2026), keyed by personal id.",
        discussion: """
            Writes one JSON record per person (JSON Lines) keyed by the 12-digit personal id, with the fields in the \
            decree's 10 data groups (README: National export). Dossiers without a valid, unique personal id are not \
            exported: they are listed with the reason in the --rejected CSV. Exit status 0 when every dossier was \
            exported (the rejected CSV then has its header only), 2 when some were listed in it.
            """,
        options: [
            dataOption,
            .option("output", "file", help: "The JSON Lines file to write (.jsonl).", required: true),
            .option("rejected", "file", help: "CSV of the dossiers left out (default: <output>-loi.csv)."),
            .option("unit", "unit-code", help: "Only this unit and the units below it."),
        ]) { o in
        let (store, _) = try openStore(o)
        let output = o.value("output")!
        let rejectedPath = o.value("rejected") ?? (output.hasSuffix(".jsonl") ? String(output.dropLast(6)) : output) + "-loi.csv"
        let unit = try o.value("unit").map { try unitID(store, code: $0, command: "export-national") }
        let temporary = output + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
            throw UsageError(message: "cannot write \(output)", command: "export-national")
        }
        let summary: NationalExportSummary
        do {
            var buffer: [UInt8] = []
            summary = try store.exportNational(.commandLine("export-national"), unitID: unit) { line in
                buffer.append(contentsOf: line.utf8)
                buffer.append(0x0A)
                if buffer.count >= 1 << 20 { try handle.write(contentsOf: buffer); buffer.removeAll(keepingCapacity: true) }
            }
            try handle.write(contentsOf: buffer)
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        _ = try? FileManager.default.removeItem(atPath: output)
        try FileManager.default.moveItem(atPath: temporary, toPath: output)
        print("Đã xuất \(summary.exported) hồ sơ vào \(output) (định dạng \(summary.format)).")
        if summary.excluded_moved_out > 0 {
            print("\(summary.excluded_moved_out) hồ sơ đã chuyển ra khỏi hệ thống (khối Đảng, ngoài tỉnh) không xuất.")
        }
        try Data(summary.rejectedCSV()).write(to: URL(fileURLWithPath: rejectedPath), options: .atomic)
        if summary.rejected.isEmpty { return 0 }
        print("\(summary.rejected.count) hồ sơ chưa có số định danh hợp lệ nên chưa xuất; danh sách và lý do: \(rejectedPath).")
        return 2
    }
}

/// A refusal of an import command that is not a usage mistake.
struct ImportCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
