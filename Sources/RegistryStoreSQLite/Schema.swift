import GRDB

/// The database schema, as versioned migrations.
///
/// Migrations are frozen once released: a change is a new migration, never an edit, and they are
/// plain SQL so that they never depend on the application's types.
enum Schema {
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1-events") { db in
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
    migrator.registerMigration("v2-log") { db in
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
    migrator.registerMigration("v3-attestations") { db in
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
    return migrator
  }
}
