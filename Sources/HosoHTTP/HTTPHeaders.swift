/// An ordered list of header fields with case-insensitive name lookup (RFC 9110 §5.1).
///
/// Order is preserved because it is significant for repeated fields: a recipient may
/// combine field lines with the same name into one comma-separated list only in the
/// order received (RFC 9110 §5.3).
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral,
    CustomStringConvertible
{
    /// One field line: a name and its value.
    public struct Field: Sendable, Hashable, CustomStringConvertible {
        /// The field name as given (lookups ignore ASCII case).
        public let name: String
        /// The field value, with leading and trailing whitespace already trimmed.
        public let value: String

        /// Creates a field line.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        /// Names compare case-insensitively; values exactly.
        public static func == (lhs: Field, rhs: Field) -> Bool {
            lhs.value == rhs.value && HTTPSyntax.equalsIgnoringCase(lhs.name, rhs.name)
        }

        /// Hashes the lowercased name so that equal fields hash equally.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(HTTPSyntax.lowercased(name))
            hasher.combine(value)
        }

        /// `Name: value`.
        public var description: String { "\(name): \(value)" }
    }

    private var fields: [Field]

    /// An empty header list.
    public init() { fields = [] }

    /// Headers from ordered name/value pairs (repeated names are kept).
    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    /// Headers from a literal such as `["Content-Type": "application/json"]`.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The number of field lines.
    public var count: Int { fields.count }

    /// Whether there are no field lines.
    public var isEmpty: Bool { fields.isEmpty }

    /// Iterates over the field lines in order.
    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value for `name`; setting replaces every line with that name
    /// (nil removes them).
    public subscript(name: String) -> String? {
        get { fields.first { HTTPSyntax.equalsIgnoringCase($0.name, name) }?.value }
        set {
            if let newValue { set(name: name, value: newValue) } else { remove(name: name) }
        }
    }

    /// Every value for `name`, in order.
    public func values(for name: String) -> [String] {
        fields.filter { HTTPSyntax.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    /// Whether at least one line has this name.
    public func contains(name: String) -> Bool {
        fields.contains { HTTPSyntax.equalsIgnoringCase($0.name, name) }
    }

    /// Appends a field line, keeping any existing lines with the same name.
    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every line named `name` with a single line, kept at the position of the
    /// first one (or appended when absent).
    public mutating func set(name: String, value: String) {
        if let index = fields.firstIndex(where: { HTTPSyntax.equalsIgnoringCase($0.name, name) }) {
            fields[index] = Field(name: name, value: value)
            var i = fields.index(after: index)
            while i < fields.endIndex {
                if HTTPSyntax.equalsIgnoringCase(fields[i].name, name) { fields.remove(at: i) } else { i += 1 }
            }
        } else {
            fields.append(Field(name: name, value: value))
        }
    }

    /// Removes every line named `name`.
    public mutating func remove(name: String) {
        fields.removeAll { HTTPSyntax.equalsIgnoringCase($0.name, name) }
    }

    /// The lowercased members of a list-valued field across all of its lines, e.g.
    /// `Connection: keep-alive, Upgrade` gives `["keep-alive", "upgrade"]`
    /// (RFC 9110 §5.6.1 list syntax, §5.3 line combination).
    public func tokens(for name: String) -> [String] {
        values(for: name).flatMap(HTTPSyntax.listMembers)
    }

    /// One `Name: value` per line.
    public var description: String {
        fields.map(\.description).joined(separator: "\n")
    }
}
