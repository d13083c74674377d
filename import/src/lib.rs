//! `frontdesk-import`: reads files and fetches pages, then hands the text to
//! the pure importers in `frontdesk_shared::import`.

pub mod address;
pub mod fetch;
pub mod sources;
pub mod upload;
