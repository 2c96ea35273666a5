import Foundation
import HosoDomain
import HosoSQLite

/// Session and lock-out policy.
public struct SessionPolicy: Sendable {
    /// A session ends after this long without a request.
    public var idleTimeout: TimeInterval = 30 * 60
    /// A session ends this long after login, however active.
    public var absoluteTimeout: TimeInterval = 12 * 3600
    /// Consecutive failed logins before the account is locked.
    public var maxFailedAttempts = 5
    /// How long the first lock lasts; each further failure while locked doubles it (max 24 h).
    public var lockDuration: TimeInterval = 15 * 60
    /// yescrypt cost for new hashes.
    public var hashCost: UInt = 5

    public init() {}
}

/// A logged-in session, as returned at login.
public struct SessionGrant: Sendable {
    /// The bearer token / cookie value (only its SHA-256 is stored).
    public var token: String
    /// The CSRF token the browser must echo in `X-CSRF-Token`.
    public var csrfToken: String
    public var user: UserDTO
    public var expiresAt: Date
}

/// A session resolved from a token.
public struct ResolvedSession: Sendable {
    public var principal: Principal
    public var csrfToken: String
    public var tokenHash: String
    public var mustChangePassword: Bool
}

extension NodeStore {
    /// Checks a username and password. On success opens a session; on failure counts the
    /// attempt and locks the account after too many. The answer never says whether the
    /// username exists.
    public func login(username: String, password: String, client: String?, policy: SessionPolicy, now: Date = Date()) throws -> SessionGrant {
        let row = try db.read { c in
            try c.row("SELECT \(Self.userColumns), password_hash, failed_attempts FROM users WHERE username = ? AND deleted = 0", [username])
        }
        let invalid = NodeError(.unauthorized, "invalid_credentials", "Tên đăng nhập hoặc mật khẩu không đúng.")
        guard let row else {
            _ = PasswordHasher.verify(password, hash: PasswordHasher.dummyHash)
            try db.write { c in
                try self.audit(c, Principal(userID: nil, username: String(username.prefix(64)), role: .staff, unitID: nil, personID: nil, subtree: [], client: client),
                               action: "login_failed")
            }
            throw invalid
        }
        let user = Self.user(from: row)
        let actor = Principal(userID: user.id, username: user.username, role: user.role, unitID: user.unit_id, personID: user.person_id, subtree: [], client: client)
        if let lockedUntil = user.locked_until.flatMap(Self.parseTimestamp), lockedUntil > now {
            try db.write { c in try self.audit(c, actor, action: "login_locked") }
            throw NodeError(.locked, "account_locked", "Tài khoản tạm khóa do đăng nhập sai nhiều lần; thử lại sau \(Self.minutes(until: lockedUntil, from: now)) phút hoặc liên hệ quản trị.")
        }
        guard PasswordHasher.verify(password, hash: row.get("password_hash") ?? "") else {
            let failures = (row.get("failed_attempts", as: Int.self) ?? 0) + 1
            try db.write { c in
                var lockedUntil: String? = nil
                if failures >= policy.maxFailedAttempts {
                    let factor = pow(2.0, Double(min(failures - policy.maxFailedAttempts, 7)))
                    lockedUntil = Timestamp.now(now.addingTimeInterval(min(policy.lockDuration * factor, 24 * 3600)))
                }
                try c.execute("UPDATE users SET failed_attempts = ?, locked_until = ? WHERE id = ?", [failures, lockedUntil, user.id])
                try self.audit(c, actor, action: lockedUntil == nil ? "login_failed" : "account_locked")
            }
            throw invalid
        }
        guard user.active else {
            try db.write { c in try self.audit(c, actor, action: "login_inactive") }
            throw NodeError(.forbidden, "account_disabled", "Tài khoản đã bị vô hiệu hóa.")
        }
        let token = RecordID.token()
        let csrf = RecordID.token(byteCount: 16)
        let expires = now.addingTimeInterval(policy.absoluteTimeout)
        try db.write { c in
            try c.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL, last_login_at = ? WHERE id = ?", [Timestamp.now(now), user.id])
            try c.execute("INSERT INTO sessions(token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, client) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          [SHA256.hex(token), user.id, csrf, now.timeIntervalSince1970, now.timeIntervalSince1970, expires.timeIntervalSince1970, client])
            // Housekeeping: drop expired sessions of everyone.
            try c.execute("DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?",
                          [now.timeIntervalSince1970, now.timeIntervalSince1970 - policy.idleTimeout])
            try self.audit(c, actor, action: "login")
        }
        return SessionGrant(token: token, csrfToken: csrf, user: user, expiresAt: expires)
    }

    /// Resolves a session token to its principal, or nil if unknown, expired, idle too
    /// long, or its account was disabled. Refreshes the idle timer.
    public func session(token: String, policy: SessionPolicy, now: Date = Date()) throws -> ResolvedSession? {
        guard token.count == 64, token.allSatisfy(\.isHexDigit) else { return nil }
        let hash = SHA256.hex(token)
        let t = now.timeIntervalSince1970
        guard let row = try db.read({ c in
            try c.row("""
                SELECT s.csrf_token, s.last_seen_at, s.expires_at, u.id, u.username, u.role, u.unit_id, u.person_id, u.active, u.must_change_password
                FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND u.deleted = 0
                """, [hash])
        }) else { return nil }
        let lastSeen: Double = row.get("last_seen_at") ?? 0
        guard (row.get("active", as: Bool.self) ?? false), (row.get("expires_at", as: Double.self) ?? 0) > t,
              lastSeen + policy.idleTimeout > t, let role = Role(rawValue: row.get("role") ?? "") else {
            try db.write { c in try c.execute("DELETE FROM sessions WHERE token_hash = ?", [hash]) }
            return nil
        }
        if t - lastSeen > 30 {
            try db.write { c in try c.execute("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", [t, hash]) }
        }
        let unitID: String? = row.get("unit_id")
        let subtree = try unitID.map { try self.subtree(of: $0) } ?? []
        let principal = Principal(userID: row.get("id"), username: row.get("username") ?? "", role: role, unitID: unitID,
                                  personID: row.get("person_id"), subtree: subtree)
        return ResolvedSession(principal: principal, csrfToken: row.get("csrf_token") ?? "", tokenHash: hash,
                               mustChangePassword: row.get("must_change_password") ?? false)
    }

    /// Ends a session.
    public func logout(tokenHash: String, actor: Principal) throws {
        try db.write { c in
            try c.execute("DELETE FROM sessions WHERE token_hash = ?", [tokenHash])
            try self.audit(c, actor, action: "logout")
        }
    }

    static func parseTimestamp(_ text: String) -> Date? {
        FastFormat.parseTimestamp(text)
    }

    static func minutes(until date: Date, from now: Date) -> Int { max(1, Int((date.timeIntervalSince(now) / 60).rounded(.up))) }
}
