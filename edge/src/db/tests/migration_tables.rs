//! Migrations that rebuild a table keep what it holds.

use rusqlite::Connection;

/// The migrations before `upto` (a file name prefix), applied in order.
fn migrated_before(upto: &str) -> Connection {
    let dir = format!("{}/../migrations", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    for f in files {
        if f.file_name().unwrap().to_string_lossy().as_ref() >= upto {
            break;
        }
        conn.execute_batch(&std::fs::read_to_string(&f).unwrap())
            .unwrap();
    }
    conn
}

#[test]
fn the_action_decision_keeps_every_message_and_its_feedback() {
    let conn = migrated_before("0020");
    conn.execute_batch(
        "INSERT INTO conversations (id, created_at, updated_at, site) VALUES ('c1', 1, 1, 'shop');
         INSERT INTO messages (id, conversation_id, role, body, created_at, idempotency_key)
           VALUES (7, 'c1', 'visitor', 'hi', 1, 'key-0000001');
         INSERT INTO messages (id, conversation_id, role, body, decision, reason, lang, sources,
                               created_at, reply_to)
           VALUES (8, 'c1', 'bot', 'Hello', 'escalate', 'no_match', 'en', '[]', 2, 7);
         INSERT INTO feedback (message_id, conversation_id, rating, created_at, updated_at)
           VALUES (8, 'c1', 'down', 3, 3);",
    )
    .unwrap();
    let sql = std::fs::read_to_string(format!(
        "{}/../migrations/0020_actions.sql",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    conn.execute_batch(&format!("BEGIN; {sql} COMMIT;"))
        .unwrap();
    let row: (i64, String, String, String, String, i64, i64) = conn
        .query_row(
            "SELECT id, body, decision, reason, lang, reply_to, created_at FROM messages WHERE id = 8",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .unwrap();
    assert_eq!(
        row,
        (
            8,
            "Hello".into(),
            "escalate".into(),
            "no_match".into(),
            "en".into(),
            7,
            2
        )
    );
    let key: String = conn
        .query_row(
            "SELECT idempotency_key FROM messages WHERE id = 7",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(key, "key-0000001");
    let rating: String = conn
        .query_row(
            "SELECT rating FROM feedback WHERE message_id = 8",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rating, "down");
    // The new decision is allowed; ids go on after the kept ones; indexes
    // are back.
    conn.execute(
        "INSERT INTO messages (conversation_id, role, body, decision, created_at) \
         VALUES ('c1', 'bot', 'Which order?', 'action', 4)",
        [],
    )
    .unwrap();
    assert_eq!(conn.last_insert_rowid(), 9);
    assert!(conn
        .execute(
            "INSERT INTO messages (conversation_id, role, body, created_at, idempotency_key) \
             VALUES ('c1', 'visitor', 'x', 5, 'key-0000001')",
            [],
        )
        .is_err());
    let indexes: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' \
             AND name LIKE 'messages_by_%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(indexes, 4);
    assert_eq!(
        conn.query_row("PRAGMA foreign_key_check", [], |_| Ok(()))
            .err()
            .map(|e| e.to_string()),
        Some("Query returned no rows".into())
    );
}
