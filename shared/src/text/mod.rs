//! Text: word analysis and language detection (re-exported here), what a
//! visitor's message asks for beyond content ([`intent`]) and the bot's own
//! words in every supported language ([`phrases`]).

mod analysis;
mod detect;
pub mod intent;
pub mod phrases;
mod stop_words;

pub use analysis::*;
pub use detect::detect;
