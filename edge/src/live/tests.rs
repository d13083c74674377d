use super::*;

#[test]
fn quoted_texts_are_kept_per_version_within_their_bytes() {
    let mut q = Quoted::new(10);
    assert_eq!(q.get(1, 0), None);
    q.put(1, 0, vec![0; 4]);
    q.put(1, 1, vec![1; 4]);
    assert_eq!(q.get(1, 0), Some(&[0u8; 4][..]));
    // Not another version's.
    assert_eq!(q.get(2, 0), None);
    // Past 10 bytes the oldest goes.
    q.put(1, 2, vec![2; 4]);
    assert_eq!(q.get(1, 0), None);
    assert_eq!(q.get(1, 1), Some(&[1u8; 4][..]));
    assert_eq!(q.get(1, 2), Some(&[2u8; 4][..]));
    assert_eq!(q.bytes, 8);
    // Larger than all it may keep: not kept.
    q.put(1, 3, vec![3; 11]);
    assert_eq!(q.get(1, 3), None);
    // A new version starts afresh.
    q.put(2, 5, vec![5; 2]);
    assert_eq!(q.get(1, 1), None);
    assert_eq!(q.get(2, 5), Some(&[5u8; 2][..]));
    assert_eq!(q.bytes, 2);
}

#[test]
fn the_sweep_deletes_only_old_objects_no_live_segment_names() {
    let live_segment = StoredSegment {
        segment: 1,
        writer: "w-live".into(),
        bytes: 10,
    };
    let live: BTreeSet<String> = [live_segment.key(), live_segment.text_key()].into();
    let now = 100 * ORPHAN_MS;
    let object = |key: &str, age_ms| blobs::Stored {
        key: key.into(),
        bytes: 10,
        uploaded: now - age_ms,
    };
    let stored = vec![
        // Live, however old: the segment and its texts.
        object("index/w-live/1", 10 * ORPHAN_MS),
        object("index/w-live/1.text", 10 * ORPHAN_MS),
        // Named by no version, and old: left by a stopped update.
        object("index/w-stopped/0", ORPHAN_MS + 1),
        object("index/w-stopped/0.text", ORPHAN_MS + 1),
        // Named by no version yet: an update still running.
        object("index/w-running/2", ORPHAN_MS / 2),
        // Another segment of the live writer, not live.
        object("index/w-live/0", 2 * ORPHAN_MS),
    ];
    assert_eq!(live_segment.key(), "index/w-live/1");
    assert_eq!(
        orphans(stored, &live, now),
        vec![
            "index/w-stopped/0".to_owned(),
            "index/w-stopped/0.text".to_owned(),
            "index/w-live/0".to_owned()
        ]
    );
}
