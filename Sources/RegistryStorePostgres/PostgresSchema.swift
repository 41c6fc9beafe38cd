import Foundation

/// The PostgreSQL schema, as versioned migrations.
///
/// Migrations are frozen once released: a change is a new migration, never an edit. Each is a
/// list of plain SQL statements (the extended protocol runs one statement per query) applied in
/// one transaction, so an interrupted migration leaves nothing behind (F11). The identifiers of
/// the tables' migrations (v1 to v5) match the SQLite engine's, so both engines describe the same
/// tables the same way; v6 exists on PostgreSQL alone (a function SQLite has no use for).
///
/// Append-only is enforced by the database in two layers: triggers refuse UPDATE, DELETE and
/// TRUNCATE of every table and any insert that is not the next index or a larger checkpoint,
/// whoever the role; and the role the servers use (granted by `amexist migrate --writer ROLE`) holds
/// only SELECT and INSERT, so it can neither change rows nor drop the triggers.
enum PostgresSchema {
  /// The table that records applied migrations.
  static let migrationsTable = "amexist_migrations"

  /// The tables the registry writes, which a writer role may read and insert into.
  static let tables = [
    "events", "tree_hashes", "checkpoints", "attestations", "applied_requests", "cosignatures",
  ]

  /// Every migration, in order.
  static let migrations: [(id: String, statements: [String])] = [
    (
      "v1-events",
      [
        """
        CREATE FUNCTION amexist_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION USING ERRCODE = 'AX001',
            MESSAGE = format('%s is append-only: %s is not allowed', TG_TABLE_NAME, TG_OP);
        END $$
        """,
        """
        CREATE FUNCTION amexist_require_next_index() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE next bigint;
        BEGIN
          EXECUTE format('SELECT COALESCE(MAX(idx) + 1, 0) FROM %I', TG_TABLE_NAME) INTO next;
          IF NEW.idx IS DISTINCT FROM next THEN
            RAISE EXCEPTION USING ERRCODE = 'AX002',
              MESSAGE = format('%s is gapless: index %s must be %s', TG_TABLE_NAME, NEW.idx, next);
          END IF;
          RETURN NEW;
        END $$
        """,
        """
        CREATE TABLE events (
            idx bigint PRIMARY KEY CHECK (idx >= 0),
            subject text NOT NULL,
            kind text NOT NULL,
            recorded_at text NOT NULL,
            body bytea NOT NULL
        )
        """,
        "CREATE INDEX events_by_subject ON events (subject, idx)",
        "CREATE INDEX events_by_kind ON events (kind, idx)",
      ] + appendOnly("events", gapless: true)
    ),
    (
      "v2-log",
      [
        """
        CREATE TABLE tree_hashes (
            idx bigint PRIMARY KEY CHECK (idx >= 0),
            hash bytea NOT NULL CHECK (octet_length(hash) = 32)
        )
        """,
        """
        CREATE TABLE checkpoints (
            size bigint PRIMARY KEY CHECK (size > 0),
            note text NOT NULL
        )
        """,
        """
        CREATE FUNCTION amexist_require_larger_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.size <= (SELECT COALESCE(MAX(size), 0) FROM checkpoints) THEN
            RAISE EXCEPTION USING ERRCODE = 'AX003',
              MESSAGE = 'checkpoint sizes only grow: a checkpoint of this size or larger exists';
          END IF;
          RETURN NEW;
        END $$
        """,
        """
        CREATE TRIGGER checkpoints_only_grow BEFORE INSERT ON checkpoints
        FOR EACH ROW EXECUTE FUNCTION amexist_require_larger_checkpoint()
        """,
      ] + appendOnly("tree_hashes", gapless: true) + appendOnly("checkpoints", gapless: false)
    ),
    (
      "v3-attestations",
      [
        """
        CREATE TABLE attestations (
            attestation_id text PRIMARY KEY,
            idx bigint NOT NULL UNIQUE REFERENCES events (idx),
            jws text
        )
        """
      ] + appendOnly("attestations", gapless: false)
    ),
    (
      // Idempotency keys of applied admin requests, written with their batch (see the SQLite
      // engine's migration of the same name).
      "v4-applied-requests",
      [
        """
        CREATE TABLE applied_requests (
            request_key text PRIMARY KEY,
            fingerprint text NOT NULL,
            first_index bigint NOT NULL REFERENCES events (idx),
            entries bigint NOT NULL CHECK (entries > 0)
        )
        """
      ] + appendOnly("applied_requests", gapless: false)
    ),
    (
      // Witnesses' cosignatures of signed checkpoints (see the SQLite engine's migration).
      "v5-cosignatures",
      [
        """
        CREATE TABLE cosignatures (
            size bigint NOT NULL REFERENCES checkpoints (size),
            witness_key text NOT NULL,
            line text NOT NULL,
            PRIMARY KEY (size, witness_key, line)
        )
        """
      ] + appendOnly("cosignatures", gapless: false)
    ),
    (
      // An append's first statement: the lock's time limit, the sequencer lock, then the log's
      // tail read once the lock is held (each statement of a function takes its own snapshot
      // under READ COMMITTED, whereas one plain statement would read the tail as it was before
      // waiting for the lock). One round trip instead of two, and a plan the session keeps. Every
      // role may run it (the default): it runs with the caller's rights, so a writer role
      // migrated by an earlier version appends after a plain `amexist migrate`.
      "v6-append-lock",
      [
        """
        CREATE FUNCTION amexist_lock_log(time_limit_ms integer, lock_key bigint)
        RETURNS TABLE (entry_count bigint, hash_count bigint, checkpoint_size bigint,
                       checkpoint_note text)
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
          PERFORM set_config('lock_timeout', time_limit_ms::text, true);
          PERFORM pg_advisory_xact_lock(lock_key);
          RETURN QUERY
            SELECT (SELECT COALESCE(MAX(e.idx) + 1, 0)::bigint FROM events AS e),
                   (SELECT COALESCE(MAX(t.idx) + 1, 0)::bigint FROM tree_hashes AS t),
                   latest.size, latest.note
            FROM (SELECT 1) AS one LEFT JOIN LATERAL
              (SELECT c.size, c.note FROM checkpoints AS c ORDER BY c.size DESC LIMIT 1) AS latest
            ON true;
        END $$
        """
      ]
    ),
  ]

  /// The triggers that make `table` append-only (and gapless by `idx`).
  private static func appendOnly(_ table: String, gapless: Bool) -> [String] {
    [
      """
      CREATE TRIGGER \(table)_are_append_only BEFORE UPDATE OR DELETE ON \(table)
      FOR EACH ROW EXECUTE FUNCTION amexist_refuse_change()
      """,
      """
      CREATE TRIGGER \(table)_are_not_truncated BEFORE TRUNCATE ON \(table)
      FOR EACH STATEMENT EXECUTE FUNCTION amexist_refuse_change()
      """,
      "REVOKE ALL ON \(table) FROM PUBLIC",
    ]
      + (gapless
        ? [
          """
          CREATE TRIGGER \(table)_are_gapless BEFORE INSERT ON \(table)
          FOR EACH ROW EXECUTE FUNCTION amexist_require_next_index()
          """
        ] : [])
  }

  /// The statements that let `role` read and append, and nothing else.
  static func writerGrants(to role: String) -> [String] {
    let quoted = "\"" + role.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    return [
      "GRANT USAGE ON SCHEMA public TO \(quoted)",
      "GRANT SELECT ON \(migrationsTable) TO \(quoted)",
    ] + tables.map { "GRANT SELECT, INSERT ON \($0) TO \(quoted)" }
  }
}
