import Foundation
import HosoDomain
import HosoTestSupport
import Testing

/// Nodes reach the hub over HTTPS through nginx, as deployed: a throwaway CA and
/// certificates made by `deploy/tls/hoso-ca` (openssl), nginx configured from the shipped
/// template `deploy/nginx/hoso-hub.conf.in` terminating TLS in front of a hub process,
/// and nodes as `hoso` processes whose parent is `https://localhost:PORT`.
///
/// nginx must be installed (`.ci/run` installs it); without it the tests fail saying so,
/// unless `HOSO_SKIP_NGINX=1` skips them knowingly.
@Suite(.serialized) struct HTTPSSyncTests {
    /// nil when the test should not run (skipped knowingly); records an issue when nginx is missing.
    static func nginxAvailable() -> Bool {
        if ProcessInfo.processInfo.environment["HOSO_SKIP_NGINX"] == "1" { print("nginx tests skipped (HOSO_SKIP_NGINX=1)"); return false }
        guard NginxProxy.executable != nil else {
            Issue.record("The HTTPS tests need nginx (apt-get install nginx-light; .ci/run installs it) and openssl. Set HOSO_SKIP_NGINX=1 to skip.")
            return false
        }
        return true
    }

    static func temporaryRoot(_ name: String) -> String { NSTemporaryDirectory() + "hoso-\(name)-" + UUID().uuidString }

    static func cleanUp(_ root: String) {
        if ProcessInfo.processInfo.environment["HOSO_KEEP"] == nil { try? FileManager.default.removeItem(atPath: root) } else { print("kept \(root)") }
    }

    // MARK: The shipped configuration

    @Test func theShippedNginxConfigurationPassesNginxT() async throws {
        guard Self.nginxAvailable() else { return }
        let root = Self.temporaryRoot("nginx-t")
        defer { Self.cleanUp(root) }
        let ca = try LocalCA(directory: root + "/ca")
        let server = try ca.server("hoso.snv.example.gov.vn", ["10.0.0.5"])

        // As a province installs it: ports 443 and 80 (nginx -t binds nothing), with and
        // without client certificates.
        let proxy = try NginxProxy(directory: root + "/nginx", upstreamPort: 8700)
        for clientCA in [nil, ca.certificate] {
            try proxy.render(serverName: "hoso.snv.example.gov.vn", certificate: server.certificate, key: server.key,
                             clientCA: clientCA, listen: "443", httpListen: "80")
            let site = try String(contentsOfFile: proxy.directory + "/hoso-hub.conf", encoding: .utf8)
            #expect(site.range(of: "@[A-Z_]+@", options: .regularExpression) == nil, "every placeholder is filled")
            #expect(!site.contains("#mtls") && !site.contains("#redirect"))
            #expect(site.contains("ssl_verify_client optional;") == (clientCA != nil))
            #expect(site.contains("return 301 https://$host$request_uri;"))
            #expect(site.contains("$request_method $uri "), "the access log leaves query strings out")
            let checked = try proxy.test()
            #expect(checked.status == 0, "\(checked.output)")
            #expect(checked.output.contains("test is successful"), "\(checked.output)")
        }

        // The renderer refuses what would break the file, with the reason, exit 64.
        let missing = try HosoRepository.script("deploy/nginx/render-hub-conf", ["--server-name", "x", "--key", "/k"])
        #expect(missing.status == 64 && missing.stderr.contains("--cert is required"), "\(missing.stderr)")
        let hostile = try HosoRepository.script("deploy/nginx/render-hub-conf", ["--server-name", "x; return 200", "--cert", "/c", "--key", "/k"])
        #expect(hostile.status == 64 && hostile.stderr.contains("syntax"), "\(hostile.stderr)")
        let relative = try HosoRepository.script("deploy/nginx/render-hub-conf", ["--server-name", "x", "--cert", "hub.crt", "--key", "/k"])
        #expect(relative.status == 64 && relative.stderr.contains("absolute path"), "\(relative.stderr)")
        // nginx -t itself catches a key file that is not there.
        try proxy.render(certificate: server.certificate, key: root + "/no-such.key", listen: "443")
        let broken = try proxy.test()
        #expect(broken.status != 0 && broken.output.contains("no-such.key"), "\(broken.output)")
    }

