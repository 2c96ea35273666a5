import HosoDomain

/// One row version as it travels between nodes: the whole row (state, not a diff), its
/// version vector and the node that wrote it. Re-sending a record is harmless: the
/// receiver compares vectors and ignores what it already has (Protocol.md §7.4).
public struct ChangeRecord: Sendable, Equatable {
    /// The sender's change-log sequence number of this entry.
    public var seq: Int64
    /// The replicated table (`person`, `training`, `units`, ...).
    public var entity: String
    /// The row's id (UUIDv7).
    public var id: String
    /// The node that wrote this version.
    public var origin: String
    /// The version's vector.
    public var vv: VersionVector
    /// The user who wrote it (display only).
    public var author: String?
    /// When the row was created (RFC 3339, display only).
    public var createdAt: String
    /// When this version was written (RFC 3339, display only — never used to decide).
    public var updatedAt: String
    /// A tombstone: the row was deleted.
    public var deleted: Bool
    /// The unit whose replicas need this row (nil: every replica; `#root`: the hub only).
    public var scope: String?
    /// The row's replicated columns.
    public var data: JSONObject

    public init(seq: Int64, entity: String, id: String, origin: String, vv: VersionVector, author: String?,
                createdAt: String, updatedAt: String, deleted: Bool, scope: String?, data: JSONObject) {
        self.seq = seq
        self.entity = entity
        self.id = id
        self.origin = origin
        self.vv = vv
        self.author = author
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deleted = deleted
        self.scope = scope
        self.data = data
    }

    /// The wire form.
    public var jsonValue: JSONValue {
        .object([
            "seq": .number(Double(seq)), "entity": .string(entity), "id": .string(id), "origin": .string(origin),
            "vv": vv.jsonValue, "author": author.map(JSONValue.string) ?? .null, "created_at": .string(createdAt),
            "updated_at": .string(updatedAt), "deleted": .bool(deleted), "scope": scope.map(JSONValue.string) ?? .null,
            "data": .object(data),
        ])
    }

    /// Appends the wire form as JSON bytes, without building the intermediate
    /// `JSONValue` tree (the hot path of every batch).
    public func write(to out: inout [UInt8]) {
        func key(_ name: StaticString) {
            out.append(0x22)
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(contentsOf: [0x22, 0x3A])
        }
        func string(_ s: String?) {
            if let s { JSONValue.writeString(s, to: &out) } else { out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }
        }
        out.append(0x7B)
        key("author"); string(author); out.append(0x2C)
        key("created_at"); string(createdAt); out.append(0x2C)
        key("data"); JSONValue.object(data).write(to: &out, sortedKeys: false); out.append(0x2C)
        key("deleted"); out.append(contentsOf: deleted ? Array("true".utf8) : Array("false".utf8)); out.append(0x2C)
        key("entity"); string(entity); out.append(0x2C)
        key("id"); string(id); out.append(0x2C)
        key("origin"); string(origin); out.append(0x2C)
        key("scope"); string(scope); out.append(0x2C)
        key("seq"); out.append(contentsOf: String(seq).utf8); out.append(0x2C)
        key("updated_at"); string(updatedAt); out.append(0x2C)
        key("vv"); vv.jsonValue.write(to: &out)
        out.append(0x7D)
    }

    /// Reads the wire form, checking every field's type and size.
    public init(json value: JSONValue, path: String) throws(MalformedMessage) {
        let r = try MessageReader(value, path: path)
        seq = try r.int("seq")
        entity = try r.string("entity", maxLength: 64)
        id = try r.string("id", maxLength: 64)
        guard !id.isEmpty else { throw MalformedMessage(r.name("id"), "must not be empty") }
        origin = try r.string("origin", maxLength: 64)
        vv = try r.vector("vv")
        guard vv[origin] > 0 else { throw MalformedMessage(r.name("vv"), "must include the origin's counter") }
        author = try r.optionalString("author", maxLength: 64)
        createdAt = try r.string("created_at", maxLength: 40)
        updatedAt = try r.string("updated_at", maxLength: 40)
        deleted = try r.bool("deleted")
        scope = try r.optionalString("scope", maxLength: 64)
        data = try r.objectValue("data")
    }

    /// What the row says (data and tombstone flag, not the version) in canonical form:
    /// null members dropped (absent and null mean the same), keys sorted.
    public var content: JSONValue {
        .object(["data": .object(data.filter { $0.value != .null }), "deleted": .bool(deleted)])
    }

    /// The digest of `content`: two records with equal content have equal digests.
    public var contentDigest: String {
        SHA256.hex(Array(content.jsonString().utf8))
    }
}
