import GRDB
import RegistryStore

/// The database schema, as versioned migrations.
///
/// Migrations are frozen once released: a change is a new migration, never an edit, and they are
/// plain SQL so that they never depend on the application's types.
enum Schema {
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    register("v1-events", in: &migrator) { db in
      try db.execute(
        sql: """
          CREATE TABLE events (
              idx INTEGER PRIMARY KEY CHECK (idx >= 0),
              subject TEXT NOT NULL,
              kind TEXT NOT NULL,
              recorded_at TEXT NOT NULL,
              body BLOB NOT NULL
          ) STRICT;
          CREATE INDEX events_by_subject ON events (subject, idx);
          CREATE INDEX events_by_kind ON events (kind, idx);
          CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
          BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE is not allowed'); END;
          CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
          BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE is not allowed'); END;
          CREATE TRIGGER events_are_gapless BEFORE INSERT ON events
          WHEN NEW.idx IS NOT (SELECT COALESCE(MAX(idx) + 1, 0) FROM events)
          BEGIN SELECT RAISE(ABORT, 'events are gapless: the index must follow the last one'); END;
          """
      )
    }
    register("v2-log", in: &migrator) { db in
      try db.execute(
        sql: """
          CREATE TABLE tree_hashes (
              idx INTEGER PRIMARY KEY CHECK (idx >= 0),
              hash BLOB NOT NULL CHECK (length(hash) = 32)
          ) STRICT;
          CREATE TRIGGER tree_hashes_are_append_only_update BEFORE UPDATE ON tree_hashes
          BEGIN SELECT RAISE(ABORT, 'tree hashes are append-only: UPDATE is not allowed'); END;
          CREATE TRIGGER tree_hashes_are_append_only_delete BEFORE DELETE ON tree_hashes
          BEGIN SELECT RAISE(ABORT, 'tree hashes are append-only: DELETE is not allowed'); END;
          CREATE TRIGGER tree_hashes_are_gapless BEFORE INSERT ON tree_hashes
          WHEN NEW.idx IS NOT (SELECT COALESCE(MAX(idx) + 1, 0) FROM tree_hashes)
          BEGIN SELECT RAISE(ABORT, 'tree hashes are gapless: the index must follow the last one'); END;
          CREATE TABLE checkpoints (
              size INTEGER PRIMARY KEY CHECK (size > 0),
              note TEXT NOT NULL
          ) STRICT;
          CREATE TRIGGER checkpoints_are_append_only_update BEFORE UPDATE ON checkpoints
          BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: UPDATE is not allowed'); END;
          CREATE TRIGGER checkpoints_are_append_only_delete BEFORE DELETE ON checkpoints
          BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: DELETE is not allowed'); END;
          CREATE TRIGGER checkpoint_sizes_only_grow BEFORE INSERT ON checkpoints
          WHEN NEW.size <= (SELECT COALESCE(MAX(size), 0) FROM checkpoints)
          BEGIN SELECT RAISE(ABORT, 'checkpoint sizes only grow: a checkpoint of this size or larger exists'); END;
          """
      )
    }
    register("v3-attestations", in: &migrator) { db in
      // Attestations issued before this migration are indexed too, without their documents.
      try db.execute(
        sql: """
          CREATE TABLE attestations (
              attestation_id TEXT PRIMARY KEY,
              idx INTEGER NOT NULL UNIQUE REFERENCES events (idx),
              jws TEXT
          ) STRICT;
          CREATE TRIGGER attestations_are_append_only_update BEFORE UPDATE ON attestations
          BEGIN SELECT RAISE(ABORT, 'attestations are append-only: UPDATE is not allowed'); END;
          CREATE TRIGGER attestations_are_append_only_delete BEFORE DELETE ON attestations
          BEGIN SELECT RAISE(ABORT, 'attestations are append-only: DELETE is not allowed'); END;
          INSERT INTO attestations (attestation_id, idx)
          SELECT json_extract(CAST(body AS TEXT), '$.attestation'), idx FROM events
          WHERE kind = 'attestationIssued' ORDER BY idx;
          """
      )
    }
    register("v4-applied-requests", in: &migrator) { db in
      // Idempotency keys of applied admin requests, written with their batch: a retry after a
      // lost answer (even after a crash) finds its entries instead of appending them again.
      try db.execute(
        sql: """
          CREATE TABLE applied_requests (
              request_key TEXT PRIMARY KEY,
              fingerprint TEXT NOT NULL,
              first_index INTEGER NOT NULL REFERENCES events (idx),
              entries INTEGER NOT NULL CHECK (entries > 0)
          ) STRICT;
          CREATE TRIGGER applied_requests_are_append_only_update BEFORE UPDATE ON applied_requests
          BEGIN SELECT RAISE(ABORT, 'applied_requests are append-only: UPDATE is not allowed'); END;
          CREATE TRIGGER applied_requests_are_append_only_delete BEFORE DELETE ON applied_requests
          BEGIN SELECT RAISE(ABORT, 'applied_requests are append-only: DELETE is not allowed'); END;
          """
      )
    }
    register("v5-cosignatures", in: &migrator) { db in
      // Witnesses' cosignatures of signed checkpoints: evidence kept beside the log, verified
      // again by whoever reads them; a witness's later cosignature of a size is another row.
      try db.execute(
        sql: """
          CREATE TABLE cosignatures (
              size INTEGER NOT NULL REFERENCES checkpoints (size),
              witness_key TEXT NOT NULL,
              line TEXT NOT NULL,
              PRIMARY KEY (size, witness_key, line)
          ) STRICT;
          CREATE TRIGGER cosignatures_are_append_only_update BEFORE UPDATE ON cosignatures
          BEGIN SELECT RAISE(ABORT, 'cosignatures are append-only: UPDATE is not allowed'); END;
          CREATE TRIGGER cosignatures_are_append_only_delete BEFORE DELETE ON cosignatures
          BEGIN SELECT RAISE(ABORT, 'cosignatures are append-only: DELETE is not allowed'); END;
          """
      )
    }
    return migrator
  }

  /// Registers a migration that the crash tests can interrupt before its transaction commits.
  private static func register(
    _ id: String, in migrator: inout DatabaseMigrator,
    _ body: @escaping @Sendable (Database) throws -> Void
  ) {
    migrator.registerMigration(id) { db in
      try body(db)
      CrashPoint.midMigration.reach()
    }
  }
}
