//! The Frontdesk chat widget: a Leptos app mounted by the loader into a
//! Shadow DOM root on the host page.
//!
//! Invariant: this crate is the only one that uses Leptos or web-sys, and it
//! never throws on the host page: failures become UI states that always keep
//! "Talk to a person" within reach.

mod api;
mod bridge;
#[allow(dead_code)] // not wired into the app yet
mod i18n;
mod js;
mod model;
mod outbox;
mod retry;
mod state;
mod views;
#[cfg(test)]
mod wire_keys;

use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

pub use model::Config;

/// A first-fit free-list allocator (sorted, coalescing) instead of std's
/// dlmalloc: its code is a fraction of the size, and the widget's heap is
/// small and single-threaded (the lock is uncontended).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

/// Mounts the app into `container`, toggled by the loader's `launcher`
/// button. `config` is the object the loader builds from its data
/// attributes (see `js::config`).
/// `strings` is the visitor's language's `widget/i18n/<lang>.json`, parsed
/// (undefined: English).
#[wasm_bindgen]
pub fn mount(container: HtmlElement, launcher: HtmlElement, config: JsValue, strings: JsValue) {
    // Readable panic messages while developing; in release the hook's
    // formatting machinery would cost more than 1 KB of every visitor's download.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    let config = js::config(&config);
    let strings = js::strings(&strings);
    leptos::mount::mount_to(container, move || {
        views::App(views::AppProps {
            config,
            strings,
            launcher,
        })
    })
    .forget();
}
