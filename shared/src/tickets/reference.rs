//! Ticket references: short, unambiguous, easy to read aloud.

/// Crockford base32 without I, L, O, U: nothing to confuse on the phone.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Number of random bytes a reference is made from (40 bits → 8 symbols).
pub const REFERENCE_BYTES: usize = 5;

/// Formats random bytes as `FD-XXXXXXXX`. The caller supplies the randomness.
pub fn format_reference(bytes: [u8; REFERENCE_BYTES]) -> String {
    let mut n = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mut symbols = [0u8; 8];
    for slot in symbols.iter_mut().rev() {
        *slot = ALPHABET[(n & 31) as usize];
        n >>= 5;
    }
    let mut out = String::from("FD-");
    out.extend(symbols.iter().map(|b| char::from(*b)));
    out
}

/// True for strings [`format_reference`] can produce.
pub fn is_reference(s: &str) -> bool {
    s.strip_prefix("FD-")
        .is_some_and(|rest| rest.len() == 8 && rest.bytes().all(|b| ALPHABET.contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_all_bits() {
        assert_eq!(format_reference([0; 5]), "FD-00000000");
        assert_eq!(format_reference([0xff; 5]), "FD-ZZZZZZZZ");
        assert_eq!(format_reference([0, 0, 0, 0, 33]), "FD-00000011");
    }

    #[test]
    fn recognises_its_own_output() {
        assert!(is_reference(&format_reference([1, 2, 3, 4, 5])));
        assert!(!is_reference("FD-0000000I"));
        assert!(!is_reference("FD-000"));
        assert!(!is_reference("XX-00000000"));
    }
}
