import Foundation
import HosoDomain
import HosoSQLite

extension NodeStore {
    /// The rows of one history table of a dossier.
    public func subRecords(_ actor: Principal, personID: String, kind: RecordKind) throws -> [JSONObject] {
        try db.write { c in
            let person = try self.authorisedPerson(c, actor, id: personID, permission: .readDossier)
            try self.audit(c, actor, action: "read", entity: kind.name, personID: personID, unitID: person.get("unit_id"))
            return try self.subRecordRows(c, kind: kind, personID: personID)
        }
    }

    /// One history row.
    public func subRecord(_ actor: Principal, personID: String, kind: RecordKind, id: String) throws -> JSONObject {
        try db.write { c in
            let person = try self.authorisedPerson(c, actor, id: personID, permission: .readDossier)
            let row = try self.subRecordRow(c, kind: kind, personID: personID, id: id)
            try self.audit(c, actor, action: "read", entity: kind.name, entityID: id, personID: personID, unitID: person.get("unit_id"))
            return RecordCoding.object(row, kind: kind)
        }
    }

    func subRecordRow(_ c: Connection, kind: RecordKind, personID: String, id: String) throws -> Row {
        guard let row = try c.row("SELECT * FROM \(kind.name) WHERE id = ? AND person_id = ? AND deleted = 0", [id, personID]) else {
            throw NodeError.notFound("dòng \(kind.label.lowercased())")
        }
        return row
    }

    /// Adds a history row to a dossier.
    public func createSubRecord(_ actor: Principal, personID: String, kind: RecordKind, body: JSONObject) throws -> JSONObject {
        let fields: JSONObject
        do { fields = try validator().validate(kind: kind, submitted: body, merged: [:]) }
        catch { throw NodeError.validation(error.errors) }
        return try db.write { c in
            let person = try self.authorisedPerson(c, actor, id: personID, permission: .writeDossier)
            let counter = try self.tick(c)
            let id = try self.insertSubRecord(c, actor, kind: kind, personID: personID, unitID: person.get("unit_id") ?? "",
                                              fields: fields, counter: counter)
            return RecordCoding.object(try self.subRecordRow(c, kind: kind, personID: personID, id: id), kind: kind)
        }
    }

    /// Changes fields of a history row.
    public func updateSubRecord(_ actor: Principal, personID: String, kind: RecordKind, id: String, patch: JSONObject) throws -> JSONObject {
        try db.write { c in
            let person = try self.authorisedPerson(c, actor, id: personID, permission: .writeDossier)
            let row = try self.subRecordRow(c, kind: kind, personID: personID, id: id)
            let old = RecordCoding.fields(row, kind: kind)
            let changes: JSONObject
            do { changes = try self.validator().validate(kind: kind, submitted: patch, merged: old) }
            catch let error as ValidationError { throw NodeError.validation(error.errors) }
            var new = old
            for (k, v) in changes { new[k] = v }
            let diff = Self.fieldChanges(old: old, new: new)
            if case .array(let list) = diff, !list.isEmpty {
                let counter = try self.tick(c)
                var sets = ["vv = ?", "origin = ?", "author = ?", "updated_at = ?"]
                var values: [DatabaseValue] = [.text(self.nextVector(row.get("vv"), counter: counter)), .text(self.nodeID),
                                               actor.userID.databaseValue, .text(Timestamp.now())]
                for (name, value) in changes.sorted(by: { $0.key < $1.key }) {
                    sets.append("\(name) = ?")
                    values.append(RecordCoding.databaseValue(value, type: kind.field(name)!.type))
                }
                try c.execute("UPDATE \(kind.name) SET \(sets.joined(separator: ", ")) WHERE id = ?", values + [.text(id)])
                try self.logChange(c, entity: kind.name, rowID: id, counter: counter, personID: personID, scope: person.get("unit_id"))
                try self.audit(c, actor, action: "update", entity: kind.name, entityID: id, personID: personID,
                               unitID: person.get("unit_id"), changes: diff)
                }
            return RecordCoding.object(try self.subRecordRow(c, kind: kind, personID: personID, id: id), kind: kind)
        }
    }

    /// Deletes a history row (a tombstone, so replicas learn of it).
    public func deleteSubRecord(_ actor: Principal, personID: String, kind: RecordKind, id: String) throws {
        try db.write { c in
            let person = try self.authorisedPerson(c, actor, id: personID, permission: .writeDossier)
            let row = try self.subRecordRow(c, kind: kind, personID: personID, id: id)
            let counter = try self.tick(c)
            try c.execute("UPDATE \(kind.name) SET deleted = 1, vv = ?, origin = ?, author = ?, updated_at = ? WHERE id = ?",
                          [self.nextVector(row.get("vv"), counter: counter), self.nodeID, actor.userID, Timestamp.now(), id])
            try self.logChange(c, entity: kind.name, rowID: id, counter: counter, personID: personID, scope: person.get("unit_id"))
            try self.audit(c, actor, action: "delete", entity: kind.name, entityID: id, personID: personID,
                           unitID: person.get("unit_id"), changes: Self.fieldChanges(old: RecordCoding.fields(row, kind: kind), new: [:]))
        }
    }
}
