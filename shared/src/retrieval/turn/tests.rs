use super::*;
use crate::retrieval::kb::parse_article;
use frontdesk_api::wire::Decision;

fn index() -> Index {
    let a = parse_article(
        "export",
        "---\ntitle: Export your notes\nurl: /help/export\n---\nExport from Settings.\n\n## PDF\nChoose PDF in the export dialog.\n",
    )
    .unwrap();
    let b = parse_article(
        "password",
        "---\ntitle: Reset your password\nurl: /help/password\n---\nUse the forgot password link.\n",
    )
    .unwrap();
    Index::build(&[a, b])
}

#[test]
fn a_turn_is_its_decision_put_into_words() {
    let ix = index();
    let th = Thresholds::default();
    let earlier = ["how do I export my notes"];
    for (message, ctx) in [
        ("how to export notes as PDF", Context::default()),
        (
            "as PDF",
            Context {
                earlier: &earlier,
                ..Context::default()
            },
        ),
    ] {
        let decided = ix.decide(message, &ctx, &th, None);
        let question = decided.question().to_owned();
        let turn = ix.turn(message, &ctx, &th, None);
        assert_eq!(turn.question, question);
        assert_eq!(ix.word(decided, &ctx, &Texts::new()), turn);
    }
}

#[test]
fn a_follow_up_is_decided_on_the_text_joined_to_the_message_before() {
    let ix = index();
    let th = Thresholds::default();
    let earlier = ["how do I export my notes"];
    let ctx = Context {
        earlier: &earlier,
        ..Context::default()
    };
    let decided = ix.decide("as PDF", &ctx, &th, None);
    assert_eq!(decided.question(), "how do I export my notes\nas PDF");
    assert_eq!(decided.verdict.decision, Decision::Answer);
    // Small talk is never joined.
    let decided = ix.decide("thanks!", &ctx, &th, None);
    assert_eq!(decided.question(), "thanks!");
}

#[test]
fn a_query_keeps_the_character_scores_of_its_words() {
    let ix = index();
    let query = Query::new(Message::new("Exporting my notés"));
    let want = ix.char_scores(&crate::text::words("Exporting my notés").collect::<Vec<_>>());
    assert_eq!(*query.chars(&ix), *want);
    assert_eq!(*query.chars(&ix), *want);
    assert!(matches!(query.chars(&ix), Cow::Borrowed(_)));
}
