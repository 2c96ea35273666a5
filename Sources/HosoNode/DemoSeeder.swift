import Foundation
import HosoDomain

/// Fills a fresh node with the sample province: units, one account per role, and
/// dossiers with history tables. Used by `hoso demo` and the benchmarks.
public struct DemoSeeder {
    public let store: NodeStore
    /// The password every demo account gets (printed by `hoso demo`).
    public static let demoPassword = "hoso2026demo"

    public init(store: NodeStore) { self.store = store }

    /// The demo accounts: (username, role, unit code).
    public static let accounts: [(username: String, role: Role, unit: String?)] = [
        ("admin", .admin, nil),
        ("lanhdao", .leader, nil),
        ("tccb.stc", .hr, "DT.STC"),
        ("giamdoc.stc", .head, "DT.STC"),
        ("tccb.xma", .hr, "DT.XMA"),
        ("tccb.sgd", .hr, "DT.SGD"),
    ]

    /// Creates the units and accounts; returns unit ids by code.
    @discardableResult
    public func seedUnitsAndAccounts(hashCost: UInt = 5) throws -> [String: String] {
        let actor = Principal.commandLine("demo")
        var ids: [String: String] = [:]
        for unit in SampleData.units {
            let created = try store.createUnit(actor, UnitInput(code: unit.code, name: unit.name, kind: nil, parent_id: unit.parent.flatMap { ids[$0] }))
            ids[unit.code] = created.id
        }
        for account in Self.accounts {
            _ = try store.createUser(actor, UserInput(username: account.username, full_name: account.role.label, password: Self.demoPassword,
                                                      role: account.role, unit_id: account.unit.flatMap { ids[$0] }), hashCost: hashCost)
        }
        return ids
    }

    /// Creates `count` dossiers spread over the units that hold staff, plus one staff
    /// account (`canbo`) linked to the first dossier (in Sở Tài chính's budget office).
    public func seedDossiers(count: Int, unitIDs: [String: String], seed: UInt64 = 2026, historyRows: Int = 12, hashCost: UInt = 5) throws {
        let actor = Principal.commandLine("demo")
        var data = SampleData(seed: seed)
        let staffUnits = ["DT.STC.NS", "DT.SNV", "DT.STC.TH", "DT.SGD.TCCB", "DT.XMA.VP", "DT.PCL"].compactMap { unitIDs[$0] }
        var first: JSONObject?
        for i in 0..<count {
            let unit = staffUnits[i % staffUnits.count]
            let doc = try store.createDossier(actor, data.dossier(unitID: unit, historyRows: historyRows, commune: unit == unitIDs["DT.XMA.VP"]))
            if first == nil { first = doc }
        }
        if let first, case .string(let personID)? = first["id"], case .string(let unitID)? = first["unit_id"] {
            _ = try store.createUser(actor, UserInput(username: "canbo", full_name: first["full_name"]?.stringValue ?? "Cán bộ",
                                                      password: Self.demoPassword, role: .staff, unit_id: unitID, person_id: personID), hashCost: hashCost)
        }
    }
}
