import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HosoDomain
import HosoNode
import HosoTestSupport
import Testing

/// The node over real sockets, driven by URLSession, as a remote client sees it.
@Suite struct LiveServerTests {
    @Test func loginCreateReadOverLoopback() async throws {
        let path = NSTemporaryDirectory() + "hoso-live-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dir = DataDirectory(path)
        try dir.create()
        try dir.save(NodeConfiguration(name: "live", host: "127.0.0.1", port: 0))
        let seedStore = try NodeStore(path: dir.databasePath)
        let unit = try seedStore.createUnit(.commandLine(), UnitInput(code: "L", name: "Đơn vị L")).id
        _ = try seedStore.createUser(.commandLine(), UserInput(username: "hr.live", full_name: "HR", password: "matkhau123", role: .hr, unit_id: unit), hashCost: 1)

        let runtime = try NodeRuntime(directory: dir, log: Log(component: "test", level: .error))
        let port = try runtime.start()
        defer { runtime.stop() }
        #expect(throws: NodeError.self) { _ = try NodeRuntime(directory: dir) }   // a second process on one data dir

        let base = "http://127.0.0.1:\(port)"
        let session = URLSession(configuration: .ephemeral)
        func call(_ method: String, _ path: String, json: JSONValue? = nil, token: String? = nil) async throws -> (Int, JSONValue) {
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = method
            if let json {
                request.httpBody = Data(json.jsonString().utf8)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            let (data, response) = try await session.data(for: request)
            return ((response as! HTTPURLResponse).statusCode, (try? JSONValue.parse(String(decoding: data, as: UTF8.self))) ?? .null)
        }
        let (status, login) = try await call("POST", "/api/session", json: ["username": "hr.live", "password": "matkhau123"])
        #expect(status == 200)
        let token = try #require(login["token"].stringValue)
        let (created, doc) = try await call("POST", "/api/dossiers", json: .object(TestNode.person(name: "Hoàng Thị Mai", unit: unit, sex: "2")), token: token)
        #expect(created == 201)
        let id = try #require(doc["id"].stringValue)
        let (read, back) = try await call("GET", "/api/dossiers/\(id)", token: token)
        #expect(read == 200)
        #expect(back["full_name"].stringValue == "Hoàng Thị Mai")
        let (search, found) = try await call("GET", "/api/dossiers?q=hoang%20thi", token: token)
        #expect(search == 200)
        #expect(found["total"].numberValue == 1)
        let (invalid, _) = try await call("POST", "/api/dossiers", json: ["unit_id": .string(unit)], token: token)
        #expect(invalid == 422)
        let (openapi, doc2) = try await call("GET", "/openapi.json")
        #expect(openapi == 200)
        #expect(doc2["openapi"].stringValue == "3.0.3")
    }
}
