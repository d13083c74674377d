//! The widget binary Trunk builds. Everything lives in the library; the
//! loader (`widget.js`) calls the exported `mount` once the visitor shows
//! intent, so `main` does nothing.

pub use frontdesk_widget::mount;

fn main() {}
