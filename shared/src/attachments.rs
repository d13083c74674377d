//! Attachments (screenshots and PDFs a visitor or an agent adds to a
//! conversation), as pure logic: what a file is, judged from its first
//! bytes and never from its name or the type the browser claims
//! ([`sniff`]); the name kept for it ([`file_name`]); and the signed links
//! that open it ([`url`], [`sign`], [`verify`]).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The largest file taken (bytes): a full-screen screenshot is 1–3 MB.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The most files one conversation holds.
pub const MAX_PER_CONVERSATION: usize = 10;
/// The longest name kept (characters, extension included).
pub const MAX_NAME_CHARS: usize = 80;
/// How long an agent's link works (seconds).
pub const AGENT_LINK_SECS: i64 = 15 * 60;
/// How long a link sent to a sink (webhook, Slack, Zendesk, GitHub) works.
pub const SINK_LINK_SECS: i64 = 7 * 24 * 60 * 60;
/// How long the link to an agent's file works for the visitor (in the
/// widget, a fresh one each time the conversation is read; in a reply
/// e-mail, from when it is sent).
pub const VISITOR_LINK_SECS: i64 = 7 * 24 * 60 * 60;

/// What a file is. Nothing else is taken: no SVG (it can hold script), no
/// HTML, no archives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `image/png`.
    Png,
    /// `image/jpeg`.
    Jpeg,
    /// `image/gif`.
    Gif,
    /// `image/webp`.
    Webp,
    /// `application/pdf`, never shown inline.
    Pdf,
}

impl Kind {
    /// Its media type, as served.
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Gif => "image/gif",
            Kind::Webp => "image/webp",
            Kind::Pdf => "application/pdf",
        }
    }

    /// Its file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Png => "png",
            Kind::Jpeg => "jpg",
            Kind::Gif => "gif",
            Kind::Webp => "webp",
            Kind::Pdf => "pdf",
        }
    }

    /// Whether a browser may show it inline (an image); a PDF is always a
    /// download.
    pub fn image(self) -> bool {
        self != Kind::Pdf
    }

    /// The kind with this media type.
    pub fn from_mime(mime: &str) -> Option<Kind> {
        [Kind::Png, Kind::Jpeg, Kind::Gif, Kind::Webp, Kind::Pdf]
            .into_iter()
            .find(|k| k.mime() == mime)
    }
}

/// What `bytes` are, by their signature: PNG, JPEG, GIF, WebP or PDF;
/// `None` for anything else (an HTML page named `shot.png` included).
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(Kind::Gif)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else if bytes.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else {
        None
    }
}

/// The name a file is kept and shown under: the last path segment of
/// `given`, without control characters, direction overrides, quotes,
/// angle brackets, slashes or backslashes,
/// trimmed to [`MAX_NAME_CHARS`], and always ending in its kind's extension
/// (a `report.html` that is a PNG becomes `report.html.png`). An empty one
/// becomes `attachment.<ext>`.
pub fn file_name(given: &str, kind: Kind) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '"' | '\'' | '<' | '>' | '`' | ';')
                // Direction overrides would show `gpj.exe` as `exe.jpg`.
                && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    let ext = kind.extension();
    let stem = match clean.rsplit_once('.') {
        Some((stem, e))
            if e.eq_ignore_ascii_case(ext)
                || (kind == Kind::Jpeg && e.eq_ignore_ascii_case("jpeg")) =>
        {
            stem
        }
        _ => clean,
    };
    let stem = if stem.trim().is_empty() {
        "attachment"
    } else {
        stem.trim()
    };
    let room = MAX_NAME_CHARS - ext.len() - 1;
    let stem: String = stem.chars().take(room).collect();
    format!("{stem}.{ext}")
}

/// The link to attachment `id` under `base` (a worker origin, or "" for a
/// path) that works until `expires` (Unix seconds), signed with `key`
/// ([`link_key`]).
pub fn url(key: &[u8], base: &str, id: &str, expires: i64) -> String {
    format!(
        "{base}/api/v1/attachments/{id}?expires={expires}&sig={}",
        sign(key, id, expires)
    )
}

