import Foundation

/// Everything that tunes ``HTTPServer`` and ``HTTPRequestParser``.
public struct HTTPServerConfiguration: Sendable, Hashable {
    /// Size limits enforced while parsing, before any byte reaches a handler.
    public struct Limits: Sendable, Hashable {
        /// Longest accepted request line, without its CRLF (default 8 KiB). RFC 9112 §3
        /// recommends supporting at least 8000 octets; longer lines get 414.
        public var maxRequestLineLength: Int
        /// Byte budget of the header section, counting every field line and the final
        /// empty line with their CRLFs (default 16 KiB); beyond it, 431.
        /// The trailer section of a chunked body has its own budget of the same size.
        public var maxHeaderBytes: Int
        /// Maximum number of field lines (default 100); beyond it, 431.
        public var maxHeaderCount: Int
        /// Maximum decoded body size (default 8 MiB); beyond it, 413.
        public var maxBodyBytes: Int
        /// Longest chunk-size line including extensions and CRLF (default 4 KiB).
        public var maxChunkLineLength: Int
        /// Whether POST, PUT and PATCH without Content-Length or Transfer-Encoding are
        /// refused with 411 instead of being read as having an empty body
        /// (RFC 9112 §6.3 rule 7 makes the empty body the default; RFC 9110 §15.5.12
        /// lets a server insist on a length).
        public var requireContentLength: Bool

        /// Creates limits; every parameter has the documented default.
        public init(maxRequestLineLength: Int = 8 * 1024,
                    maxHeaderBytes: Int = 16 * 1024,
                    maxHeaderCount: Int = 100,
                    maxBodyBytes: Int = 8 * 1024 * 1024,
                    maxChunkLineLength: Int = 4 * 1024,
                    requireContentLength: Bool = false) {
            self.maxRequestLineLength = maxRequestLineLength
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodyBytes = maxBodyBytes
            self.maxChunkLineLength = maxChunkLineLength
            self.requireContentLength = requireContentLength
        }
    }

    /// Address to bind: an IPv4/IPv6 literal or a host name (default loopback only).
    public var host: String
    /// Port to bind; 0 lets the kernel pick a free one (see ``HTTPServer/start()``).
    public var port: Int
    /// Parser limits.
    public var limits: Limits
    /// Seconds a client has to deliver a complete request head, counted from the
    /// connection's acceptance for the first request and from the first byte for
    /// later ones. Defeats slowloris-style clients; on expiry the server answers 408.
    public var headerTimeout: TimeInterval
    /// Seconds an idle keep-alive connection is kept between requests; expiry closes
    /// it silently (RFC 9112 §9.5 allows closing idle connections at any time).
    public var idleTimeout: TimeInterval
    /// Seconds allowed to receive a whole body once the head is complete (a total,
    /// not a per-read gap, so a byte-a-second drip cannot hold a connection).
    public var bodyTimeout: TimeInterval
    /// Seconds allowed to write one response to a client that does not read.
    public var writeTimeout: TimeInterval
    /// Connections served at once. Beyond it a connection is accepted, answered 503
    /// with `Connection: close` and closed, so clients get an answer instead of a hang.
    public var maxConnections: Int
    /// `listen(2)` backlog.
    public var backlog: Int32
    /// Optional `Server` header value; none by default (less fingerprinting).
    public var serverName: String?

    /// Creates a configuration; every parameter has a default.
    public init(host: String = "127.0.0.1",
                port: Int = 8080,
                limits: Limits = Limits(),
                headerTimeout: TimeInterval = 10,
                idleTimeout: TimeInterval = 60,
                bodyTimeout: TimeInterval = 60,
                writeTimeout: TimeInterval = 60,
                maxConnections: Int = 1024,
                backlog: Int32 = 1024,
                serverName: String? = nil) {
        self.host = host
        self.port = port
        self.limits = limits
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
        self.writeTimeout = writeTimeout
        self.maxConnections = maxConnections
        self.backlog = backlog
        self.serverName = serverName
    }

    /// Seconds a closing connection keeps draining client bytes after half-closing,
    /// so that a final error response is not destroyed by a TCP reset
    /// (RFC 9112 §9.6: close the write side, then keep reading for a while).
    var lingerTimeout: TimeInterval { 2 }

    /// Bytes drained while lingering before giving up.
    var lingerMaxBytes: Int { 1 << 20 }
}
