//! Text: language detection and word analysis ([`analysis`], re-exported
//! here), what a visitor's message asks for beyond content ([`intent`]) and
//! the bot's own words in every supported language ([`phrases`]).

mod analysis;
pub mod intent;
pub mod phrases;

pub use analysis::*;
