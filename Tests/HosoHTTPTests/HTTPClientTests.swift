import Foundation
import Glibc
import Testing
@testable import HosoHTTP

/// The client the sync transport uses for `http://` parents: its answer reader on every
/// framing and every way an answer can be cut short or garbled, and the client against
/// the real server and against a peer that answers canned bytes and hangs up.
@Suite("HTTP client")
struct HTTPClientTests {
    typealias Random = ParserSplitTests.SplitMix64

    static let lengthAnswer = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"xin\":\"chào\"}".utf8)
    static let chunkedAnswer = Array("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nxin \r\n6\r\nchào!\r\n0\r\nX-Trailer: 1\r\n\r\n".utf8)
    static let closeAnswer = Array("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nđến hết kết nối".utf8)
    static let interimAnswer = Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\nX: y\r\n\r\n".utf8)

    /// Feeds `pieces` and then the close; returns the answer or the error.
    static func read(_ pieces: [ArraySlice<UInt8>], closeAtEnd: Bool = true, head: Bool = false) -> Result<HTTPClientResponse, HTTPClientError> {
        var reader = HTTPResponseReader(maxHeadBytes: 1_024, maxBodyBytes: 4_096, isHeadRequest: head)
        do throws(HTTPClientError) {
            for piece in pieces {
                if let answer = try reader.consume(piece) { return .success(answer) }
            }
            guard closeAtEnd else { return .failure(HTTPClientError(.timeout, "no close")) }
            return .success(try reader.finish())
        } catch {
            return .failure(error)
        }
    }

    @Test func everyFramingReadsTheSameHowEverTheBytesArrive() throws {
        let cases: [([UInt8], Int, String)] = [
            (Self.lengthAnswer, 200, "{\"xin\":\"chào\"}"),
            (Self.chunkedAnswer, 201, "xin chào!"),
            (Self.closeAnswer, 200, "đến hết kết nối"),
            (Self.interimAnswer, 204, ""),
        ]
        for (bytes, status, body) in cases {
            for cut in 0...bytes.count {
                let answer = try Self.read([bytes[..<cut], bytes[cut...]]).get()
                #expect(answer.status == status && String(decoding: answer.body, as: UTF8.self) == body, "cut at \(cut)")
            }
            let byteByByte = try Self.read(bytes.map { [$0][...] }).get()
            #expect(byteByByte.status == status && String(decoding: byteByByte.body, as: UTF8.self) == body)
        }
        let fields = try Self.read([Self.lengthAnswer[...]]).get().headers
        #expect(fields["content-type"] == "application/json")
        // A HEAD answer has no body whatever its Content-Length says.
        let head = try Self.read([Array("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n".utf8)[...]], closeAtEnd: false, head: true).get()
        #expect(head.status == 200 && head.body.isEmpty)
    }

    /// What killed nodes under URLSession: the peer closing anywhere before the answer is
    /// complete. Every cut is an `incomplete` error — in the head, in the body, in a chunk.
    @Test func anAnswerCutAnywhereIsAnErrorNeverAnAnswer() {
        for bytes in [Self.lengthAnswer, Self.chunkedAnswer, Self.interimAnswer] {
            for cut in 0..<bytes.count {
                let result = Self.read([bytes[..<cut]])
                guard case .failure(let error) = result else {
                    Issue.record("cut at \(cut) of \(bytes.count) gave an answer")
                    continue
                }
                #expect(error.kind == .incomplete, "cut at \(cut): \(error)")
            }
        }
        // A read-to-close body may end anywhere once its head is complete, but not before.
        let headEnd = Self.closeAnswer.firstRange(of: Array("\r\n\r\n".utf8))!.upperBound
        for cut in 0..<headEnd {
            if case .success = Self.read([Self.closeAnswer[..<cut]]) { Issue.record("cut at \(cut) in the head gave an answer") }
        }
        if case .failure(let error) = Self.read([]) { #expect(error.message.contains("without answering")) }
    }

    @Test func garbledAnswersAreRefusedClearly() {
        let refused: [(String, HTTPClientError.Kind)] = [
            ("SSH-2.0-OpenSSH_9.2\r\n\r\n", .malformed),
            ("HTTP/1.1 2000 OK\r\n\r\n", .malformed),
            ("HTTP/1.1 099 Low\r\n\r\n", .malformed),
            ("HTTP/2 200\r\n\r\n", .malformed),
            ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", .malformed),
            ("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", .malformed),
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", .malformed),
            ("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", .malformed),
            ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", .malformed),
            ("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", .tooLarge),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", .malformed),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .malformed),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", .malformed),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2000\r\n", .tooLarge),
            ("HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 2_000) + "\r\n\r\n", .tooLarge),
            ("HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 2_000), .tooLarge),
        ]
        for (text, kind) in refused {
            let result = Self.read([Array(text.utf8)[...]])
            guard case .failure(let error) = result else {
                Issue.record("accepted: \(text.prefix(60).debugDescription)")
                continue
            }
            #expect(error.kind == kind, "\(text.prefix(60).debugDescription): \(error)")
            #expect(!error.message.isEmpty)
        }
        // Empty lines before the status line are tolerated (RFC 9112 §2.2).
        #expect((try? Self.read([Array("\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8)[...]]).get())?.status == 200)
    }

    /// Seeded mutations of valid answers, in random pieces: the reader answers or errs,
    /// the same way whole as split, and never traps. `HOSO_FUZZ_SEED` replays.
    @Test func mutatedAnswersNeverTrap() {
        let env = ProcessInfo.processInfo.environment
        let seed = env["HOSO_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        let iterations = env["HOSO_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 20_000
        print("answer reader fuzz: seed \(seed), \(iterations) inputs (HOSO_FUZZ_SEED=\(seed) replays)")
        var r = Random(state: seed)
        let corpus = [Self.lengthAnswer, Self.chunkedAnswer, Self.closeAnswer, Self.interimAnswer]
        var outcomes = [String: Int]()
        for i in 0..<iterations {
            let input = ParserFuzzTests.mutate(corpus[r.int(corpus.count)], &r)
            let whole = Self.read([input[...]])
            var cuts = (0..<r.int(4)).map { _ in r.int(input.count + 1) }.sorted()
            cuts = [0] + cuts + [input.count]
            let split = Self.read(zip(cuts, cuts.dropFirst()).map { input[$0..<$1] })
            let same: Bool = switch (whole, split) {
            case (.success(let a), .success(let b)): a.status == b.status && a.body == b.body
            case (.failure(let a), .failure(let b)): a.kind == b.kind
            default: false
            }
            #expect(same, "seed \(seed) input #\(i) \(Array(input.prefix(200))) cut at \(cuts)")
            if !same { break }
            switch whole {
            case .success: outcomes["answer", default: 0] += 1
            case .failure(let error): outcomes["\(error.kind)", default: 0] += 1
            }
        }
        print("answer reader fuzz: \(outcomes.sorted { $0.key < $1.key })")
        #expect(outcomes["answer", default: 0] > 0 && outcomes["incomplete", default: 0] > 0 && outcomes["malformed", default: 0] > 0)
    }

    // MARK: - Over sockets

    @Test func talksToTheRealServer() async throws {
        try await withServer { _, port in
            let client = HTTPClient(idleTimeout: 10)
            let hello = try await client.send(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/hello")!)
            #expect(hello.status == 200 && String(decoding: hello.body, as: UTF8.self) == "xin chào")
            let greeting = try await client.send(method: "POST", url: URL(string: "http://localhost:\(port)/greet")!,
                                                 headers: ["Content-Type": "application/json"],
                                                 body: Array(#"{"name":"Lê Văn C","age":29}"#.utf8))
            #expect(greeting.status == 201 && String(decoding: greeting.body, as: UTF8.self).contains("Xin chào Lê Văn C"))
            let big = try await client.send(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/big?size=3000000")!)
            #expect(big.body == testPattern(size: 3_000_000))
            let missing = try await client.send(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/nowhere?q=a%20b")!)
            #expect(missing.status == 404)
        }
    }

    @Test func failuresToConnectAndSilentPeersAreErrorsInTime() async throws {
        let closedPort = try CannedPeer(answers: []).closeAndReturnPort()
        await #expect(throws: HTTPClientError.self) {
            try await HTTPClient(idleTimeout: 5).send(method: "GET", url: URL(string: "http://127.0.0.1:\(closedPort)/")!)
        }
        do {
            _ = try await HTTPClient(idleTimeout: 5).send(method: "GET", url: URL(string: "http://no-such-host.invalid/")!)
            Issue.record("resolved an .invalid name")
        } catch {
            #expect(error.kind == .connect)
        }
        do {
            _ = try await HTTPClient().send(method: "GET", url: URL(string: "https://127.0.0.1/")!)
            Issue.record("https is URLSession's")
        } catch {
            #expect(error.kind == .badURL)
        }
        // A peer that accepts and never answers: the idle timeout ends the wait.
        let silent = try CannedPeer(answers: [nil])
        let started = Date()
        do {
            _ = try await HTTPClient(idleTimeout: 0.5, totalTimeout: 5).send(method: "POST", url: URL(string: "http://127.0.0.1:\(silent.port)/sync/v1/hello")!, body: [1, 2, 3])
            Issue.record("a silent peer answered")
        } catch {
            #expect(error.kind == .timeout)
        }
        #expect(Date().timeIntervalSince(started) < 4.5)
        silent.stop()
    }

    /// A peer that hangs up after part of an answer, at every point of its head and a few
    /// of its body: the client reports an error each time (URLSession trapped on these).
    @Test func aPeerHangingUpMidAnswerIsAnError() async throws {
        let answer = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}".utf8)
        let cuts = Array(0..<70) + [answer.count - 5, answer.count - 1]
        let peer = try CannedPeer(answers: cuts.map { Array(answer.prefix($0)) } + [answer])
        for cut in cuts {
            do {
                let got = try await HTTPClient(idleTimeout: 10).send(method: "POST", url: URL(string: "http://127.0.0.1:\(peer.port)/x")!, body: Array("abc".utf8))
                Issue.record("cut at \(cut) answered \(got.status)")
            } catch {
                #expect(error.kind == .incomplete, "cut at \(cut): \(error)")
            }
        }
        let whole = try await HTTPClient(idleTimeout: 10).send(method: "POST", url: URL(string: "http://127.0.0.1:\(peer.port)/x")!, body: Array("abc".utf8))
        #expect(whole.status == 200 && whole.body == Array("{\"ok\":true}".utf8))
        #expect(peer.requests.allSatisfy { $0.hasPrefix("POST /x HTTP/1.1\r\nHost: 127.0.0.1:") && $0.contains("Connection: close\r\n") && $0.hasSuffix("\r\n\r\nabc") })
        peer.stop()
    }
}

/// A TCP peer on loopback that, for each connection in turn, reads one request and
/// writes the next canned answer (nil: never answers) and hangs up.
///
/// `@unchecked Sendable`: `lock` guards `received`.
final class CannedPeer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var received: [String] = []

    init(answers: [[UInt8]?]) throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        listener = listening
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listening, pointer, length) == 0 && Glibc.listen(listening, 16) == 0 && getsockname(listening, pointer, &length) == 0
            }
        }
        guard bound else { throw ClientError("canned peer: errno \(errno)") }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in
            for answer in answers {
                let fd = accept(listening, nil, nil)
                guard fd >= 0 else { return }
                var request: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4_096)
                // The head, then as many body bytes as Content-Length says.
                while true {
                    let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if n <= 0 { break }
                    request.append(contentsOf: chunk[0..<n])
                    if let end = request.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound {
                        let text = String(decoding: request[..<end], as: UTF8.self)
                        let length = text.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                            .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                        if request.count >= end + length { break }
                    }
                }
                lock.withLock { received.append(String(decoding: request, as: UTF8.self)) }
                if let answer {
                    _ = answer.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                } else {
                    Thread.sleep(forTimeInterval: 3)
                }
                _ = Glibc.close(fd)
            }
        }
        thread.start()
    }

    /// The requests received so far.
    var requests: [String] { lock.withLock { received } }

    /// Closes the listener (a port nothing listens on, for connection-refused tests).
    func closeAndReturnPort() -> Int {
        stop()
        return port
    }

    func stop() { _ = shutdown(listener, Int32(SHUT_RDWR)); _ = Glibc.close(listener) }
}
