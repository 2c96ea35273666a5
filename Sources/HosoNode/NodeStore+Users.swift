import Foundation
import HosoDomain
import HosoSQLite

/// A user account as the API shows it (never the password hash).
public struct UserDTO: Codable, Sendable, Equatable {
    public var id: String
    public var username: String
    public var full_name: String
    public var role: Role
    public var unit_id: String?
    public var person_id: String?
    public var active: Bool
    public var must_change_password: Bool
    public var locked_until: String?
    public var last_login_at: String?
}

/// What a client sends to create or change an account.
public struct UserInput: Codable, Sendable {
    public var username: String?
    public var full_name: String?
    public var password: String?
    public var role: Role?
    public var unit_id: String?
    public var person_id: String?
    public var active: Bool?

    public init(username: String? = nil, full_name: String? = nil, password: String? = nil, role: Role? = nil,
                unit_id: String? = nil, person_id: String? = nil, active: Bool? = nil) {
        self.username = username
        self.full_name = full_name
        self.password = password
        self.role = role
        self.unit_id = unit_id
        self.person_id = person_id
        self.active = active
    }
}

extension NodeStore {
    static let userColumns = "id, username, full_name, role, unit_id, person_id, active, must_change_password, locked_until, last_login_at"

    static func user(from row: Row) -> UserDTO {
        UserDTO(id: row.get("id") ?? "", username: row.get("username") ?? "", full_name: row.get("full_name") ?? "",
                role: Role(rawValue: row.get("role") ?? "") ?? .staff, unit_id: row.get("unit_id"), person_id: row.get("person_id"),
                active: row.get("active") ?? false, must_change_password: row.get("must_change_password") ?? false,
                locked_until: row.get("locked_until"), last_login_at: row.get("last_login_at"))
    }

    /// Checks a new password against the policy; returns field errors.
    static func passwordProblems(_ password: String, username: String?) -> [FieldError] {
        var problems: [FieldError] = []
        if password.count < PasswordHasher.minimumLength || password.utf8.count > 256 {
            problems.append(FieldError(field: "password", code: "too_short", message: "Mật khẩu phải có từ \(PasswordHasher.minimumLength) đến 256 ký tự."))
        } else if !(password.contains(where: \.isLetter) && password.contains(where: \.isNumber)) {
            problems.append(FieldError(field: "password", code: "too_weak", message: "Mật khẩu phải có cả chữ và số."))
        }
        if let username, password.lowercased() == username.lowercased() {
            problems.append(FieldError(field: "password", code: "too_weak", message: "Mật khẩu không được trùng tên đăng nhập."))
        }
        return problems
    }

    /// The accounts the principal manages: all for admins, their subtree's for HR.
    public func users(_ actor: Principal) throws -> [UserDTO] {
        try actor.require(.manageUsers)
        return try db.read { c in
            try c.rows("SELECT \(Self.userColumns) FROM users WHERE deleted = 0 ORDER BY username").map(Self.user(from:))
                .filter { actor.role == .admin || ($0.unit_id.map(actor.reaches(unit:)) ?? false) }
        }
    }

    /// One account (the owner may read their own).
    public func user(_ actor: Principal, id: String) throws -> UserDTO {
        let user = try db.read { c -> UserDTO in
            guard let row = try c.row("SELECT \(Self.userColumns) FROM users WHERE id = ? AND deleted = 0", [id]) else {
                throw NodeError.notFound("tài khoản")
            }
            return Self.user(from: row)
        }
        if user.id == actor.userID { return user }
        try actor.require(.manageUsers)
        guard actor.role == .admin || (user.unit_id.map(actor.reaches(unit:)) ?? false) else { throw NodeError.notFound("tài khoản") }
        return user
    }

