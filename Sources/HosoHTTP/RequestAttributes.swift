/// A key for a typed value stored on a request by middleware.
///
/// Declare a caseless enum per attribute:
/// ```swift
/// enum AuthenticatedUserKey: RequestAttributeKey { typealias Value = User }
/// request.attributes[AuthenticatedUserKey.self] = user
/// ```
/// The key's type identity is the storage key, so two modules cannot collide by
/// choosing the same string.
public protocol RequestAttributeKey {
    /// The type of the stored value.
    associatedtype Value: Sendable
}

/// Typed per-request storage filled by middleware (authenticated user, request id…)
/// and read by handlers.
///
/// A value type: a middleware that sets an attribute passes the modified copy to
/// `next`, so attributes never leak between requests or backwards up the chain.
public struct RequestAttributes: Sendable {
    private var storage: [ObjectIdentifier: any Sendable] = [:]

    /// Empty storage.
    public init() {}

    /// The value stored under `key`, or nil. Setting nil removes it.
    public subscript<K: RequestAttributeKey>(_ key: K.Type) -> K.Value? {
        get { storage[ObjectIdentifier(key)] as? K.Value }
        set {
            if let newValue {
                storage[ObjectIdentifier(key)] = newValue
            } else {
                storage.removeValue(forKey: ObjectIdentifier(key))
            }
        }
    }

    /// The value stored under `key`, or `defaultValue` when there is none.
    public subscript<K: RequestAttributeKey>(_ key: K.Type, default defaultValue: @autoclosure () -> K.Value) -> K.Value {
        self[key] ?? defaultValue()
    }

    /// Whether a value is stored under `key`.
    public func contains<K: RequestAttributeKey>(_ key: K.Type) -> Bool {
        storage[ObjectIdentifier(key)] != nil
    }

    /// Removes and returns the value stored under `key`.
    @discardableResult
    public mutating func removeValue<K: RequestAttributeKey>(for key: K.Type) -> K.Value? {
        storage.removeValue(forKey: ObjectIdentifier(key)) as? K.Value
    }

    /// The number of stored attributes.
    public var count: Int { storage.count }

    /// Whether nothing is stored.
    public var isEmpty: Bool { storage.isEmpty }
}

/// The request id attribute set by ``RequestIDMiddleware``; handlers and audit code
/// read it to correlate log lines with a response.
public enum RequestIDKey: RequestAttributeKey {
    /// The opaque request id text.
    public typealias Value = String
}

/// Generates short, random, URL-safe request ids.
enum RequestIDGenerator {
    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

    /// A 16-character id with about 82 bits of randomness.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let chars = (0..<16).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
        return String(decoding: chars, as: UTF8.self)
    }

    /// Whether a client-supplied id is safe to echo: 1–64 token characters.
    static func isAcceptable(_ id: String) -> Bool {
        id.utf8.count <= 64 && HTTPSyntax.isToken(id.utf8)
    }
}
