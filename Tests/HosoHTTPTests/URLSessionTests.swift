import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import HosoHTTP

/// Talks to the server with a real third-party HTTP client (libcurl under
/// FoundationNetworking on Linux), which exercises framing the way browsers do.
@Suite("URLSession against the live server")
struct URLSessionTests {
    struct Person: Codable { let name: String; let age: Int }
    struct Greeting: Codable, Equatable { let message: String; let nextAge: Int }

    func session() -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        return URLSession(configuration: configuration)
    }

    @Test func getAndPostJSON() async throws {
        try await withServer { _, port in
            let session = session()
            defer { session.finishTasksAndInvalidate() }

            let url = try #require(URL(string: "http://127.0.0.1:\(port)/hello"))
            let (data, response) = try await session.data(from: url)
            let http = try #require(response as? HTTPURLResponse)
            #expect(http.statusCode == 200)
            #expect(String(decoding: data, as: UTF8.self) == "xin chào")
            #expect(http.value(forHTTPHeaderField: "Content-Type") == "text/plain; charset=utf-8")

            var post = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)/greet")))
            post.httpMethod = "POST"
            post.setValue("application/json", forHTTPHeaderField: "Content-Type")
            post.httpBody = try JSONEncoder().encode(Person(name: "Lê Văn C", age: 29))
            let (created, createdResponse) = try await session.data(for: post)
            #expect((createdResponse as? HTTPURLResponse)?.statusCode == 201)
            #expect(try JSONDecoder().decode(Greeting.self, from: created) == Greeting(message: "Xin chào Lê Văn C", nextAge: 30))

            post.httpBody = Data(#"{"name":"X","age":"old"}"#.utf8)
            let (bad, badResponse) = try await session.data(for: post)
            #expect((badResponse as? HTTPURLResponse)?.statusCode == 400)
            #expect(String(decoding: bad, as: UTF8.self).contains(#""field":"age""#))

            post.setValue("text/plain", forHTTPHeaderField: "Content-Type")
            let (_, wrongType) = try await session.data(for: post)
            #expect((wrongType as? HTTPURLResponse)?.statusCode == 415)
        }
    }

    @Test func largeUploadAndDownload() async throws {
        try await withServer { _, port in
            let session = session()
            defer { session.finishTasksAndInvalidate() }
            var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)/echo")))
            request.httpMethod = "POST"
            request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
            let payload = Data(testPattern(size: 2_000_000))
            request.httpBody = payload
            let (echoed, response) = try await session.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(echoed == payload)
        }
    }
}
