import Foundation
import Testing
@testable import HosoHTTP

/// A seeded mutation fuzzer for the HTTP/1.1 request parser. Valid requests are mutated
/// (bit flips, inserted CR/LF/colons/NULs, deletions, duplicated ranges, splices, absurd
/// lengths and chunk sizes, truncation); every input must parse without crashing or
/// hanging, and give the same requests and the same error whole as when split at random
/// points. The seed is printed; `HOSO_FUZZ_SEED` replays a run and
/// `HOSO_FUZZ_ITERATIONS` makes it longer (a soak run: `HOSO_FUZZ_ITERATIONS=2000000`).
@Suite("Parser fuzzing")
struct ParserFuzzTests {
    typealias Random = ParserSplitTests.SplitMix64

    static let corpus: [[UInt8]] = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /api/dossiers?q=nguy%E1%BB%85n&page=2 HTTP/1.1\r\nHost: x\r\nCookie: hoso_session=abc; x=y\r\nAccept: */*\r\n\r\n",
        "POST /api/session HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 36\r\n\r\n{\"username\":\"a\",\"password\":\"bcdefg\"}",
        "POST /sync/v1/push HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
        "PUT /api/units/1/quotas HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n",
        "DELETE /api/searches/9 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: h\r\nX-Long: " + String(repeating: "v", count: 300) + "\r\n\r\n",
    ].map { Array($0.utf8) }

    static let tokens: [[UInt8]] = ["\r\n", "\r\n\r\n", "\n", "\r", ":", " ", "\t", "\0", "\u{7F}", "%", "%zz", "Content-Length: ", "Transfer-Encoding: chunked",
                                    "99999999999999999999", "-1", "0x10", "ffffffffffffffff", "HTTP/1.1", "HTTP/9.9", "\u{FF}"].map { Array($0.utf8) }

    static func mutate(_ input: [UInt8], _ r: inout Random) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + r.int(4)) {
            let at = r.int(bytes.count + 1)
            switch r.int(8) {
            case 0 where !bytes.isEmpty: let i = r.int(bytes.count); bytes[i] ^= UInt8(1 << r.int(8))
            case 1: bytes.insert(UInt8(truncatingIfNeeded: r.next()), at: at)
            case 2: bytes.insert(contentsOf: tokens[r.int(tokens.count)], at: at)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, at + 1 + r.int(16))
                if at < end { bytes.removeSubrange(at..<end) }
            case 4 where !bytes.isEmpty:
                let start = r.int(bytes.count), length = 1 + r.int(min(64, bytes.count - start))
                bytes.insert(contentsOf: bytes[start..<start + length], at: at)
            case 5:
                let other = corpus[r.int(corpus.count)]
                bytes = Array(bytes.prefix(at)) + other.suffix(r.int(other.count + 1))
            case 6: bytes = Array(bytes.prefix(at))
            default:
                // Rewrite a run of digits (a length, a chunk size, a status) to something absurd.
                if let i = bytes.indices.dropFirst(r.int(max(1, bytes.count))).first(where: { (0x30...0x39).contains(bytes[$0]) }) {
                    var j = i
                    while j < bytes.count, (0x30...0x39).contains(bytes[j]) { j += 1 }
                    bytes.replaceSubrange(i..<j, with: tokens[13 + r.int(4)])
                }
            }
        }
        return bytes
    }

    @Test func mutatedRequestsParseTheSameHowEverTheyArrive() {
        let env = ProcessInfo.processInfo.environment
        let seed = env["HOSO_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        let iterations = env["HOSO_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 20_000
        print("parser fuzz: seed \(seed), \(iterations) inputs (HOSO_FUZZ_SEED=\(seed) replays)")
        var r = Random(state: seed)
        var errorsSeen = Set<HTTPParseError.Kind>()
        // Small limits too, so that every limit error is reached.
        let small = HTTPServerConfiguration.Limits(maxRequestLineLength: 64, maxHeaderBytes: 256, maxHeaderCount: 6, maxBodyBytes: 40, maxChunkLineLength: 12)
        var parsed = 0, refused = 0, incomplete = 0
        for i in 0..<iterations {
            let input = Self.mutate(Self.corpus[r.int(Self.corpus.count)], &r)
            let limits = i % 3 == 0 ? small : HTTPServerConfiguration.Limits()
            let whole = ParserSplitTests.run([input[...]], limits: limits)
            var cuts = (0..<r.int(4)).map { _ in r.int(input.count + 1) }.sorted()
            cuts = [0] + cuts + [input.count]
            let pieces = zip(cuts, cuts.dropFirst()).map { input[$0..<$1] }
            let split = ParserSplitTests.run(pieces, limits: limits)
            #expect(whole == split, "seed \(seed) input #\(i) \(Array(input.prefix(200))) cut at \(cuts)")
            if whole != split { break }
            if let kind = whole.error?.kind { errorsSeen.insert(kind) }
            if whole.error != nil { refused += 1 } else if whole.requests.isEmpty { incomplete += 1 } else { parsed += 1 }
        }
        print("parser fuzz: \(parsed) parsed, \(refused) refused with an error, \(incomplete) incomplete")
        // The mutations reach all three outcomes (a fuzzer that only ever errs tests little).
        #expect(parsed > 0 && refused > 0 && incomplete > 0)
        #expect(errorsSeen.count >= 8, "the mutations reach many error paths; only saw \(errorsSeen)")
    }
}

extension ParserSplitTests.SplitMix64 {
    /// A number in 0..<n (0 when n is 0).
    mutating func int(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}