    /// Creates an account. HR accounts create hr/head/staff accounts in their subtree only.
    public func createUser(_ actor: Principal, _ input: UserInput, hashCost: UInt = 5) throws -> UserDTO {
        try actor.require(.manageUsers)
        var errors: [FieldError] = []
        let username = input.username?.trimmingCharacters(in: .whitespaces) ?? ""
        if username.count < 3 || username.count > 64 || !username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) }) {
            errors.append(FieldError(field: "username", code: "invalid_format", message: "Tên đăng nhập gồm 3–64 ký tự chữ không dấu, số, '.', '_', '-' hoặc '@'."))
        }
        let fullName = input.full_name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if fullName.isEmpty || fullName.count > 100 { errors.append(FieldError(field: "full_name", code: "required", message: "Họ và tên là bắt buộc.")) }
        errors += Self.passwordProblems(input.password ?? "", username: username)
        guard let role = input.role else {
            throw NodeError.validation(errors + [FieldError(field: "role", code: "required", message: "Cần chọn vai trò.")])
        }
        if !AccessPolicy.assignableRoles(by: actor.role).contains(role) {
            throw NodeError.forbidden("Không được cấp vai trò \(role.label).")
        }
        if role.scope != .province && input.unit_id == nil {
            errors.append(FieldError(field: "unit_id", code: "required", message: "Vai trò này cần đơn vị."))
        }
        if role == .staff && input.person_id == nil {
            errors.append(FieldError(field: "person_id", code: "required", message: "Tài khoản cán bộ, công chức phải gắn với hồ sơ của chính người đó."))
        }
        if !errors.isEmpty { throw NodeError.validation(errors) }
        let hash = try PasswordHasher.hash(input.password!, cost: hashCost)
        return try db.write { c in
            try self.checkUserPlacement(c, actor, role: role, unitID: input.unit_id, personID: input.person_id)
            if try c.scalar("SELECT count(*) FROM users WHERE username = ?", [username], as: Int.self)! > 0 {
                throw NodeError.validation([FieldError(field: "username", code: "duplicate", message: "Tên đăng nhập '\(username)' đã tồn tại.")])
            }
            let id = RecordID.make()
            let counter = try self.tick(c)
            let now = Timestamp.now()
            try c.execute("""
                INSERT INTO users(id, username, full_name, password_hash, role, unit_id, person_id, must_change_password, password_changed_at,
                    vv, origin, author, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [id, username, fullName, hash, role.rawValue, input.unit_id, input.person_id, actor.userID != nil, now,
                      self.nextVector(nil, counter: counter), self.nodeID, actor.userID, now, now])
            try self.logChange(c, entity: "users", rowID: id, counter: counter, personID: nil, scope: input.unit_id ?? Self.rootScope)
            try self.audit(c, actor, action: "create", entity: "user", entityID: id, unitID: input.unit_id,
                           changes: .object(["username": .string(username), "role": .string(role.rawValue)]))
            return Self.user(from: try c.row("SELECT \(Self.userColumns) FROM users WHERE id = ?", [id])!)
        }
    }

    private func checkUserPlacement(_ c: Connection, _ actor: Principal, role: Role, unitID: String?, personID: String?) throws {
        if let unitID {
            _ = try unit(c, id: unitID)
            guard actor.reaches(unit: unitID) else { throw NodeError.forbidden("Không được quản lý tài khoản ngoài đơn vị mình.") }
        }
        if let personID {
            guard let person = try c.row("SELECT unit_id FROM person WHERE id = ? AND deleted = 0", [personID]) else {
                throw NodeError.validation([FieldError(field: "person_id", code: "unknown", message: "Không tìm thấy hồ sơ gắn với tài khoản.")])
            }
            guard actor.reaches(unit: person.get("unit_id") ?? "") else { throw NodeError.forbidden("Hồ sơ ngoài phạm vi quản lý.") }
        }
    }

    /// Changes an account's name, role, unit, dossier link or active flag. Deactivating an
    /// account or changing its role ends its sessions.
    public func updateUser(_ actor: Principal, id: String, _ input: UserInput) throws -> UserDTO {
        try actor.require(.manageUsers)
        if input.password != nil || input.username != nil {
            throw NodeError.badRequest("unknown_field", "Không đổi tên đăng nhập; đổi mật khẩu qua chức năng đặt lại mật khẩu.")
        }
        return try db.write { c in
            guard let row = try c.row("SELECT \(Self.userColumns), vv FROM users WHERE id = ? AND deleted = 0", [id]) else {
                throw NodeError.notFound("tài khoản")
            }
            let old = Self.user(from: row)
            guard actor.role == .admin || (old.unit_id.map(actor.reaches(unit:)) ?? false) else { throw NodeError.notFound("tài khoản") }
            guard AccessPolicy.assignableRoles(by: actor.role).contains(old.role) else { throw NodeError.forbidden("Không được sửa tài khoản có vai trò \(old.role.label).") }
            var new = old
            if let v = input.full_name?.trimmingCharacters(in: .whitespacesAndNewlines) {
                guard !v.isEmpty, v.count <= 100 else { throw NodeError.validation([FieldError(field: "full_name", code: "required", message: "Họ và tên là bắt buộc.")]) }
                new.full_name = v
            }
            if let role = input.role {
                guard AccessPolicy.assignableRoles(by: actor.role).contains(role) else { throw NodeError.forbidden("Không được cấp vai trò \(role.label).") }
                new.role = role
            }
            if let v = input.unit_id { new.unit_id = v }
            if let v = input.person_id { new.person_id = v }
            if let v = input.active { new.active = v }
            if new.role == .staff && new.person_id == nil {
                throw NodeError.validation([FieldError(field: "person_id", code: "required", message: "Tài khoản cán bộ, công chức phải gắn với hồ sơ.")])
            }
            try self.checkUserPlacement(c, actor, role: new.role, unitID: new.unit_id, personID: new.person_id)
            if old.id == actor.userID && (new.role != old.role || !new.active) {
                throw NodeError(.conflict, "self_lockout", "Không tự hạ quyền hoặc khóa tài khoản của chính mình.")
            }
            let counter = try self.tick(c)
            try c.execute("""
                UPDATE users SET full_name = ?, role = ?, unit_id = ?, person_id = ?, active = ?, vv = ?, origin = ?, author = ?, updated_at = ?
                WHERE id = ?
                """, [new.full_name, new.role.rawValue, new.unit_id, new.person_id, new.active,
                      self.nextVector(row.get("vv"), counter: counter), self.nodeID, actor.userID, Timestamp.now(), id])
            if new.role != old.role || !new.active || new.unit_id != old.unit_id {
                try c.execute("DELETE FROM sessions WHERE user_id = ?", [id])
            }
            try self.logChange(c, entity: "users", rowID: id, counter: counter, personID: nil, scope: new.unit_id ?? Self.rootScope)
            try self.audit(c, actor, action: "update", entity: "user", entityID: id, unitID: new.unit_id, changes: Self.diff(old, new))
            return new
        }
    }

    /// Sets a new password chosen by an admin (or the unit's HR) for a user who lost theirs.
    /// The user must change it at next login; their sessions end; the lock-out is lifted.
    public func resetPassword(_ actor: Principal, userID: String, newPassword: String, hashCost: UInt = 5) throws {
        let target = try user(actor, id: userID)
        try actor.require(.manageUsers)
        guard AccessPolicy.assignableRoles(by: actor.role).contains(target.role) else { throw NodeError.forbidden() }
        let problems = Self.passwordProblems(newPassword, username: target.username)
        if !problems.isEmpty { throw NodeError.validation(problems) }
        let hash = try PasswordHasher.hash(newPassword, cost: hashCost)
        try db.write { c in
            try self.setPassword(c, userID: userID, hash: hash, mustChange: true)
            try c.execute("DELETE FROM sessions WHERE user_id = ?", [userID])
            try self.audit(c, actor, action: "password_reset", entity: "user", entityID: userID, unitID: target.unit_id)
        }
    }

    /// The user changes their own password; other sessions of theirs end.
    public func changePassword(_ actor: Principal, currentPassword: String, newPassword: String, keepSession tokenHash: String?, hashCost: UInt = 5) throws {
        guard let userID = actor.userID else { throw NodeError.forbidden() }
        let stored = try db.read { c in try c.scalar("SELECT password_hash FROM users WHERE id = ?", [userID], as: String.self) }
        guard let stored, PasswordHasher.verify(currentPassword, hash: stored) else {
            throw NodeError.validation([FieldError(field: "current_password", code: "wrong_password", message: "Mật khẩu hiện tại không đúng.")])
        }
        var problems = Self.passwordProblems(newPassword, username: actor.username)
        if newPassword == currentPassword { problems.append(FieldError(field: "password", code: "unchanged", message: "Mật khẩu mới phải khác mật khẩu cũ.")) }
        if !problems.isEmpty { throw NodeError.validation(problems) }
        let hash = try PasswordHasher.hash(newPassword, cost: hashCost)
        try db.write { c in
            try self.setPassword(c, userID: userID, hash: hash, mustChange: false)
            try c.execute("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", [userID, tokenHash ?? ""])
            try self.audit(c, actor, action: "password_change", entity: "user", entityID: userID, unitID: actor.unitID)
        }
    }

    private func setPassword(_ c: Connection, userID: String, hash: String, mustChange: Bool) throws {
        let row = try c.row("SELECT vv, unit_id FROM users WHERE id = ?", [userID])
        let vv: String? = row?.get("vv")
        let counter = try tick(c)
        try c.execute("""
            UPDATE users SET password_hash = ?, must_change_password = ?, failed_attempts = 0, locked_until = NULL, password_changed_at = ?,
                vv = ?, origin = ?, updated_at = ? WHERE id = ?
            """, [hash, mustChange, Timestamp.now(), nextVector(vv, counter: counter), nodeID, Timestamp.now(), userID])
        try logChange(c, entity: "users", rowID: userID, counter: counter, personID: nil, scope: row?.get("unit_id") ?? Self.rootScope)
    }

    /// Number of accounts (the CLI asks before creating the first admin).
    public func userCount() throws -> Int {
        try db.read { c in try c.scalar("SELECT count(*) FROM users WHERE deleted = 0", as: Int.self) ?? 0 }
    }
}
