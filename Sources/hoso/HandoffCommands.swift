import Foundation
import HosoDomain
import HosoNode
import HosoReplication

extension Commands {
    /// `hoso handoff ...`: transfers between units from the command line (as the node's
    /// administrator). The running node takes the automatic steps; these record the
    /// human ones.
    static let handoff = Command(group: "handoff", abstract: "Transfer dossiers between units: request, answer, list, show.",
                                 subcommands: [handoffRequest, handoffAnswer("accept", .accept), handoffAnswer("refuse", .refuse),
                                               handoffAnswer("cancel", .cancel), handoffList, handoffShow])

    /// `hoso dossier ...`: export and import packages.
    static let dossier = Command(group: "dossier", abstract: "Export a dossier as a verifiable package, or import one.",
                                 subcommands: [dossierExport, dossierImport])

    static func openStore(_ o: ParsedOptions) throws -> (NodeStore, NodeConfiguration) {
        let dir = DataDirectory(o.value("data")!)
        let configuration = try dir.loadConfiguration()
        let store = try NodeStore(path: dir.databasePath, nodeID: configuration.sync?.nodeID, seedCatalogues: configuration.sync == nil)
        if let handoff = configuration.handoff { store.handoffConfiguration.set(handoff) }
        return (store, configuration)
    }

    static func unitID(_ store: NodeStore, code: String, command: String) throws -> String {
        guard let unit = try store.units(.commandLine(command)).first(where: { $0.code == code || $0.id == code }) else {
            throw UsageError(message: "unknown unit '\(code)'", command: command)
        }
        return unit.id
    }

