import CCrypt
import Foundation

/// Password hashing with yescrypt through libxcrypt's `crypt_rn` (the `$y$` method that
/// Debian uses for /etc/shadow). Reentrant: each call has its own `crypt_data`.
public enum PasswordHasher {
    /// Minimum length of a new password.
    public static let minimumLength = 8

    /// Hashes `password` with a fresh random salt. `cost` is yescrypt's cost factor (1-11;
    /// libxcrypt's default is 5); tests may lower it.
    public static func hash(_ password: String, cost: UInt = 5) throws -> String {
        var output = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        // nil random bytes: libxcrypt reads them from the kernel's CSPRNG itself.
        guard crypt_gensalt_rn("$y$", cost, nil, 0, &output, Int32(output.count)) != nil else {
            throw PasswordError.hashingFailed
        }
        let setting = output.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard let result = crypt(password, setting: setting), result.hasPrefix("$y$") else {
            throw PasswordError.hashingFailed
        }
        return result
    }

    /// Checks `password` against a stored hash in constant time.
    public static func verify(_ password: String, hash stored: String) -> Bool {
        guard stored.hasPrefix("$"), let computed = crypt(password, setting: stored) else { return false }
        let a = Array(computed.utf8), b = Array(stored.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// A hash that no password matches, checked against when the user does not exist so
    /// that response time does not reveal which usernames exist.
    public static let dummyHash: String = (try? hash("hoso-dummy-password", cost: 5)) ?? "$y$invalid"

    private static func crypt(_ password: String, setting: String) -> String? {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer {
            // The buffer held the password: wipe it before freeing.
            memset(data, 0, MemoryLayout<crypt_data>.size)
            data.deallocate()
        }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let result = crypt_rn(password, setting, data, Int32(MemoryLayout<crypt_data>.size)) else { return nil }
        let text = String(cString: result)
        // Failure tokens start with "*" (libxcrypt never returns NULL-equivalent otherwise).
        return text.hasPrefix("*") ? nil : text
    }
}

/// Password rules and hashing failures.
public enum PasswordError: Error, Sendable {
    /// crypt(3) refused (should not happen with a valid setting).
    case hashingFailed
}
