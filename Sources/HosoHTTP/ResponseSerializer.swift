import Glibc

/// Turns an ``HTTPResponse`` into the exact bytes written on the socket: status line,
/// header section and content in one buffer, so a response leaves in a single send
/// loop and pipelined responses can never interleave.
enum ResponseSerializer {
    /// Fields the server always computes itself; values set by handlers are dropped
    /// so the framing cannot be wrong (RFC 9112 §6.3).
    private static let managedFields: Set<String> = [
        "content-length", "transfer-encoding", "connection", "keep-alive", "date", "upgrade",
    ]

    /// Serialises `response`.
    /// - Parameters:
    ///   - method: the request's method (HEAD gets headers only), or nil for a response
    ///     to an unparseable request.
    ///   - version: the request's version, to decide whether a persistent HTTP/1.0
    ///     connection must be announced with `Connection: keep-alive`.
    ///   - keepAlive: whether the connection stays open; false adds `Connection: close`.
    static func serialize(_ response: HTTPResponse, method: HTTPMethod?, version: HTTPVersion,
                          keepAlive: Bool, serverName: String?, now: time_t = time(nil)) -> [UInt8] {
        let status = response.status
        let isHead = method == .head
        var out: [UInt8] = []
        out.reserveCapacity(256 + (isHead ? 0 : response.body.count))

        // RFC 9112 §4: we always speak HTTP/1.1, whatever minor version was received.
        append(&out, "HTTP/1.1 \(status.code) ")
        append(&out, isSafeValue(status.reason) ? status.reason : HTTPStatus(code: status.code).reason)
        append(&out, "\r\n")

        var userContentLength: String?
        for field in response.headers {
            let lower = HTTPSyntax.lowercased(field.name)
            if lower == "content-length" { userContentLength = field.value }
            if managedFields.contains(lower) || (serverName != nil && lower == "server") { continue }
            // Drop anything that could split the response (CR/LF/NUL in a value, a
            // non-token name): a handler bug must not become response splitting.
            guard HTTPSyntax.isToken(field.name.utf8), isSafeValue(field.value) else { continue }
            append(&out, field.name)
            append(&out, ": ")
            append(&out, field.value)
            append(&out, "\r\n")
        }

        append(&out, "Date: \(HTTPDate.format(now))\r\n")
        if let serverName, isSafeValue(serverName) { append(&out, "Server: \(serverName)\r\n") }
        if !keepAlive {
            append(&out, "Connection: close\r\n")
        } else if version < .http1_1 {
            append(&out, "Connection: keep-alive\r\n")
        }

        // RFC 9110 §8.6: no Content-Length in 1xx or 204; 304 carries none here either.
        // For HEAD, the length is what GET would send (the router records it).
        let sendsBody = status.allowsBody && !isHead
        if status.allowsBody {
            var length = response.body.count
            if isHead, let text = userContentLength, case .value(let declared) = HTTPSyntax.parseDecimal(text.utf8) {
                length = declared
            }
            append(&out, "Content-Length: \(length)\r\n")
        }
        append(&out, "\r\n")
        if sendsBody { out.append(contentsOf: response.body) }
        return out
    }

    /// The interim `100 Continue` response (RFC 9110 §15.2.1).
    static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private static func isSafeValue(_ value: String) -> Bool {
        value.utf8.allSatisfy(HTTPSyntax.isFieldValueByte)
    }

    private static func append(_ out: inout [UInt8], _ text: String) {
        out.append(contentsOf: text.utf8)
    }
}

/// IMF-fixdate formatting for the `Date` header (RFC 9110 §5.6.7), e.g.
/// `Sun, 06 Nov 1994 08:49:37 GMT`. Uses `gmtime_r`, so no locale or formatter state.
enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Formats a Unix time.
    static func format(_ time: time_t) -> String {
        var seconds = time
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil,
              days.indices.contains(Int(parts.tm_wday)), months.indices.contains(Int(parts.tm_mon)) else {
            return "Thu, 01 Jan 1970 00:00:00 GMT"
        }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