    // MARK: Sync over verified TLS

    @Test func nodesSyncWithTheHubOverVerifiedHTTPSThroughNginx() async throws {
        guard Self.nginxAvailable() else { return }
        let root = Self.temporaryRoot("https")
        let province = try await ProcessProvince(root: root)
        defer { province.cleanUp() }
        let ca = try LocalCA(directory: root + "/ca")
        let server = try ca.server("localhost")
        let clientA = try ca.client("node-a")
        // A CA nobody trusts, with a certificate for the same name: what a wrong (or
        // intercepting) server would present.
        let rogue = try LocalCA(directory: root + "/rogue")
        let rogueServer = try rogue.server("localhost")

        for code in ["A", "C", "D", "E"] { try await province.addUnit(code, name: "Sở \(code)") }
        try await province.addUser("hr.a", role: "hr", unit: "A")
        let proxy = try NginxProxy(directory: root + "/nginx", upstreamPort: province.hub.port)
        defer { proxy.stop() }
        try proxy.render(certificate: server.certificate, key: server.key, clientCA: ca.certificate)
        try await proxy.start(caFile: ca.certificate)
        let parent = "https://localhost:\(proxy.port)"

        func enroll(_ code: String) throws -> String {
            let run = try HosoBinary.check(["hub", "enroll", "--data", province.hub.directory, "--name", "Nút \(code)", "--units", code, "--json"])
            return try #require(try JSONValue.parse(run)["token"].stringValue)
        }

        // Node A trusts the CA and presents its client certificate.
        let a = ProcessNode(name: "A", directory: root + "/A", port: ProcessNode.freePort())
        _ = try HosoBinary.check(["init", "--data", a.directory, "--name", "Nút A", "--parent", parent, "--token", try enroll("A"),
                                  "--port", String(a.port), "--sync-interval", "1", "--ca-file", ca.certificate,
                                  "--client-cert", clientA.certificate, "--client-key", clientA.key])
        try ProcessProvince.editConfiguration(a.directory) { config in
            var sync = config["sync"]?.objectValue ?? [:]
            sync["max_retry_seconds"] = .number(2)
            config["sync"] = .object(sync)
        }
        try await a.start()
        defer { a.stop() }
        let hr = try await province.firstLogin("hr.a", at: a, newPassword: province.password + "-moi")
        func create(_ name: String) async throws -> String {
            let answer = try await a.request("POST", "/api/dossiers", json: .object(TestTopology.person(name, unit: province.units["A"]!)), token: hr)
            #expect(answer.status == 201, "\(answer.json)")
            return try #require(answer.json["id"].stringValue)
        }
        func atHub(_ id: String) async throws -> Bool {
            try await province.hub.request("GET", "/api/dossiers/\(id)", token: province.admin).status == 200
        }
        func status() async throws -> JSONValue { try await a.request("GET", "/api/sync/status", token: hr).json }

        // 1. With verification on, a dossier made at the node reaches the hub.
        let first = try await create("Nguyễn Văn Một")
        #expect(await eventually { try await atHub(first) }, "node → nginx (TLS) → hub")
        #expect(await eventually { try await status()["state"] == "ok" })

        // 2. The TLS terminator presents a certificate from a CA the node does not trust:
        //    the node refuses it, says why, keeps working and keeps its changes.
        proxy.stop()
        try proxy.render(certificate: rogueServer.certificate, key: rogueServer.key, clientCA: ca.certificate)
        try await proxy.start(caFile: rogue.certificate)
        let second = try await create("Trần Thị Hai")
        let noticed = await eventually {
            let s = try await status()
            return s["state"] == "offline" && (s["last_error"].stringValue ?? "").contains("certificate was refused")
        }
        let refused = try await status()
        #expect(noticed, "\(refused)")
        #expect(refused["last_error"].stringValue?.contains("unable to get local issuer certificate") == true, "\(refused)")
        #expect((refused["pending_changes"].numberValue ?? 0) >= 1, "the dossier waits at the node: \(refused)")
        #expect(try await !atHub(second), "nothing went to the wrong server's upstream")

        // 3. The right certificate again: the waiting dossier arrives; nothing was lost.
        proxy.stop()
        try proxy.render(certificate: server.certificate, key: server.key, clientCA: ca.certificate)
        try await proxy.start(caFile: ca.certificate)
        #expect(await eventually { try await atHub(second) }, "the change made while TLS failed arrives")
        #expect(try await atHub(first))
        #expect(await eventually { let s = try await status(); return s["state"] == "ok" && s["pending_changes"] == 0 })

        // 4. A node that trusts the CA but has no client certificate is refused by the
        //    proxy, in the protocol's JSON: not retryable, and it says what is missing.
        let c = root + "/C"
        _ = try HosoBinary.check(["init", "--data", c, "--name", "Nút C", "--parent", parent, "--token", try enroll("C"), "--ca-file", ca.certificate])
        let noCertificate = try HosoBinary.run(["sync", "--data", c])
        #expect(noCertificate.status == 1, "\(noCertificate.stderr)")
        #expect(noCertificate.stderr.contains("(forbidden)") && noCertificate.stderr.contains("client certificate"), "\(noCertificate.stderr)")

        // 5. A node without the CA (the system's trust store only): a TLS error naming
        //    the fix; retryable (exit 75), since the server side may be what is wrong.
        let d = root + "/D"
        _ = try HosoBinary.check(["init", "--data", d, "--name", "Nút D", "--parent", parent, "--token", try enroll("D")])
        let untrusted = try HosoBinary.run(["sync", "--data", d])
        #expect(untrusted.status == 75, "\(untrusted.stderr)")
        #expect(untrusted.stderr.contains("(transport)") && untrusted.stderr.contains("unable to get local issuer certificate")
                && untrusted.stderr.contains("sync.ca_file"), "\(untrusted.stderr)")

