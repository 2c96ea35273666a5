/// The type of one field of a record, which decides its SQL column, its JSON shape and
/// how it is validated.
public enum FieldType: Sendable, Hashable {
    /// Free text of at most `maxLength` characters.
    case text(maxLength: Int)
    /// A calendar date, `yyyy-MM-dd` on the wire (the UI shows dd/MM/yyyy).
    case date
    /// A month, `yyyy-MM` (history tables are kept to the month on the 2C form).
    case month
    /// A year, 1900...2100.
    case year
    /// A whole number in a range.
    case integer(min: Int, max: Int)
    /// A decimal number in a range (salary coefficients, allowances).
    case decimal(min: Double, max: Double)
    /// true / false.
    case boolean
    /// A code from a catalogue (danh mục); validated against the catalogue in the database.
    case code(CatalogueID)
    /// A 12-digit personal identification number (số định danh cá nhân).
    case personalID
    /// One of a fixed set of values.
    case choice([String])

    /// The SQLite column type used to store it.
    public var sqlType: String {
        switch self {
        case .integer, .year, .boolean: "INTEGER"
        case .decimal: "REAL"
        default: "TEXT"
        }
    }
}

/// One field of a record kind.
public struct FieldSpec: Sendable, Hashable {
    /// Column name and JSON key (snake_case ASCII).
    public let name: String
    /// Vietnamese label, as on the 2C-BNV/2008 form.
    public let label: String
    /// The value type.
    public let type: FieldType
    /// Must be present and non-empty.
    public let required: Bool

    /// Creates a field.
    public init(_ name: String, _ label: String, _ type: FieldType, required: Bool = false) {
        self.name = name
        self.label = label
        self.type = type
        self.required = required
    }
}

/// A kind of replicated dossier record: the person (the dossier's root) or one of its
/// history tables. The list of kinds drives the SQL schema, validation, the REST API,
/// the OpenAPI document and the audit diff, so a field is declared exactly once.
public struct RecordKind: Sendable, Hashable {
    /// Stable name; also the SQL table name.
    public let name: String
    /// The URL path segment under `/api/dossiers/{id}/` (nil for the person itself).
    public let pathSegment: String?
    /// Vietnamese label.
    public let label: String
    /// The item number on the 2C-BNV/2008 form, if any.
    public let formItem: String?
    /// The fields users may write.
    public let fields: [FieldSpec]

    /// Creates a kind.
    public init(name: String, pathSegment: String?, label: String, formItem: String?, fields: [FieldSpec]) {
        self.name = name
        self.pathSegment = pathSegment
        self.label = label
        self.formItem = formItem
        self.fields = fields
    }

    /// True for history tables (rows that belong to a person).
    public var isSubRecord: Bool { pathSegment != nil }

    /// The field named `name`.
    public func field(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }
}