    static func printHandoff(_ h: HandoffDTO, json: Bool) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(h), as: UTF8.self))
            return
        }
        print("""
            Thủ tục \(h.id) — \(h.state)\(h.overdue ? " (QUÁ HẠN)" : "")\(h.abort_reason.map { " (\($0))" } ?? "")
              Hồ sơ: \(h.person_name ?? h.person_id)
              Từ: \(h.from_unit_name ?? h.from_unit)  →  Đến: \(h.to_unit_name ?? h.to_unit)
              Đề nghị lúc \(h.requested_at) bởi \(h.requested_by ?? "-"); \(h.age_days) ngày / hạn \(h.deadline)
            """)
        for step in h.steps { print("  \(step.at)  \(step.kind.padding(toLength: 8, withPad: " ", startingAt: 0))  \(step.username ?? "(tự động)")  \(step.node)") }
    }

    static let handoffRequest = Command(
        "request", abstract: "Request the transfer of a dossier to another unit.",
        options: [
            dataOption, .option("person", "id", help: "The dossier (person id).", required: true),
            .option("to", "unit-code", help: "The receiving unit's code.", required: true),
            .option("type", "code", help: "dieu_dong, luan_chuyen, thuyen_chuyen or biet_phai.", default: "dieu_dong"),
            .option("decision-no", "text", help: "Số quyết định."), .option("decision-date", "yyyy-MM-dd", help: "Ngày ký."),
            .option("effective-date", "yyyy-MM-dd", help: "Ngày hiệu lực."), .option("signer", "name", help: "Người ký."),
            .option("position", "title", help: "The position at the receiving unit."), .flag("json", help: "Print JSON."),
        ]) { o in
        let (store, _) = try openStore(o)
        let to = try unitID(store, code: o.value("to")!, command: "handoff request")
        let h = try store.requestHandoff(.commandLine("handoff"), HandoffRequest(
            person_id: o.value("person")!, to_unit_id: to, event_type: o.value("type"), decision_no: o.value("decision-no"),
            decision_date: o.value("decision-date"), effective_date: o.value("effective-date"), signer: o.value("signer"),
            position_title: o.value("position")))
        try printHandoff(h, json: o.flag("json"))
        return 0
    }

    static func handoffAnswer(_ name: String, _ kind: HandoffEvent.Kind) -> Command {
        Command(name, abstract: kind == .accept ? "Accept a transfer into a unit." : kind == .refuse ? "Refuse a transfer (with a reason)." : "Cancel a transfer (with a reason).",
                options: [dataOption, .option("id", "handoff-id", help: "The transfer.", required: true),
                          .option("reason", "text", help: "Why (required to refuse or cancel)."), .flag("json", help: "Print JSON.")]) { o in
            let (store, _) = try openStore(o)
            let h = try store.answerHandoff(.commandLine("handoff"), id: o.value("id")!, kind: kind, reason: o.value("reason"))
            try printHandoff(h, json: o.flag("json"))
            return 0
        }
    }

    static let handoffList = Command(
        "list", abstract: "List transfers in and out (unfinished ones unless --all).",
        options: [dataOption, .option("direction", "in|out|all", help: "Which transfers.", default: "all"),
                  .flag("all", help: "Include finished transfers."), .flag("json", help: "Print JSON.")]) { o in
        let (store, _) = try openStore(o)
        guard ["in", "out", "all"].contains(o.value("direction")!) else { throw UsageError(message: "--direction must be in, out or all", command: "handoff list") }
        let list = try store.handoffs(.commandLine("handoff"), direction: o.value("direction"), active: !o.flag("all"))
        if o.flag("json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(list), as: UTF8.self))
            return 0
        }
        if list.isEmpty { print("Không có thủ tục chuyển hồ sơ nào."); return 0 }
        for h in list {
            print("\(h.id)  \(h.state.padding(toLength: 10, withPad: " ", startingAt: 0))  \(h.age_days)/\(h.deadline)\(h.overdue ? " QUÁ HẠN" : "")  "
                  + "\(h.person_name ?? h.person_id): \(h.from_unit_name ?? h.from_unit) → \(h.to_unit_name ?? h.to_unit)")
        }
        return 0
    }

    static let handoffShow = Command(
        "show", abstract: "Show a transfer and its history.",
        options: [dataOption, .option("id", "handoff-id", help: "The transfer.", required: true), .flag("json", help: "Print JSON.")]) { o in
        let (store, _) = try openStore(o)
        try printHandoff(try store.handoff(.commandLine("handoff"), id: o.value("id")!), json: o.flag("json"))
        return 0
    }

    static let dossierExport = Command(
        "export", abstract: "Write a dossier as a verifiable JSON package (manifest and SHA-256).",
        options: [dataOption, .option("id", "person-id", help: "The dossier.", required: true), .option("output", "file", help: "Package file to write.", required: true)]) { o in
        let (store, _) = try openStore(o)
        let package = try store.exportPackage(.commandLine("dossier export"), personID: o.value("id")!)
        try Data(package.jsonString().utf8).write(to: URL(fileURLWithPath: o.value("output")!), options: .atomic)
        print("Wrote \(o.value("output")!) (sha256 \(package["manifest"]["content_sha256"].stringValue ?? "?")).")
        return 0
    }

    static let dossierImport = Command(
        "import", abstract: "Verify a package and import it as a new dossier of a unit.",
        options: [dataOption, .option("file", "file", help: "The package.", required: true), .option("unit", "unit-code", help: "The receiving unit.", required: true)]) { o in
        let (store, _) = try openStore(o)
        guard let data = FileManager.default.contents(atPath: o.value("file")!) else { throw UsageError(message: "cannot read \(o.value("file")!)", command: "dossier import") }
        let package: JSONValue
        do { package = try JSONValue.parse(utf8: Array(data)) } catch { throw UsageError(message: "\(o.value("file")!) is not JSON: \(error)", command: "dossier import") }
        if let problem = NodeStore.verifyPackage(package) { throw UsageError(message: "refusing the package: \(problem)", command: "dossier import") }
        let created = try store.importPackage(.commandLine("dossier import"), package, unitID: try unitID(store, code: o.value("unit")!, command: "dossier import"))
        print("Imported \(created["full_name"]?.stringValue ?? "") as dossier \(created["id"]?.stringValue ?? "").")
        return 0
    }
}
