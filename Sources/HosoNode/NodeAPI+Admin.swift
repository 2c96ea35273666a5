import Foundation
import HosoDomain
import HosoHTTP

extension NodeAPI {
    static let unitKeys: Set<String> = ["code", "name", "kind", "parent_id", "level_tag", "valid_from", "valid_to", "successor_id"]
    static let userKeys: Set<String> = ["username", "full_name", "password", "role", "unit_id", "person_id", "active"]

    func addAdminRoutes(_ router: Router) {
        let store = self.store, policy = self.policy, name = self.name

        router.get("/api/node", authed { _, _, _ in
            let schema = try store.db.inDatabase { try NodeSchema.migrator.appliedMigrations($0) }
            return APIResponse.json(.object(["node_id": .string(store.nodeID), "name": .string(name), "version": .string(HosoVersion.current),
                                             "schema": .array(schema.map(JSONValue.string))]))
        })

        // Units and staffing
        router.get("/api/units", authed { _, _, principal in try APIResponse.json(try store.units(principal)) })
        router.post("/api/units", authed { request, _, principal in
            try APIResponse.json(try store.createUnit(principal, try request.decode(UnitInput.self, allowed: Self.unitKeys)), status: .created)
        })
        router.get("/api/units/:id", authed { _, p, principal in try APIResponse.json(try store.unit(principal, id: try p.value("id"))) })
        router.patch("/api/units/:id", authed { request, p, principal in
            try APIResponse.json(try store.updateUnit(principal, id: try p.value("id"), try request.decode(UnitInput.self, allowed: Self.unitKeys)))
        })
        router.put("/api/units/:id/quotas", authed { request, p, principal in
            struct Quota: Decodable { var year: Int; var category: String; var quota: Int }
            let q = try request.decode(Quota.self, allowed: ["year", "category", "quota"])
            try store.setQuota(principal, unitID: try p.value("id"), year: q.year, category: q.category, quota: q.quota)
            return HTTPResponse(status: .noContent)
        })

        // Catalogues
        router.get("/api/catalogues", authed { _, _, _ in APIResponse.json(.array(try store.catalogues().map(JSONValue.object))) })
        router.get("/api/catalogues/:id", authed { _, p, _ in try APIResponse.json(try store.catalogueEntries(try p.value("id"))) })
        router.put("/api/catalogues/:id/entries/:code", authed { request, p, principal in
            struct Entry: Decodable { var name: String; var attributes: [String: String]?; var sort_order: Int?; var valid_from: String?; var valid_to: String?; var code: String? }
            let e = try request.decode(Entry.self, allowed: ["name", "attributes", "sort_order", "valid_from", "valid_to", "code"])
            let code = try p.value("code")
            if let bodyCode = e.code, bodyCode != code {
                throw NodeError.validation([FieldError(field: "code", code: "inconsistent", message: "Mã trong nội dung khác mã trên đường dẫn.")])
            }
            let entry = CatalogueEntryDTO(code: code, name: e.name, attributes: e.attributes ?? [:], sort_order: e.sort_order ?? 0,
                                          valid_from: e.valid_from, valid_to: e.valid_to)
            return try APIResponse.json(try store.upsertCatalogueEntry(principal, catalogueID: try p.value("id"), entry: entry))
        })

        // Users
        router.get("/api/users", authed { _, _, principal in try APIResponse.json(try store.users(principal)) })
        router.post("/api/users", authed { request, _, principal in
            try APIResponse.json(try store.createUser(principal, try request.decode(UserInput.self, allowed: Self.userKeys), hashCost: policy.hashCost),
                                 status: .created)
        })
        router.get("/api/users/:id", authed { _, p, principal in try APIResponse.json(try store.user(principal, id: try p.value("id"))) })
        router.patch("/api/users/:id", authed { request, p, principal in
            try APIResponse.json(try store.updateUser(principal, id: try p.value("id"), try request.decode(UserInput.self, allowed: Self.userKeys)))
        })
        router.post("/api/users/:id/password", authed { request, p, principal in
            struct Reset: Decodable { var new_password: String }
            let reset = try request.decode(Reset.self, allowed: ["new_password"])
            try store.resetPassword(principal, userID: try p.value("id"), newPassword: reset.new_password, hashCost: policy.hashCost)
            return HTTPResponse(status: .noContent)
        })

        // Audit
        router.get("/api/audit", authed { request, _, principal in
            let q = request.query
            let filter = AuditFilter(personID: q["person_id"], userID: q["user_id"], action: q["action"], entity: q["entity"],
                                     from: q["from"], to: q["to"], before: try q["before"].map { text in
                                         guard let n = Int64(text) else { throw NodeError.badRequest("invalid_query", "Tham số 'before' phải là số nguyên.") }
                                         return n
                                     }, limit: try request.intQuery("limit", default: 100))
            return APIResponse.json(.array(try store.auditLog(principal, filter).map(JSONValue.object)))
        })

        // Backup download (admin): an online copy made with the SQLite backup API.
        router.get("/api/backup", authed { _, _, principal in
            try principal.require(.backup)
            let path = NSTemporaryDirectory() + "hoso-backup-\(RecordID.token(byteCount: 8)).sqlite"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try store.backup(to: path)
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            try store.db.write { c in try store.audit(c, principal, action: "backup_download") }
            var response = HTTPResponse(status: .ok, body: bytes)
            response.headers.set(name: "Content-Type", value: "application/vnd.sqlite3")
            response.headers.set(name: "Content-Disposition", value: "attachment; filename=\"hoso-\(CalendarDate.today().iso).sqlite\"")
            return response
        })
    }
}
