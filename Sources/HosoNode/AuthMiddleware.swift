import Foundation
import HosoDomain
import HosoHTTP

/// Resolves the session of every request (cookie `hoso_session` or
/// `Authorization: Bearer`), enforces CSRF for cookie-authenticated state changes, and
/// confines users who must change their password to doing that.
struct AuthMiddleware: HTTPMiddleware {
    let store: NodeStore
    let policy: SessionPolicy

    static let cookieName = "hoso_session"

    func handle(_ request: HTTPRequest, next: @Sendable (HTTPRequest) async throws -> HTTPResponse) async throws -> HTTPResponse {
        var request = request
        // Logging in needs no session, and an old session cookie must not make a fresh
        // login fail its CSRF check.
        if request.method == .post && request.path == "/api/session" { return try await next(request) }
        let bearer = request.headers["Authorization"].flatMap { header -> String? in
            let parts = header.split(separator: " ", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]).trimmingCharacters(in: .whitespaces) : nil
        }
        let cookie = Self.cookie(Self.cookieName, in: request.headers["Cookie"])
        if let token = bearer ?? cookie {
            let policy = self.policy
            let store = self.store
            // The lookup also records the session's last use (a write): storage trouble
            // there answers like any handler's (507 on a full disk), not a bare 500.
            let found: ResolvedSession?
            do { found = try await offloaded({ try store.session(token: token, policy: policy) }) } catch { return APIResponse.error(error) }
            if let session = found {
                if bearer == nil && !request.method.isSafe {
                    // Double-submit token: a cross-site form can send the cookie but cannot
                    // read the CSRF token to put it in a header.
                    guard let sent = request.headers["X-CSRF-Token"], Self.constantTimeEqual(sent, session.csrfToken) else {
                        return APIResponse.error(NodeError(.forbidden, "csrf_failed", "Thiếu hoặc sai mã chống giả mạo yêu cầu (CSRF); hãy tải lại trang."))
                    }
                }
                if session.mustChangePassword && !Self.allowedWhileMustChange(request) {
                    return APIResponse.error(NodeError(.forbidden, "password_change_required", "Cần đổi mật khẩu trước khi tiếp tục."))
                }
                request.attributes[PrincipalKey.self] = session.principal
                request.attributes[SessionKey.self] = session
            }
        }
        return try await next(request)
    }

    static func allowedWhileMustChange(_ request: HTTPRequest) -> Bool {
        request.path == "/api/session" || request.path == "/api/session/password" || !request.path.hasPrefix("/api/")
    }

    static func cookie(_ name: String, in header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == name {
                return pair[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension HTTPMethod {
    /// GET, HEAD and OPTIONS change nothing (RFC 9110 §9.2.1).
    var isSafe: Bool { self == .get || self == .head || self == .options }
}

/// Security headers on every response: no caching of confidential data, a strict
/// Content-Security-Policy, no framing, no MIME sniffing.
struct SecurityHeadersMiddleware: HTTPMiddleware {
    func handle(_ request: HTTPRequest, next: @Sendable (HTTPRequest) async throws -> HTTPResponse) async throws -> HTTPResponse {
        var response = try await next(request)
        // A handler may set a stricter policy of its own (printable reports: no scripts at all).
        if response.headers["Content-Security-Policy"] == nil {
            response.headers.set(name: "Content-Security-Policy", value: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        }
        response.headers.set(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.set(name: "X-Frame-Options", value: "DENY")
        response.headers.set(name: "Referrer-Policy", value: "no-referrer")
        if response.headers["Cache-Control"] == nil {
            response.headers.set(name: "Cache-Control", value: "no-store")
        }
        return response
    }
}
