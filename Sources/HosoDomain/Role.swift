/// The account types of the regulation's appendix (domain.md, "Who uses it").
public enum Role: String, Sendable, Codable, CaseIterable {
    /// Sở Nội vụ system administrator: everything, whole province.
    case admin
    /// Province leader (Chủ tịch, Phó Chủ tịch UBND tỉnh): view, search, reports; whole province.
    case leader
    /// Head of a department / district / public unit: view, search, reports; own subtree.
    case head
    /// The unit's HR account (cán bộ tổ chức): create and edit dossiers, manage the unit's users; own subtree.
    case hr
    /// A civil servant: views their own dossier only.
    case staff

    /// Vietnamese name shown in the UI.
    public var label: String {
        switch self {
        case .admin: "Quản trị hệ thống (Sở Nội vụ)"
        case .leader: "Lãnh đạo tỉnh"
        case .head: "Thủ trưởng đơn vị"
        case .hr: "Cán bộ tổ chức đơn vị"
        case .staff: "Cán bộ, công chức, viên chức"
        }
    }

    /// The scope the role's permissions apply to.
    public var scope: Scope {
        switch self {
        case .admin, .leader: .province
        case .head, .hr: .unitSubtree
        case .staff: .ownDossier
        }
    }
}

/// How far a user's rights reach.
public enum Scope: String, Sendable, Codable {
    /// Every unit of the province.
    case province
    /// The user's unit and every unit below it.
    case unitSubtree = "unit_subtree"
    /// The user's own dossier only.
    case ownDossier = "self"
}

/// Things a user may try to do; each request is checked against one of these.
public enum Permission: String, Sendable, Codable, CaseIterable {
    case readDossier = "dossier.read"
    case writeDossier = "dossier.write"
    case search = "dossier.search"
    case reports = "reports.read"
    case manageUsers = "users.manage"
    case manageUnits = "units.manage"
    case manageCatalogues = "catalogues.manage"
    case readAudit = "audit.read"
    case backup = "backup"
}

/// The role × permission table, as data (research §9.8: keep the seeds' table as data).
public enum AccessPolicy {
    /// Permissions of each role; their reach is the role's `scope`.
    public static let grants: [Role: Set<Permission>] = [
        .admin: Set(Permission.allCases),
        .leader: [.readDossier, .search, .reports],
        .head: [.readDossier, .search, .reports],
        .hr: [.readDossier, .writeDossier, .search, .reports, .manageUsers, .manageUnits],
        .staff: [.readDossier],
    ]

    /// Whether `role` has `permission` at all (scope is checked separately).
    public static func allows(_ role: Role, _ permission: Permission) -> Bool {
        grants[role]?.contains(permission) ?? false
    }

    /// Roles a user of `role` may give to accounts they create or edit.
    public static func assignableRoles(by role: Role) -> Set<Role> {
        switch role {
        case .admin: Set(Role.allCases)
        case .hr: [.hr, .head, .staff]
        default: []
        }
    }
}
