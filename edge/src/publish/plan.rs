//! What an update makes of the stored overrides: each slug's [`Plan`],
//! and which segment a new slug goes to ([`assign`]). Pure.

use std::collections::{BTreeMap, BTreeSet};

use frontdesk_shared::retrieval::content::Override;
use frontdesk_shared::retrieval::SEGMENT_DOCS;

use crate::content;
use crate::db::content::Entry;

/// A slug's override after an update.
pub(super) struct Plan {
    pub(super) updated: i64,
    /// Its segment (`None`: a new slug, not yet assigned).
    pub(super) segment: Option<i64>,
    /// It deletes the bundled article of its slug.
    pub(super) deleted: bool,
    /// What this update writes for it (`None`: the stored row stays).
    pub(super) fresh: Option<Override>,
}

impl Plan {
    /// A stored override the update keeps as it is.
    pub(super) fn stored(e: &Entry) -> Plan {
        Plan {
            updated: e.updated,
            segment: Some(e.segment),
            deleted: e.deleted != 0,
            fresh: None,
        }
    }
}

/// Gives each new slug of `next` a segment, which it touches: a bundled
/// article's slug is in segment 0; another goes to a segment this update already touches if one
/// has room (fewer than `SEGMENT_DOCS` articles), else to the first with
/// room, else to a new one (so an upload rebuilds as few segments as it
/// can). Returns the live articles per segment (the bundled ones counted
/// in segment 0), leaving out segments with none.
pub(super) fn assign(
    next: &mut BTreeMap<String, Plan>,
    touched: &mut BTreeSet<i64>,
) -> BTreeMap<i64, usize> {
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for slug in content::bundled_slugs() {
        if !next.contains_key(slug) {
            *counts.entry(0).or_default() += 1;
        }
    }
    for (slug, p) in next.iter_mut() {
        if content::bundled_source(slug).is_some() {
            // A new override of a bundled article changes segment 0.
            if p.segment.is_none() {
                touched.insert(0);
            }
            p.segment = Some(0);
        }
        if let (Some(s), false) = (p.segment, p.deleted) {
            *counts.entry(s).or_default() += 1;
        }
    }
    for p in next.values_mut().filter(|p| p.segment.is_none()) {
        let room = |s: &i64| counts.get(s).copied().unwrap_or(0) < SEGMENT_DOCS;
        let s = touched
            .iter()
            .copied()
            .find(|s| room(s))
            .or_else(|| counts.keys().copied().find(|s| room(s)))
            .unwrap_or_else(|| counts.keys().next_back().map_or(0, |last| last + 1));
        p.segment = Some(s);
        touched.insert(s);
        if !p.deleted {
            *counts.entry(s).or_default() += 1;
        }
    }
    counts.retain(|_, n| *n > 0);
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(segment: Option<i64>) -> Plan {
        Plan {
            updated: 1,
            segment,
            deleted: false,
            fresh: None,
        }
    }

    #[test]
    fn new_articles_fill_the_segments_they_touch_then_the_first_with_room_then_a_new_one() {
        let bundled = content::bundled_slugs().count();
        // A full first segment (the bundled articles and uploaded ones), a
        // second with one free place, a third with room.
        let mut next: BTreeMap<String, Plan> = BTreeMap::new();
        for i in 0..SEGMENT_DOCS - bundled {
            next.insert(format!("a{i:05}"), plan(Some(0)));
        }
        for i in 0..SEGMENT_DOCS - 1 {
            next.insert(format!("b{i:05}"), plan(Some(1)));
        }
        next.insert("c".into(), plan(Some(2)));
        // New: three slugs, and a bundled article's slug uploaded again.
        for slug in ["new-1", "new-2", "new-3"] {
            next.insert(slug.into(), plan(None));
        }
        let bundled_slug = content::bundled_slugs().next().unwrap().to_owned();
        next.insert(bundled_slug.clone(), plan(None));
        // The update already touches segment 2.
        let mut touched = BTreeSet::from([2]);
        let counts = assign(&mut next, &mut touched);
        // The bundled article's slug goes to segment 0, which it touches
        // (its article there changes); the new ones go to the touched
        // segment 2, which has room (0 has none).
        assert_eq!(next[&bundled_slug].segment, Some(0));
        for slug in ["new-1", "new-2", "new-3"] {
            assert_eq!(next[slug].segment, Some(2), "{slug}");
        }
        assert_eq!(
            counts,
            BTreeMap::from([(0, SEGMENT_DOCS), (1, SEGMENT_DOCS - 1), (2, 4)])
        );
        assert_eq!(touched, BTreeSet::from([0, 2]));

        // Touching nothing: the first segment with room (1) takes one, then
        // the rest go to the first with room after it.
        next.remove("c");
        for slug in ["new-1", "new-2", "new-3"] {
            next.insert(slug.into(), plan(None));
        }
        let mut touched = BTreeSet::new();
        let counts = assign(&mut next, &mut touched);
        assert_eq!(next["new-1"].segment, Some(1));
        assert_eq!(next["new-2"].segment, Some(2));
        assert_eq!(next["new-3"].segment, Some(2));
        assert_eq!(touched, BTreeSet::from([1, 2]));
        assert_eq!(
            counts,
            BTreeMap::from([(0, SEGMENT_DOCS), (1, SEGMENT_DOCS), (2, 2)])
        );
    }

    #[test]
    fn deletions_count_no_article_and_empty_segments_are_left_out() {
        let bundled: Vec<&str> = content::bundled_slugs().collect();
        let mut next: BTreeMap<String, Plan> = BTreeMap::new();
        // Every bundled article deleted; one uploaded article in segment 3.
        for slug in &bundled {
            next.insert(
                (*slug).to_owned(),
                Plan {
                    deleted: true,
                    ..plan(Some(0))
                },
            );
        }
        next.insert("x".into(), plan(Some(3)));
        let counts = assign(&mut next, &mut BTreeSet::new());
        assert_eq!(counts, BTreeMap::from([(3, 1)]));
        // A new article goes to the first segment with room: 3 (segment 0
        // has no live article, so it is not a segment any more).
        next.insert("y".into(), plan(None));
        let counts = assign(&mut next, &mut BTreeSet::new());
        assert_eq!(next["y"].segment, Some(3));
        assert_eq!(counts, BTreeMap::from([(3, 2)]));
    }
}
