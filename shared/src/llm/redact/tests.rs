use super::*;

fn r(s: &str) -> String {
    redact(s, PiiKinds::ALL).into_owned()
}

#[test]
fn emails_are_redacted() {
    for (input, want) in [
        (
            "mail me at kim.lee+notes@example.co.uk.",
            "mail me at [email].",
        ),
        ("<ana_ruiz@mail.example.org>", "<[email]>"),
        ("zoë@exämple.de bitte", "[email] bitte"),
        ("two: a@b.io, c.d@e-f.com", "two: [email], [email]"),
        ("(jo@example.com)", "([email])"),
    ] {
        assert_eq!(r(input), want, "{input}");
    }
}

#[test]
fn things_that_are_not_emails_stay() {
    for s in [
        "@mention me",
        "user@localhost",
        "meet @ 5pm",
        "a@b.c",
        "price@2x.9",
        "foo@.com",
    ] {
        assert_eq!(r(s), s, "{s}");
    }
}

#[test]
fn phones_are_redacted() {
    for (input, want) in [
        ("call +49 171 1234567 now", "call [phone] now"),
        ("+1 (555) 123-4567", "[phone]"),
        ("+44 20 7946 0958.", "[phone]."),
        ("+33 6 12 34 56 78", "[phone]"),
        ("+7 495 123-45-67", "[phone]"),
        ("+8613812345678", "[phone]"),
        ("0049 30 12345678", "[phone]"),
        ("(555) 123-4567", "[phone]"),
        ("555-123-4567", "[phone]"),
        ("555.123.4567", "[phone]"),
        ("030 12345678", "[phone]"),
        ("0171 1234567", "[phone]"),
        ("06 12 34 56 78", "[phone]"),
        ("01711234567", "[phone]"),
        ("tel: 089/1234567", "tel: 089/1234567"), // slash: left alone, documented
    ] {
        assert_eq!(r(input), want, "{input}");
    }
}

#[test]
fn numbers_that_are_not_phones_stay() {
    for s in [
        "on 15.01.2024 at 10:30",
        "since 2024-01-15",
        "from 01/15/2024",
        "in 2023",
        "between 2019-2024",
        "years 2023 2024",
        "order #12345678",
        "order #123-456-7890",
        "order 12345678",
        "invoice 20231123004512",
        "ticket FD-7K3M9Q2P",
        "version 10.15.7",
        "version 2.0.0.1234",
        "it costs $1,299.99",
        "€12.345.678",
        "1 234 567 notes",
        "12.345.678 users",
        "server 192.168.100.200",
        "ref A1234567",
        "room 12 3",
        "12345",
        "3 attachments of 25 MB",
    ] {
        assert_eq!(r(s), s, "{s}");
    }
}

#[test]
fn luhn_valid_cards_are_redacted_invalid_stay() {
    for (input, want) in [
        (
            "card 4111 1111 1111 1111 exp 12/26",
            "card [card] exp 12/26",
        ),
        ("4111-1111-1111-1111", "[card]"),
        ("4111111111111111", "[card]"),
        ("amex 3782 822463 10005", "amex [card]"),
        ("5555555555554444.", "[card]."),
        ("4111 1111 1111 1111 12", "[card] 12"),
        ("6011 0009 9013 9424", "[card]"),
    ] {
        assert_eq!(r(input), want, "{input}");
    }
    for s in [
        "4111 1111 1111 1112",
        "4111111111111112",
        "1234 5678 9012 3456",
        "order 1234567890123",
    ] {
        assert_eq!(r(s), s, "{s}");
    }
}

#[test]
fn luhn_and_iban_checks() {
    assert!(luhn_valid("79927398713"));
    assert!(!luhn_valid("79927398710"));
    assert!(!luhn_valid(""));
    assert!(iban_valid("DE89370400440532013000"));
    assert!(iban_valid("GB82WEST12345698765432"));
    assert!(!iban_valid("DE89370400440532013001"));
}

#[test]
fn ibans_are_redacted_when_valid() {
    assert_eq!(
        r("IBAN DE89 3704 0044 0532 0130 00, danke"),
        "IBAN [iban], danke"
    );
    assert_eq!(r("GB82WEST12345698765432"), "[iban]");
    // A wrong check digit stays (asked for IBANs alone: its digits could
    // pass Luhn by chance).
    let iban = PiiKinds::parse(Some("iban")).unwrap();
    let bad = "DE89 3704 0044 0532 0130 01";
    assert_eq!(redact(bad, iban), bad);
}

#[test]
fn mixed_message_and_kinds() {
    let s = "I'm kim@example.com, +49 171 1234567, card 4242 4242 4242 4242, order #5521.";
    assert_eq!(r(s), "I'm [email], [phone], card [card], order #5521.");
    let only_email = PiiKinds::parse(Some("email")).unwrap();
    assert_eq!(
        redact(s, only_email),
        "I'm [email], +49 171 1234567, card 4242 4242 4242 4242, order #5521."
    );
    assert_eq!(redact(s, PiiKinds::NONE), s);
    assert!(matches!(
        redact("nothing here", PiiKinds::ALL),
        Cow::Borrowed(_)
    ));
}

#[test]
fn config_parses_and_fails_clearly() {
    assert_eq!(PiiKinds::parse(None), Ok(PiiKinds::ALL));
    assert_eq!(PiiKinds::parse(Some(" ")), Ok(PiiKinds::ALL));
    assert_eq!(PiiKinds::parse(Some("ALL")), Ok(PiiKinds::ALL));
    assert_eq!(PiiKinds::parse(Some("off")), Ok(PiiKinds::NONE));
    assert_eq!(PiiKinds::parse(Some("none")), Ok(PiiKinds::NONE));
    let k = PiiKinds::parse(Some("Email, card")).unwrap();
    assert_eq!(k.names(), vec!["email", "card"]);
    let e = PiiKinds::parse(Some("email,phones")).unwrap_err();
    assert_eq!(e.setting, "REDACT_PII");
    assert!(
        e.problem.contains("\"phones\"") && e.problem.contains("email, phone, card, iban"),
        "{e}"
    );
    assert!(PiiKinds::parse(Some("email,,card")).is_err());
}
