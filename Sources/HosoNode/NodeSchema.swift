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
        migrator.register("003_replication", sql: replicationSQL)
        migrator.register("004_handoffs", sql: handoffSQL)
        migrator.register("005_search", sql: searchSQL)
        migrator.register("006_reports", sql: reportsSQL)
        migrator.register("007_monitoring", sql: monitoringSQL)
        migrator.register("008_availability", sql: availabilitySQL)
        migrator.register("009_identity_strikes", sql: identityStrikesSQL)
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

    /// Replication (Protocol.md §7): the change log learns where each entry came from
    /// and which replicas need it; knowledge vectors; the node registry; the parent's
    /// record of its children; conflicts, rejections and quarantine. Unique keys of
    /// replicated tables ignore tombstones, so a rejected row kept as a tombstone never
    /// blocks the authoritative row with the same code.
    static let replicationSQL = """
        -- origin: the node that wrote the version; via: the peer it arrived from (NULL =
        -- written or resolved here); scope: the unit whose replicas need it (NULL = all,
        -- '#root' = the hub only).
        ALTER TABLE change_log ADD COLUMN origin TEXT;
        ALTER TABLE change_log ADD COLUMN scope TEXT;
        ALTER TABLE change_log ADD COLUMN via TEXT;
        UPDATE change_log SET origin = (SELECT value FROM node_meta WHERE key = 'node_id');
        UPDATE change_log SET scope = (SELECT unit_id FROM person WHERE person.id = change_log.person_id) WHERE person_id IS NOT NULL;
        UPDATE change_log SET scope = coalesce((SELECT unit_id FROM users WHERE users.id = change_log.row_id), '#root') WHERE entity = 'users';
        UPDATE change_log SET scope = (SELECT unit_id FROM staffing_quotas q WHERE q.id = change_log.row_id) WHERE entity = 'staffing_quotas';

        -- Per origin node: the highest counter this replica holds (its own is node_meta.clock).
        CREATE TABLE knowledge (origin TEXT PRIMARY KEY NOT NULL, counter INTEGER NOT NULL) WITHOUT ROWID;

        -- The tree of nodes (replicated from the hub): which units each node serves.
        CREATE TABLE nodes (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            parent_id TEXT,
            units TEXT NOT NULL DEFAULT '[]',
            role TEXT NOT NULL CHECK (role IN ('hub', 'node')),
            \(replicationColumns)
        );

        -- A parent's own record of each child it enrolled (never replicated): the
        -- credential hash and the sync state the dashboard shows.
        CREATE TABLE sync_children (
            node_id TEXT PRIMARY KEY NOT NULL,
            secret_hash TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'enrolled'
                CHECK (status IN ('enrolled', 'active', 'identity_conflict', 'retired')),
            status_message TEXT,
            push_checkpoint INTEGER NOT NULL DEFAULT 0,
            push_batch_id TEXT,
            pull_checkpoint INTEGER NOT NULL DEFAULT 0,
            clock INTEGER NOT NULL DEFAULT 0,
            knowledge TEXT NOT NULL DEFAULT '{}',
            software TEXT,
            schema_version TEXT,
            last_contact_at TEXT,
            last_push_at TEXT,
            last_pull_at TEXT,
            last_error TEXT,
            changes_received INTEGER NOT NULL DEFAULT 0,
            changes_rejected INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );

        -- A child's record of the pushes it sent (made durable before sending), so that
        -- the parent's record of the last push it applied can be checked at each
        -- handshake: a push this node never sent means a second process has its identity.
        CREATE TABLE push_marks (to_seq INTEGER NOT NULL, batch_id TEXT PRIMARY KEY NOT NULL, at TEXT NOT NULL);

        -- Changes a parent refused, so a re-sent push gets the same answer.
        CREATE TABLE sync_rejections (
            peer TEXT NOT NULL,
            entity TEXT NOT NULL,
            row_id TEXT NOT NULL,
            vv TEXT NOT NULL,
            origin TEXT NOT NULL,
            reason TEXT NOT NULL,
            message TEXT NOT NULL,
            data TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (peer, entity, row_id, vv)
        );

        -- Concurrent versions: the deterministic winner is in the row, the loser here.
        -- Replicated (same id wherever the same conflict is found) so admins see it.
        CREATE TABLE conflicts (
            id TEXT PRIMARY KEY NOT NULL,
            entity TEXT NOT NULL,
            row_id TEXT NOT NULL,
            person_id TEXT,
            unit_id TEXT,
            winner_origin TEXT NOT NULL,
            winner_vv TEXT NOT NULL,
            winner_data TEXT NOT NULL,
            loser_origin TEXT NOT NULL,
            loser_vv TEXT NOT NULL,
            loser_data TEXT NOT NULL,
            detected_by TEXT NOT NULL,
            detected_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
            resolution TEXT,
            resolved_by TEXT,
            resolved_at TEXT,
            \(replicationColumns)
        );
        CREATE INDEX conflicts_open ON conflicts(status, unit_id);

        -- This node's own changes that its parent refused, kept for an administrator.
        CREATE TABLE quarantine (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            entity TEXT NOT NULL,
            row_id TEXT NOT NULL,
            person_id TEXT,
            unit_id TEXT,
            origin TEXT NOT NULL,
            vv TEXT NOT NULL,
            data TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            reason TEXT NOT NULL,
            message TEXT NOT NULL,
            rejected_by TEXT NOT NULL,
            at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'discarded', 'reapplied')),
            resolved_by TEXT,
            resolved_at TEXT
        );

        DROP INDEX units_code;
        CREATE UNIQUE INDEX units_code ON units(code) WHERE deleted = 0;
        DROP INDEX staffing_quotas_key;
        CREATE UNIQUE INDEX staffing_quotas_key ON staffing_quotas(unit_id, year, category) WHERE deleted = 0;
        DROP INDEX catalogue_entries_code;
        CREATE UNIQUE INDEX catalogue_entries_code ON catalogue_entries(catalogue_id, code) WHERE deleted = 0;
        DROP INDEX users_username;
        CREATE UNIQUE INDEX users_username ON users(username) WHERE deleted = 0;
        """

    /// Handoffs (Protocol.md §8): the immutable events of every transfer, replicated to
    /// both units' replicas (a second log scope), and the dossiers this replica saw leave.
    static let handoffSQL = """
        ALTER TABLE change_log ADD COLUMN scope2 TEXT;

        CREATE TABLE handoff_events (
            id TEXT PRIMARY KEY NOT NULL,
            handoff_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('request', 'prepare', 'accept', 'refuse', 'cancel', 'commit', 'abort', 'deliver')),
            person_id TEXT NOT NULL,
            from_unit TEXT NOT NULL,
            to_unit TEXT NOT NULL,
            at TEXT NOT NULL,
            node TEXT NOT NULL,
            user_id TEXT,
            username TEXT,
            data TEXT NOT NULL DEFAULT '{}',
            \(replicationColumns)
        );
        CREATE INDEX handoff_events_handoff ON handoff_events(handoff_id);
        CREATE INDEX handoff_events_person ON handoff_events(person_id, kind);

        -- Dossiers transferred away from a unit this replica serves: kept read-only.
        CREATE TABLE transferred_out (
            person_id TEXT PRIMARY KEY NOT NULL,
            handoff_id TEXT NOT NULL,
            from_unit TEXT NOT NULL,
            to_unit TEXT NOT NULL,
            at TEXT NOT NULL
        );

        -- Archived dossiers (retired, left, deceased, moved out of the system) stay readable
        -- but are no longer edited.
        ALTER TABLE person ADD COLUMN archived_at TEXT;
        """

    /// Search (issue 6): a full-text index of the folded names (FTS5, kept by triggers on
    /// `person`, keyed by the person's rowid, which upserts keep stable), indexes for the
    /// common criteria, and each user's saved searches (local to the node, not replicated).
    static let searchSQL = """
        CREATE VIRTUAL TABLE person_fts USING fts5(names, tokenize = 'unicode61 remove_diacritics 2');
        INSERT INTO person_fts(rowid, names) SELECT rowid, name_fold || ' ' || coalesce(other_names, '') FROM person;
        CREATE TRIGGER person_fts_insert AFTER INSERT ON person BEGIN
            INSERT INTO person_fts(rowid, names) VALUES (new.rowid, new.name_fold || ' ' || coalesce(new.other_names, ''));
        END;
        CREATE TRIGGER person_fts_update AFTER UPDATE OF name_fold, other_names ON person BEGIN
            UPDATE person_fts SET names = new.name_fold || ' ' || coalesce(new.other_names, '') WHERE rowid = new.rowid;
        END;
        CREATE TRIGGER person_fts_delete AFTER DELETE ON person BEGIN
            DELETE FROM person_fts WHERE rowid = old.rowid;
        END;
        CREATE INDEX person_birth ON person(birth_date);
        CREATE INDEX person_status ON person(employment_status);

        CREATE TABLE saved_searches (
            id TEXT PRIMARY KEY NOT NULL,
            user_id TEXT NOT NULL,
            name TEXT NOT NULL,
            criteria TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (user_id, name)
        );
        """

    /// Person fields the TT 11/2012 forms need (issue 6): foreign-language levels, the
    /// ethnic-language certificate, the date of entering the grade, allowances, rotation.
    static let personFieldsOf006 = ["english_level", "other_language_level", "ethnic_language_cert", "ngach_date",
                                    "responsibility_allowance", "regional_allowance", "percent_allowances", "rotated_from_district"]

    /// Reports (issue 6): the person columns above, and an index for the history a report
    /// reads as of a date.
    static var reportsSQL: String {
        personFieldsOf006.map { name in
            "ALTER TABLE person ADD COLUMN \(name) \(DossierSchema.person.field(name)!.type.sqlType);\n"
        }.joined() + """
            CREATE INDEX salary_history_person_date ON salary_history(person_id, effective_date);
            CREATE INDEX person_category ON person(staff_category);
            """
    }

    /// Monitoring (issue 7): what each child last reported of itself and of the nodes
    /// below it, and each child's recent sync events (local to this node).
    static let monitoringSQL = """
        ALTER TABLE sync_children ADD COLUMN status_report TEXT;
        ALTER TABLE sync_children ADD COLUMN status_reported_at TEXT;
        CREATE TABLE sync_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            node_id TEXT NOT NULL,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL
        );
        CREATE INDEX sync_events_node ON sync_events(node_id, id);
        """

    /// The node's own availability (the regulations' outage rule): periods without a
    /// heartbeat of the serving process.
    static let availabilitySQL = """
        CREATE TABLE outages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            ended_at TEXT NOT NULL
        );
        -- Monitoring alerts already sent to the webhook, while their condition lasts.
        CREATE TABLE monitor_notified (key TEXT PRIMARY KEY NOT NULL, at TEXT NOT NULL);
        """

    /// Hellos refused in a row for push marks the child does not have: one alone may be a
    /// delayed duplicate of an old hello, so a child is held only when it repeats.
    static let identityStrikesSQL = """
        ALTER TABLE sync_children ADD COLUMN refused_hellos INTEGER NOT NULL DEFAULT 0;
        """

    /// The person and history tables, generated from `DossierSchema` so that a field is
    /// declared once.
    static func dossierSQL() -> String {
        var sql = ""
        let person = DossierSchema.person
        let personColumns = person.fields.filter { !personFieldsOf006.contains($0.name) }.map { "    \($0.name) \($0.type.sqlType)" }.joined(separator: ",\n")
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
