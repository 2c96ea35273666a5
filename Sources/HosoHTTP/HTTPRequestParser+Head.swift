/// Request-line, field-line and framing rules of the parser.
extension HTTPRequestParser {
    /// `request-line = method SP request-target SP HTTP-version` (RFC 9112 §3).
    ///
    /// Exactly one SP between the parts: RFC 9112 §3 only *permits* splitting on other
    /// whitespace, and being lenient here is how front-ends and back-ends come to
    /// disagree about where a request ends.
    mutating func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) {
        let parts = line.split(separator: HTTPSyntax.space, maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw HTTPParseError(.invalidRequestLine, "request line is not three space-separated parts")
        }
        guard HTTPSyntax.isToken(parts[0]) else {
            throw HTTPParseError(.invalidMethod, "method is not a token")
        }
        let method = HTTPMethod(rawValue: String(decoding: parts[0], as: UTF8.self))
        let version = try parseVersion(parts[2])
        let target = String(decoding: parts[1], as: UTF8.self)
        pending.parsedTarget = try RequestTarget.parse(target, method: method)
        pending.method = method
        pending.version = version
        pending.target = target
    }

    /// `HTTP-version = "HTTP/" DIGIT "." DIGIT`, case-sensitive (RFC 9112 §2.3).
    /// A well-formed version with a major other than 1 gets 505; any minor of major 1
    /// is served with HTTP/1.1 semantics (RFC 9110 §6.2).
    private func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        let text = Array(bytes)
        guard text.count == 8, text[0..<5].elementsEqual("HTTP/".utf8), text[6] == UInt8(ascii: "."),
              (0x30...0x39).contains(text[5]), (0x30...0x39).contains(text[7]) else {
            throw HTTPParseError(.invalidVersion, "malformed HTTP-version")
        }
        let version = HTTPVersion(major: Int(text[5] - 0x30), minor: Int(text[7] - 0x30))
        guard version.major == 1 else {
            throw HTTPParseError(.unsupportedVersion, "HTTP major version \(version.major) is not served")
        }
        return version
    }

    /// Parses one header field line and appends it to the pending head.
    mutating func parseFieldLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) {
        guard pending.headers.count < limits.maxHeaderCount else {
            throw HTTPParseError(.tooManyHeaderFields, "more than \(limits.maxHeaderCount) header fields")
        }
        let field = try validateField(line)
        pending.headers.add(name: field.name, value: field.value)
    }

    /// `field-line = field-name ":" OWS field-value OWS` (RFC 9112 §5).
    func validateField(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPHeaders.Field {
        if let first = line.first, HTTPSyntax.isWhitespace(first) {
            // RFC 9112 §5.2: a server that receives obs-fold MUST reject it (or unfold);
            // §2.2: whitespace before the first field line MUST be rejected or ignored.
            throw HTTPParseError(.obsoleteLineFolding, "field line starts with whitespace")
        }
        guard let colon = line.firstIndex(of: HTTPSyntax.colon) else {
            throw HTTPParseError(.invalidHeader, "field line without a colon")
        }
        let name = line[line.startIndex..<colon]
        guard HTTPSyntax.isToken(name) else {
            // Includes whitespace between name and colon, which RFC 9112 §5.1 says MUST be
            // rejected with 400.
            throw HTTPParseError(.invalidHeader, "field name is not a token")
        }
        let value = HTTPSyntax.trimmingWhitespace(line[(colon + 1)...])
        guard value.allSatisfy(HTTPSyntax.isFieldValueByte) else {
            throw HTTPParseError(.invalidHeader, "control character in field value")
        }
        return HTTPHeaders.Field(name: String(decoding: name, as: UTF8.self),
                                 value: String(decoding: value, as: UTF8.self))
    }

    /// Applies the head-level rules once the empty line arrives and chooses the body
    /// framing (RFC 9112 §6.3). Returns the request when it has no body.
    mutating func finishHead() throws(HTTPParseError) -> HTTPRequest? {
        let headers = pending.headers
        try checkHost(headers.values(for: "Host"))

        let transferEncodings = headers.values(for: "Transfer-Encoding")
        let contentLengths = headers.values(for: "Content-Length")
        if !transferEncodings.isEmpty {
            // RFC 9112 §6.3 rule 3: TE with CL "ought to be handled as an error" — the
            // classic smuggling shape. Refuse it rather than let TE win.
            guard contentLengths.isEmpty else {
                throw HTTPParseError(.conflictingFraming, "both Content-Length and Transfer-Encoding")
            }
            guard pending.version >= .http1_1 else {
                // RFC 9112 §6.1: TE in an HTTP/1.0 message means the framing is faulty.
                throw HTTPParseError(.invalidTransferEncoding, "Transfer-Encoding in an HTTP/1.0 request")
            }
            let codings = transferEncodings.flatMap(HTTPSyntax.listMembers)
            guard codings.last == "chunked" else {
                // RFC 9112 §6.3 rule 4: chunked not final → 400 and close.
                throw HTTPParseError(.invalidTransferEncoding, "chunked is not the final transfer coding")
            }
            guard !codings.dropLast().contains("chunked") else {
                throw HTTPParseError(.invalidTransferEncoding, "chunked applied more than once")
            }
            guard codings.count == 1 else {
                throw HTTPParseError(.unsupportedTransferEncoding, "only the chunked transfer coding is supported")
            }
            state = .chunkSize
        } else if let first = contentLengths.first {
            // RFC 9110 §8.6 allows collapsing identical repeats; refusing every repeat is
            // simpler and closes the "42, 42" / "42, 43" ambiguity entirely.
            guard contentLengths.count == 1 else {
                throw HTTPParseError(.invalidContentLength, "Content-Length repeated")
            }
            switch HTTPSyntax.parseDecimal(first.utf8) {
            case .invalid:
                throw HTTPParseError(.invalidContentLength, "Content-Length is not a non-negative integer")
            case .overflow:
                throw HTTPParseError(.bodyTooLarge, "Content-Length exceeds \(limits.maxBodyBytes) bytes")
            case .value(let length):
                guard length <= limits.maxBodyBytes else {
                    throw HTTPParseError(.bodyTooLarge, "Content-Length exceeds \(limits.maxBodyBytes) bytes")
                }
                if length == 0 { return complete() }
                // Reserve modestly: a claimed length is not yet a received body.
                pending.body.reserveCapacity(min(length, 64 * 1024))
                state = .fixedBody(remaining: length)
            }
        } else {
            if limits.requireContentLength && pending.method.expectsBody {
                throw HTTPParseError(.lengthRequired, "\(pending.method) without Content-Length")
            }
            // RFC 9112 §6.3 rule 7: a request without framing has an empty body.
            return complete()
        }
        continueExpected = pending.version >= .http1_1
            && headers.tokens(for: "Expect").contains("100-continue")
        return nil
    }

    /// RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, or with several Host
    /// lines, or with an invalid Host value.
    private func checkHost(_ hosts: [String]) throws(HTTPParseError) {
        guard hosts.count <= 1 else {
            throw HTTPParseError(.invalidHost, "more than one Host field")
        }
        guard let host = hosts.first else {
            if pending.version >= .http1_1 { throw HTTPParseError(.invalidHost, "HTTP/1.1 request without Host") }
            return
        }
        // uri-host [ ":" port ]: unreserved, pct-encoded, sub-delims, IP-literal brackets.
        let valid = host.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || "-._~%!$&'()*+,;=:[]".utf8.contains(byte)
        }
        guard valid else { throw HTTPParseError(.invalidHost, "Host value is not a valid authority") }
    }

    /// `chunk-size [ chunk-ext ]` (RFC 9112 §7.1), with
    /// `chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )`.
    /// Extensions are checked for forbidden bytes and ignored. A size that overflows
    /// `Int` or pushes the body past the limit gets 413.
    mutating func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        let digitsEnd = line.firstIndex { HTTPSyntax.hexValue($0) == nil } ?? line.endIndex
        let digits = line[line.startIndex..<digitsEnd]
        guard !digits.isEmpty else {
            throw HTTPParseError(.invalidChunk, "chunk-size is not hexadecimal")
        }
        let extensions = line[digitsEnd...]
        if !extensions.isEmpty {
            let afterSpace = extensions.drop(while: HTTPSyntax.isWhitespace)
            guard afterSpace.first == UInt8(ascii: ";"),
                  extensions.allSatisfy(HTTPSyntax.isFieldValueByte) else {
                throw HTTPParseError(.invalidChunk, "malformed chunk extension")
            }
        }
        let remaining = limits.maxBodyBytes - pending.body.count
        switch HTTPSyntax.parseHex(digits) {
        case .invalid:
            throw HTTPParseError(.invalidChunk, "chunk-size is not hexadecimal")
        case .overflow:
            throw HTTPParseError(.bodyTooLarge, "chunked body exceeds \(limits.maxBodyBytes) bytes")
        case .value(let size):
            guard size <= remaining else {
                throw HTTPParseError(.bodyTooLarge, "chunked body exceeds \(limits.maxBodyBytes) bytes")
            }
            return size
        }
    }
}
