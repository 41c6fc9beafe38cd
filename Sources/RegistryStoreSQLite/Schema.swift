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
    return migrator
  }
}
