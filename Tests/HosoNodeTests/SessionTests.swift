import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoTestSupport
import Testing

@Suite struct SessionTests {
    @Test func passwordsAreYescryptHashes() throws {
        let hash = try PasswordHasher.hash("matkhau123", cost: 1)
        #expect(hash.hasPrefix("$y$"))
        #expect(PasswordHasher.verify("matkhau123", hash: hash))
        #expect(!PasswordHasher.verify("matkhau124", hash: hash))
        #expect(try PasswordHasher.hash("matkhau123", cost: 1) != hash, "salted")
        #expect(!PasswordHasher.verify("x", hash: "not-a-hash"))
    }

    @Test func wrongCredentialsLookTheSameForUnknownUsers() async throws {
        let node = try TestNode()
        let wrong = await node.send(.post, "/api/session", json: ["username": "hr.a", "password": "sai-mat-khau1"])
        let unknown = await node.send(.post, "/api/session", json: ["username": "khong-co", "password": "sai-mat-khau1"])
        #expect(wrong.status.code == 401)
        #expect(unknown.status.code == 401)
        #expect(wrong.json["error"] == unknown.json["error"])
    }

    @Test func accountLocksAfterRepeatedFailuresAndAdminResetUnlocks() async throws {
        var policy = SessionPolicy()
        policy.maxFailedAttempts = 3
        let node = try TestNode(policy: policy)
        for _ in 0..<3 {
            #expect(await node.send(.post, "/api/session", json: ["username": "hr.b", "password": "sai-mat-khau1"]).status.code == 401)
        }
        let locked = await node.send(.post, "/api/session", json: ["username": "hr.b", "password": .string(TestNode.password)])
        #expect(locked.status.code == 429, "even the right password is refused while locked")
        #expect(locked.json["error"]["code"].stringValue == "account_locked")
        let admin = try await node.login("admin")
        let hrB = try node.store.users(.commandLine()).first { $0.username == "hr.b" }!
        let reset = await node.send(.post, "/api/users/\(hrB.id)/password", json: ["new_password": "moi-mat-khau2"], token: admin.token)
        #expect(reset.status.code == 204, "\(reset.bodyText)")
        let s = try await node.login("hr.b", password: "moi-mat-khau2")
        // After a reset the user must change the password before doing anything else.
        let blocked = await node.send(.get, "/api/dossiers", token: s.token)
        #expect(blocked.status.code == 403)
        #expect(blocked.json["error"]["code"].stringValue == "password_change_required")
        let change = await node.send(.post, "/api/session/password", json: ["current_password": "moi-mat-khau2", "new_password": "cua-toi-rieng3"], token: s.token)
        #expect(change.status.code == 204, "\(change.bodyText)")
        #expect(await node.send(.get, "/api/dossiers", token: s.token).status.code == 200)
    }

    @Test func weakPasswordsAreRefused() async throws {
        let node = try TestNode()
        let s = try await node.login("hr.a")
        for (password, code) in [("ngan1", "too_short"), ("chicochu", "too_weak"), ("12345678", "too_weak")] {
            let r = await node.send(.post, "/api/session/password", json: ["current_password": .string(TestNode.password), "new_password": .string(password)], token: s.token)
            #expect(r.status.code == 422)
            #expect(r.json["error"]["fields"][0]["code"].stringValue == code, "\(password)")
        }
        let wrongCurrent = await node.send(.post, "/api/session/password", json: ["current_password": "sai", "new_password": "hopLe12345"], token: s.token)
        #expect(wrongCurrent.json["error"]["fields"][0]["code"].stringValue == "wrong_password")
    }

    @Test func logoutEndsTheSession() async throws {
        let node = try TestNode()
        let s = try await node.login("admin")
        #expect(await node.send(.get, "/api/session", token: s.token).status.code == 200)
        let out = await node.send(.delete, "/api/session", token: s.token)
        #expect(out.status.code == 204)
        #expect(out.headers["Set-Cookie"]?.contains("Max-Age=0") == true)
        #expect(await node.send(.get, "/api/session", token: s.token).status.code == 401)
    }

