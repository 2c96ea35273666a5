import HosoDomain
import HosoSQLite

/// The node database's schema, as ordered named migrations.
///
/// Every replicated table carries the columns replication needs, so issue-3 sync needs
/// no table rewrite: `vv` (version vector, JSON object node id → counter), `origin`
/// (the node that wrote this version), `author` (user id, display only), `updated_at`
/// (wall clock, display only — never used to decide anything), `deleted` (tombstone).
public enum NodeSchema {
    /// Columns appended to every replicated table.
    static let replicationColumns = """
        vv TEXT NOT NULL DEFAULT '{}',
        origin TEXT NOT NULL,
        author TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0
        """

    /// The migrator with every migration of this version of hoso.
    public static var migrator: Migrator {
        var migrator = Migrator()
        migrator.register("001_core", sql: coreSQL)
        migrator.register("002_dossiers", sql: dossierSQL())
        return migrator
    }

    static let coreSQL = """
        CREATE TABLE node_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);

        CREATE TABLE units (
            id TEXT PRIMARY KEY NOT NULL,
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            kind TEXT,
            parent_id TEXT REFERENCES units(id),
            level_tag TEXT,
            valid_from TEXT,
            valid_to TEXT,
            successor_id TEXT REFERENCES units(id),
            \(replicationColumns)
        );
        CREATE UNIQUE INDEX units_code ON units(code);
        CREATE INDEX units_parent ON units(parent_id);

        CREATE TABLE staffing_quotas (
            id TEXT PRIMARY KEY NOT NULL,
            unit_id TEXT NOT NULL REFERENCES units(id),
            year INTEGER NOT NULL,
            category TEXT NOT NULL,
            quota INTEGER NOT NULL CHECK (quota >= 0),
            \(replicationColumns)
        );
        CREATE UNIQUE INDEX staffing_quotas_key ON staffing_quotas(unit_id, year, category);

        CREATE TABLE catalogues (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            source TEXT NOT NULL,
            note TEXT,
            \(replicationColumns)
        );
        CREATE TABLE catalogue_entries (
            id TEXT PRIMARY KEY NOT NULL,
            catalogue_id TEXT NOT NULL REFERENCES catalogues(id),
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            attributes TEXT NOT NULL DEFAULT '{}',
            sort_order INTEGER NOT NULL DEFAULT 0,
            valid_from TEXT,
            valid_to TEXT,
            \(replicationColumns)
        );
        CREATE UNIQUE INDEX catalogue_entries_code ON catalogue_entries(catalogue_id, code);

        CREATE TABLE users (
            id TEXT PRIMARY KEY NOT NULL,
            username TEXT NOT NULL COLLATE NOCASE,
            full_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin','leader','head','hr','staff')),
            unit_id TEXT REFERENCES units(id),
            person_id TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            must_change_password INTEGER NOT NULL DEFAULT 0,
            failed_attempts INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            last_login_at TEXT,
            password_changed_at TEXT,
            \(replicationColumns)
        );
        CREATE UNIQUE INDEX users_username ON users(username);

        -- Sessions are local to the node that issued them and never replicated.
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY NOT NULL,
            user_id TEXT NOT NULL REFERENCES users(id),
            csrf_token TEXT NOT NULL,
            created_at REAL NOT NULL,
            last_seen_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            client TEXT
        );
        CREATE INDEX sessions_user ON sessions(user_id);

        -- Append-only audit trail. Lives in the database (the records' own confidentiality
        -- level), never in log files.
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            user_id TEXT,
            username TEXT,
            action TEXT NOT NULL,
            entity TEXT,
            entity_id TEXT,
            person_id TEXT,
            unit_id TEXT,
            changes TEXT,
            client TEXT,
            request_id TEXT
        );
        CREATE INDEX audit_log_person ON audit_log(person_id, id);
        CREATE INDEX audit_log_user ON audit_log(user_id, id);
        CREATE INDEX audit_log_at ON audit_log(at);

        -- Change capture: one entry per local write, in the same transaction as the write.
        -- Replication (issue 3) ships these in seq order; remote changes are not re-logged.
        CREATE TABLE change_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            entity TEXT NOT NULL,
            row_id TEXT NOT NULL,
            counter INTEGER NOT NULL,
            person_id TEXT,
            at TEXT NOT NULL
        );
        CREATE INDEX change_log_row ON change_log(entity, row_id);
        """

    /// The person and history tables, generated from `DossierSchema` so that a field is
    /// declared once.
    static func dossierSQL() -> String {
        var sql = ""
        let person = DossierSchema.person
        let personColumns = person.fields.map { "    \($0.name) \($0.type.sqlType)" }.joined(separator: ",\n")
        sql += """
            CREATE TABLE person (
                id TEXT PRIMARY KEY NOT NULL,
                unit_id TEXT NOT NULL REFERENCES units(id),
            \(personColumns),
                name_fold TEXT NOT NULL,
                name_sort TEXT NOT NULL,
                \(replicationColumns)
            );
            CREATE UNIQUE INDEX person_personal_id ON person(personal_id) WHERE personal_id IS NOT NULL AND deleted = 0;
            CREATE INDEX person_unit_sort ON person(unit_id, name_sort);
            CREATE INDEX person_sort ON person(name_sort);

            """
        for kind in DossierSchema.subRecordKinds {
            let columns = kind.fields.map { "    \($0.name) \($0.type.sqlType)" }.joined(separator: ",\n")
            sql += """
                CREATE TABLE \(kind.name) (
                    id TEXT PRIMARY KEY NOT NULL,
                    person_id TEXT NOT NULL REFERENCES person(id),
                \(columns),
                    \(replicationColumns)
                );
                CREATE INDEX \(kind.name)_person ON \(kind.name)(person_id);

                """
        }
        return sql
    }
}
