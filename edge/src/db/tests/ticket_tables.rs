//! Tickets, their deliveries and their summaries.

use super::*;

#[test]
fn a_ticket_is_stored_whole_with_its_deliveries_or_not_at_all() {
    let db = Sqlite::migrated();
    block_on(async {
        let t = ticket("FD-AAAA1111", "c1", T0);
        let also = vec![
            deliveries::insert("FD-AAAA1111", "webhook", T0),
            deliveries::insert("FD-AAAA1111", "slack", T0),
        ];
        stored::create(&db, &t, Some("hk-1"), also).await.unwrap();
        assert_eq!(count(&db, "deliveries"), 2);
        let keyed = stored::keyed(&db, "hk-1").await.unwrap().unwrap();
        assert_eq!(
            (keyed.reference.as_str(), keyed.site.as_str()),
            ("FD-AAAA1111", "shop")
        );
        // The same idempotency key again: the batch fails and writes
        // nothing, not even its conversation or deliveries.
        let again = ticket("FD-BBBB2222", "c2", T0 + 1);
        let also = vec![deliveries::insert("FD-BBBB2222", "webhook", T0 + 1)];
        assert!(stored::create(&db, &again, Some("hk-1"), also)
            .await
            .is_err());
        assert_eq!(count(&db, "tickets"), 1);
        assert_eq!(count(&db, "deliveries"), 2);
        assert!(conversations::owner(&db, "c2").await.unwrap().is_none());
        // A delivery row for a ticket that is not there is never written.
        db.run(deliveries::insert("FD-NONE0000", "webhook", T0))
            .await
            .unwrap();
        assert_eq!(count(&db, "deliveries"), 2);

        let got = stored::get(&db, "FD-AAAA1111").await.unwrap().unwrap();
        assert_eq!(got.status, "open");
        assert_eq!(got.document["reference"], "FD-AAAA1111");
        assert!(stored::get(&db, "FD-NONE0000").await.unwrap().is_none());
    });
}

#[test]
fn the_ticket_list_filters_and_shows_dead_deliveries() {
    let db = Sqlite::migrated();
    block_on(async {
        for (i, reference) in ["FD-AAAA1111", "FD-BBBB2222"].iter().enumerate() {
            let t = ticket(reference, &format!("c{i}"), T0 + i as i64);
            let also = vec![deliveries::insert(reference, "webhook", T0)];
            stored::create(&db, &t, None, also).await.unwrap();
        }
        // A conversation from before sites ('') belongs to the default site.
        db.with(|c| c.execute("UPDATE conversations SET site = '' WHERE id = 'c0'", []))
            .unwrap();
        deliveries::record(
            &db,
            "FD-BBBB2222",
            "webhook",
            "dead",
            5,
            Some("HTTP 500"),
            T0 + 9,
        )
        .await
        .unwrap();
        let all = stored::list(&db, &stored::Filter::default()).await.unwrap();
        assert_eq!(
            all.iter().map(|t| t.reference.as_str()).collect::<Vec<_>>(),
            ["FD-BBBB2222", "FD-AAAA1111"],
            "newest first"
        );
        assert_eq!(all[0].dead_deliveries, ["webhook"]);
        assert!(all[1].dead_deliveries.is_empty());
        let shop = |default| stored::Filter {
            site: Some("shop".into()),
            site_is_default: default,
            ..stored::Filter::default()
        };
        assert_eq!(stored::list(&db, &shop(false)).await.unwrap().len(), 1);
        assert_eq!(stored::list(&db, &shop(true)).await.unwrap().len(), 2);
        assert!(stored::close(&db, "FD-AAAA1111").await.unwrap());
        assert!(!stored::close(&db, "FD-NONE0000").await.unwrap());
        let open = stored::Filter {
            status: Some("open".into()),
            ..stored::Filter::default()
        };
        assert_eq!(stored::list(&db, &open).await.unwrap().len(), 1);
        let states = deliveries::of_ticket(&db, "FD-BBBB2222").await.unwrap();
        assert_eq!(states[0].status, "dead");
        assert_eq!(states[0].attempts, 5);
        assert_eq!(states[0].last_error.as_deref(), Some("HTTP 500"));
    });
}

#[test]
fn deliveries_are_attempted_recorded_and_found_stale() {
    let db = Sqlite::migrated();
    block_on(async {
        let t = ticket("FD-AAAA1111", "c1", T0);
        let also = vec![deliveries::insert("FD-AAAA1111", "webhook", T0)];
        stored::create(&db, &t, None, also).await.unwrap();
        let p = deliveries::get(&db, "FD-AAAA1111", "webhook")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((p.status.as_str(), p.attempts), ("pending", 0.0));
        assert_eq!(p.webhook_id, "msg_FD-AAAA1111_webhook");
        assert!(p.document.unwrap().contains("FD-AAAA1111"));
        assert!(deliveries::get(&db, "FD-AAAA1111", "slack")
            .await
            .unwrap()
            .is_none());
        let stale = deliveries::stale(&db, T0 + 1).await.unwrap();
        assert_eq!(stale.len(), 1);
        deliveries::record(&db, "FD-AAAA1111", "webhook", "delivered", 1, None, T0 + 2)
            .await
            .unwrap();
        assert!(deliveries::stale(&db, T0 + 10).await.unwrap().is_empty());
    });
}

#[test]
fn a_model_summary_replaces_only_the_extractive_one() {
    let db = Sqlite::migrated();
    block_on(async {
        let t = ticket("FD-AAAA1111", "c1", T0);
        stored::create(&db, &t, None, Vec::new()).await.unwrap();
        let mut summary = t.summary.clone();
        summary.text = "Ada's invoice shows the wrong amount.".into();
        summary.method = "model".into();
        assert!(stored::set_model_summary(&db, "FD-AAAA1111", &summary)
            .await
            .unwrap());
        let got = stored::get(&db, "FD-AAAA1111").await.unwrap().unwrap();
        assert_eq!(got.document["summary"]["method"], "model");
        // Once replaced, never again; and no such ticket changes nothing.
        assert!(!stored::set_model_summary(&db, "FD-AAAA1111", &summary)
            .await
            .unwrap());
        assert!(!stored::set_model_summary(&db, "FD-NONE0000", &summary)
            .await
            .unwrap());
    });
}
