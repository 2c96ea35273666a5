/// One problem with one field of a submitted record.
public struct FieldError: Error, Sendable, Hashable, Codable {
    /// The field's path, e.g. `birth_date` or `training[2].from_month`.
    public var field: String
    /// A machine-readable reason: `required`, `invalid_type`, `invalid_format`,
    /// `out_of_range`, `too_long`, `unknown_code`, `unknown_field`, `inconsistent`, `duplicate`.
    public var code: String
    /// A message for the user, in Vietnamese.
    public var message: String

    /// Creates a field error.
    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }

    /// The same error under a path prefix (`training[2].`).
    public func prefixed(_ prefix: String) -> FieldError {
        FieldError(field: prefix + field, code: code, message: message)
    }
}

/// A submitted record failed validation; nothing was written.
public struct ValidationError: Error, Sendable {
    /// Every problem found, not just the first.
    public var errors: [FieldError]

    /// Creates the error.
    public init(_ errors: [FieldError]) { self.errors = errors }
}
