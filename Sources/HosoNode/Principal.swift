import HosoDomain

/// Who is acting: an authenticated user with the reach of their role, plus where the
/// request came from (for the audit trail).
public struct Principal: Sendable {
    public var userID: String?
    public var username: String
    public var role: Role
    /// The user's unit (nil for province-wide accounts without one).
    public var unitID: String?
    /// The user's own dossier, for civil-servant accounts.
    public var personID: String?
    /// The units in the user's reach (their unit and its descendants); unused for province scope.
    public var subtree: Set<String>
    /// Client address and user agent, recorded in the audit log.
    public var client: String?
    /// The request id, recorded in the audit log and the server log.
    public var requestID: String?

    public init(userID: String?, username: String, role: Role, unitID: String?, personID: String?,
                subtree: Set<String>, client: String? = nil, requestID: String? = nil) {
        self.userID = userID
        self.username = username
        self.role = role
        self.unitID = unitID
        self.personID = personID
        self.subtree = subtree
        self.client = client
        self.requestID = requestID
    }

    /// The operator at the command line (`hoso init`, `hoso user create`): a system admin.
    public static func commandLine(_ what: String = "cli") -> Principal {
        Principal(userID: nil, username: "system:\(what)", role: .admin, unitID: nil, personID: nil, subtree: [], client: "cli")
    }

    /// Whether the principal has a permission at all.
    public func can(_ permission: Permission) -> Bool { AccessPolicy.allows(role, permission) }

    /// Whether the principal reaches a dossier owned by `unitID` with person id `personID`.
    public func reaches(dossierUnit unitID: String, personID: String) -> Bool {
        switch role.scope {
        case .province: true
        case .unitSubtree: subtree.contains(unitID)
        case .ownDossier: self.personID == personID
        }
    }

    /// Whether the principal reaches a unit (to list or manage it).
    public func reaches(unit unitID: String) -> Bool {
        switch role.scope {
        case .province: true
        case .unitSubtree: subtree.contains(unitID)
        case .ownDossier: false
        }
    }

    /// Throws `forbidden` unless the principal has `permission`.
    public func require(_ permission: Permission) throws(NodeError) {
        guard can(permission) else { throw NodeError.forbidden() }
    }
}
