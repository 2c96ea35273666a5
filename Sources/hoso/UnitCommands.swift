import Foundation
import HosoDomain
import HosoNode

extension Commands {
    /// `hoso unit ...`: the units tree from the command line, for setting up a province
    /// (deploy/topology) before anyone logs in. The web UI and `POST /api/units` do the same.
    static let unit = Command(group: "unit", abstract: "List or create units (sở, xã/phường, đơn vị sự nghiệp) in the node's tree.",
                              subcommands: [unitList, unitCreate])

    static let unitList = Command(
        "list", abstract: "List the units: code, name, kind and parent code, one per line, tab-separated.",
        options: [dataOption, .flag("json", help: "Print JSON.")]) { o in
        let dir = DataDirectory(o.value("data")!)
        let configuration = try dir.loadConfiguration()
        let units = try NodeStore(path: dir.databasePath, seedCatalogues: configuration.sync == nil).units(.commandLine("unit list"))
        if o.flag("json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(units), as: UTF8.self))
            return 0
        }
        let codes = Dictionary(units.map { ($0.id, $0.code) }, uniquingKeysWith: { a, _ in a })
        for unit in units {
            print([unit.code, unit.name, unit.kind ?? "", unit.parent_id.flatMap { codes[$0] } ?? ""].joined(separator: "\t"))
        }
        return 0
    }

    static let unitCreate = Command(
        "create", abstract: "Create a unit under a parent unit (by code).",
        discussion: """
            Kinds (catalogue loai_don_vi): ubnd_tinh, so_nganh, phong_ban, dvsn, ubnd_xa, truong_hoc. A unit is \
            created at the node that will own it: the hub for the province's tree, or a node for units below the \
            ones it serves. With --if-missing an existing unit with the same code, name and parent is not an error \
            (a setup script may run again).
            """,
        options: [
            dataOption,
            .option("code", "code", help: "Unit code, unique in the province (e.g. DT.STC).", required: true),
            .option("name", "name", help: "Unit name (e.g. \"Sở Tài chính\").", required: true),
            .option("parent", "code", help: "Code of the parent unit (none: a root, on a hub without one)."),
            .option("kind", "kind", help: "Kind of unit (see above)."),
            .flag("if-missing", help: "Succeed without change when the same unit exists."),
        ]) { o in
        let dir = DataDirectory(o.value("data")!)
        let configuration = try dir.loadConfiguration()
        let store = try NodeStore(path: dir.databasePath, seedCatalogues: configuration.sync == nil)
        let actor = Principal.commandLine("unit create")
        let units = try store.units(actor)
        let code = o.value("code")!, name = o.value("name")!
        var parentID: String?
        if let parentCode = o.value("parent") {
            guard let parent = units.first(where: { $0.code == parentCode }) else {
                throw UsageError(message: "unknown parent unit code '\(parentCode)' (see `hoso unit list`)", command: "unit create")
            }
            parentID = parent.id
        }
        if let existing = units.first(where: { $0.code == code }), o.flag("if-missing") {
            guard existing.name == name, existing.parent_id == parentID else {
                throw UsageError(message: "unit \(code) exists with another name or parent (\(existing.name))", command: "unit create")
            }
            print("Unit \(code) exists.")
            return 0
        }
        let unit = try store.createUnit(actor, UnitInput(code: code, name: name, kind: o.value("kind"), parent_id: parentID))
        print("Created unit \(unit.code) (\(unit.id)).")
        return 0
    }
}
