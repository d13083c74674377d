//! Byte strings in the stored index (`#[serde(with = "bytes")]`): postcard
//! writes a `Vec<u8>` field as a sequence, one element at a time, and reads
//! it back the same way; as a byte string it is a length and one copy.

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserializer, Serializer};

pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bytes(bytes)
}

pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    d.deserialize_byte_buf(Bytes)
}

struct Bytes;

impl<'de> Visitor<'de> for Bytes {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a byte string")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
        Ok(v.to_vec())
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(v)
    }

    /// Formats without byte strings (JSON) write a sequence of numbers.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(b) = seq.next_element()? {
            out.push(b);
        }
        Ok(out)
    }
}

/// Arrays of numbers in the stored index (`#[serde(with = "bytes::le")]`):
/// one byte string of their little-endian bytes, so decoding a posting
/// list of millions is one pass over a copy rather than a varint each.
pub(super) mod le {
    use serde::de::{self, SeqAccess, Visitor};
    use serde::{Deserializer, Serializer};
    use std::marker::PhantomData;

    /// A number stored as its little-endian bytes.
    pub(in crate::retrieval) trait Le: Copy {
        const SIZE: usize;
        fn put(self, out: &mut Vec<u8>);
        /// From exactly `SIZE` bytes.
        fn get(bytes: &[u8]) -> Self;
    }

    macro_rules! le {
        ($($t:ty),*) => {$(
            impl Le for $t {
                const SIZE: usize = std::mem::size_of::<$t>();
                fn put(self, out: &mut Vec<u8>) {
                    out.extend_from_slice(&self.to_le_bytes());
                }
                fn get(bytes: &[u8]) -> Self {
                    let mut b = [0; std::mem::size_of::<$t>()];
                    b.copy_from_slice(bytes);
                    <$t>::from_le_bytes(b)
                }
            }
        )*};
    }
    le!(u16, u32, u64, f32);

    pub(in crate::retrieval) fn serialize<T: Le, S: Serializer>(
        v: &[T],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut out = Vec::with_capacity(v.len() * T::SIZE);
        for &x in v {
            x.put(&mut out);
        }
        s.serialize_bytes(&out)
    }

    pub(in crate::retrieval) fn deserialize<'de, T: Le, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        d.deserialize_byte_buf(Array(PhantomData))
    }

    struct Array<T>(PhantomData<T>);

    impl<T: Le> Array<T> {
        fn from<E: de::Error>(bytes: &[u8]) -> Result<Vec<T>, E> {
            if !bytes.len().is_multiple_of(T::SIZE) {
                return Err(E::invalid_length(bytes.len(), &"whole numbers"));
            }
            Ok(bytes.chunks_exact(T::SIZE).map(T::get).collect())
        }
    }

    impl<'de, T: Le> Visitor<'de> for Array<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a byte string of little-endian numbers")
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<T>, E> {
            Array::from(v)
        }

        /// Formats without byte strings (JSON) write a sequence of numbers.
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
            Array::from(&super::Bytes.visit_seq(seq)?)
        }
    }
}
