//! Text: word analysis and language detection (re-exported here), a
//! visitor's message analysed once for every step that reads it
//! ([`Message`]), what it asks for beyond content ([`intent`]) and the bot's
//! own words in every supported language ([`phrases`]).

mod analysis;
mod detect;
pub mod intent;
mod message;
pub mod phrases;
mod stop_words;

pub use analysis::*;
pub use detect::detect;
pub use message::Message;