        // 6. The certificate names localhost; a URL with the address is refused too.
        let e = root + "/E"
        _ = try HosoBinary.check(["init", "--data", e, "--name", "Nút E", "--parent", "https://127.0.0.1:\(proxy.port)", "--token", try enroll("E"),
                                  "--ca-file", ca.certificate, "--client-cert", clientA.certificate, "--client-key", clientA.key])
        let mismatch = try HosoBinary.run(["sync", "--data", e])
        #expect(mismatch.status == 75 && mismatch.stderr.contains("IP address mismatch"), "\(mismatch.stderr)")

        // 7. Unusable TLS settings are refused when written, and when the node starts.
        //    (`init` does not contact the parent: any well-formed credential will do.)
        let token = try #require(try JSONValue.parse(String(contentsOfFile: c + "/node.json", encoding: .utf8))["sync"]["credential"].stringValue)
        let bad = try HosoBinary.run(["init", "--data", root + "/F", "--name", "Nút F", "--parent", parent, "--token", token,
                                      "--ca-file", root + "/no-such-ca.crt"])
        #expect(bad.status == 64 && bad.stderr.contains("Cannot read the CA file"), "\(bad.stderr)")
        let plain = try HosoBinary.run(["init", "--data", root + "/G", "--name", "Nút G", "--parent", province.hub.baseURL, "--token", token,
                                        "--ca-file", ca.certificate])
        #expect(plain.status == 64 && plain.stderr.contains("apply to an https:// parent"), "\(plain.stderr)")
        let halfClient = try HosoBinary.run(["init", "--data", root + "/H", "--name", "Nút H", "--parent", parent, "--token", token,
                                             "--client-cert", clientA.certificate])
        #expect(halfClient.status == 64 && halfClient.stderr.contains("both its certificate file and its key file"), "\(halfClient.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/F/node.json"), "a refused init writes nothing")
        try ProcessProvince.editConfiguration(c) { config in
            var sync = config["sync"]?.objectValue ?? [:]
            sync["ca_file"] = .string(root + "/moved-away.crt")
            config["sync"] = .object(sync)
        }
        let serve = try HosoBinary.run(["serve", "--data", c, "--port", "0"])
        #expect(serve.status != 0 && serve.stderr.contains("Cannot read the CA file") && serve.stderr.contains("moved-away.crt"), "\(serve.stderr)")
    }
}
