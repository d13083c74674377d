//! Action parameters' patterns (`frontdesk_shared::actions::pattern`): the
//! site owner's pattern and a visitor's message, both arbitrary. Nothing
//! may panic or run unbounded; matches lie inside the text, on character
//! boundaries, in order and apart; a value a message yields is one its
//! parameter accepts whole.
#![no_main]

use frontdesk_shared::actions::fill::{self, Found};
use frontdesk_shared::actions::pattern::Pattern;
use frontdesk_shared::config::actions::{Kind, Param, Words};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, text) = input.split_once('\n').unwrap_or((input, ""));
    if pattern.len() > 200 || text.len() > 2000 {
        return;
    }
    let Ok(p) = Pattern::parse(pattern) else {
        return;
    };
    let _ = p.whole(text);
    let mut last = 0;
    for (start, end) in p.find_all(text) {
        assert!(last <= start && start < end && end <= text.len());
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        last = end;
    }
    let param = Param {
        name: "x".into(),
        kind: Kind::String,
        pattern: Some(pattern.into()),
        min: None,
        max: None,
        values: Vec::new(),
        ask: Words::One("?".into()),
    };
    for asked in [false, true] {
        if let Found::One(v) = fill::find(&param, text, asked) {
            let v = v.as_str().expect("a string parameter's value is a string");
            assert_eq!(
                fill::check(&param, v).as_ref().and_then(|c| c.as_str()),
                Some(v)
            );
        }
    }
});