    @Test func sessionsExpireWhenIdleOrTooOld() throws {
        let node = try TestNode()
        var policy = SessionPolicy()
        policy.idleTimeout = 60
        policy.absoluteTimeout = 300
        let t0 = Date()
        let grant = try node.store.login(username: "admin", password: TestNode.password, client: nil, policy: policy, now: t0)
        #expect(try node.store.session(token: grant.token, policy: policy, now: t0.addingTimeInterval(50)) != nil)
        #expect(try node.store.session(token: grant.token, policy: policy, now: t0.addingTimeInterval(100)) != nil, "idle timer refreshed at +50 s")
        #expect(try node.store.session(token: grant.token, policy: policy, now: t0.addingTimeInterval(170)) == nil, "idle for 70 s")
        let second = try node.store.login(username: "admin", password: TestNode.password, client: nil, policy: policy, now: t0)
        var t = t0
        for _ in 0..<6 {
            t = t.addingTimeInterval(55)
            _ = try node.store.session(token: second.token, policy: policy, now: t)
        }
        #expect(try node.store.session(token: second.token, policy: policy, now: t0.addingTimeInterval(310)) == nil, "absolute lifetime")
    }

    @Test func cookieSessionsNeedTheCSRFToken() async throws {
        let node = try TestNode()
        let login = await node.send(.post, "/api/session", json: ["username": "hr.a", "password": .string(TestNode.password)])
        let cookie = try #require(login.headers["Set-Cookie"])
        #expect(cookie.contains("HttpOnly"))
        #expect(cookie.contains("SameSite=Strict"))
        let value = String(cookie.split(separator: ";")[0])
        let csrf = try #require(login.json["csrf_token"].stringValue)
        let read = await node.send(.get, "/api/dossiers", headers: [("Cookie", value)])
        #expect(read.status.code == 200, "safe methods need no token")
        let body = JSONValue.object(["phone": "0900000000"]).jsonString()
        let noToken = await node.send(.patch, "/api/dossiers/\(node.dossierA1)", headers: [("Cookie", value), ("Content-Type", "application/json")], body: Array(body.utf8))
        #expect(noToken.status.code == 403)
        #expect(noToken.json["error"]["code"].stringValue == "csrf_failed")
        let wrongToken = await node.send(.patch, "/api/dossiers/\(node.dossierA1)", headers: [("Cookie", value), ("Content-Type", "application/json"), ("X-CSRF-Token", "00")], body: Array(body.utf8))
        #expect(wrongToken.status.code == 403)
        let ok = await node.send(.patch, "/api/dossiers/\(node.dossierA1)", headers: [("Cookie", value), ("Content-Type", "application/json"), ("X-CSRF-Token", csrf)], body: Array(body.utf8))
        #expect(ok.status.code == 200)
    }

    @Test func deactivatingAnAccountEndsItsSessions() async throws {
        let node = try TestNode()
        let victim = try await node.login("head.a")
        let admin = try await node.login("admin")
        let headA = try node.store.users(.commandLine()).first { $0.username == "head.a" }!
        #expect(await node.send(.patch, "/api/users/\(headA.id)", json: ["active": false], token: admin.token).status.code == 200)
        #expect(await node.send(.get, "/api/dossiers", token: victim.token).status.code == 401)
        let again = await node.send(.post, "/api/session", json: ["username": "head.a", "password": .string(TestNode.password)])
        #expect(again.status.code == 403)
    }

    @Test func securityHeadersOnEveryResponse() async throws {
        let node = try TestNode()
        for response in [await node.send(.get, "/healthz"), await node.send(.get, "/api/dossiers"), await node.send(.get, "/nowhere")] {
            #expect(response.headers["Content-Security-Policy"]?.contains("default-src 'self'") == true)
            #expect(response.headers["X-Content-Type-Options"] == "nosniff")
            #expect(response.headers["Cache-Control"] == "no-store")
            #expect(response.headers["X-Request-Id"] != nil)
        }
    }
}