/// The signature of a link to attachment `id` that works until `expires`
/// (Unix seconds), under `key`: lowercase hex of HMAC-SHA256 over
/// `frontdesk:attachment:v1:<id>:<expires>`.
pub fn sign(key: &[u8], id: &str, expires: i64) -> String {
    let tag = mac(key, id, expires).finalize().into_bytes();
    tag.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `signature` is [`sign`]'s for `id` and `expires` (compared in
/// constant time), and `expires` has not passed at `now` (Unix seconds).
pub fn verify(key: &[u8], id: &str, expires: i64, signature: &str, now: i64) -> bool {
    if now > expires || signature.len() != 64 {
        return false;
    }
    let Some(bytes) = (0..32)
        .map(|i| u8::from_str_radix(signature.get(i * 2..i * 2 + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    mac(key, id, expires).verify_slice(&bytes).is_ok()
}

fn mac(key: &[u8], id: &str, expires: i64) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(format!("frontdesk:attachment:v1:{id}:{expires}").as_bytes());
    mac
}

/// The key links are signed with, derived from the worker's secret
/// `secret` (HMAC as a key derivation: the secret itself never signs a
/// link, so a link says nothing about it).
pub fn link_key(secret: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(b"frontdesk:attachment-links:v1");
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_what_its_bytes_say_not_its_name() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(sniff(png), Some(Kind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(Kind::Jpeg));
        assert_eq!(sniff(b"GIF89a\x01\0"), Some(Kind::Gif));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(Kind::Webp));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(Kind::Pdf));
        for disguised in [
            &b"<html><script>alert(1)</script>"[..],
            b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
            b"<svg onload=alert(1)>",
            b"MZ\x90\0",
            b"PK\x03\x04",
            b"",
            b"\x89PNG",
            b"RIFF\x24\0\0\0WAVE",
            b" %PDF-1.7",
        ] {
            assert_eq!(sniff(disguised), None, "{disguised:?}");
        }
        for kind in [Kind::Png, Kind::Jpeg, Kind::Gif, Kind::Webp, Kind::Pdf] {
            assert_eq!(Kind::from_mime(kind.mime()), Some(kind));
        }
        assert_eq!(Kind::from_mime("image/svg+xml"), None);
        assert!(Kind::Png.image() && !Kind::Pdf.image());
    }

    #[test]
    fn names_are_kept_safe_and_end_in_the_real_extension() {
        assert_eq!(
            file_name("Screenshot 2026-12-01.png", Kind::Png),
            "Screenshot 2026-12-01.png"
        );
        assert_eq!(file_name("photo.JPEG", Kind::Jpeg), "photo.jpg");
        assert_eq!(file_name("invoice.html", Kind::Png), "invoice.html.png");
        assert_eq!(file_name("../../etc/passwd", Kind::Pdf), "passwd.pdf");
        assert_eq!(file_name("C:\\Users\\ada\\bug.gif", Kind::Gif), "bug.gif");
        assert_eq!(file_name("a\"b<c>\n\u{202e}d.pdf", Kind::Pdf), "abcd.pdf");
        assert_eq!(file_name("", Kind::Png), "attachment.png");
        assert_eq!(file_name("...", Kind::Png), "attachment.png");
        assert_eq!(file_name(".htaccess", Kind::Pdf), "htaccess.pdf");
        let long = file_name(&"x".repeat(500), Kind::Webp);
        assert_eq!(long.chars().count(), MAX_NAME_CHARS);
        assert!(long.ends_with(".webp"));
    }

    #[test]
    fn a_link_works_until_it_expires_and_only_for_its_file() {
        let key = link_key("agent-token");
        let sig = sign(&key, "att_1", 1_000);
        assert_eq!(sig.len(), 64);
        assert!(verify(&key, "att_1", 1_000, &sig, 999));
        assert!(verify(&key, "att_1", 1_000, &sig, 1_000));
        assert!(!verify(&key, "att_1", 1_000, &sig, 1_001), "expired");
        assert!(!verify(&key, "att_2", 1_000, &sig, 0), "another file");
        assert!(!verify(&key, "att_1", 2_000, &sig, 0), "a later expiry");
        assert!(
            !verify(&link_key("other"), "att_1", 1_000, &sig, 0),
            "another key"
        );
        let mut flipped = sig.clone().into_bytes();
        flipped[10] = if flipped[10] == b'0' { b'1' } else { b'0' };
        assert!(!verify(
            &key,
            "att_1",
            1_000,
            &String::from_utf8(flipped).unwrap(),
            0
        ));
        for bad in ["", "zz", &"g".repeat(64), &sig[..62]] {
            assert!(!verify(&key, "att_1", 1_000, bad, 0), "{bad}");
        }
        // The derived key is not the secret.
        assert_ne!(key, b"agent-token".to_vec());
    }
}
