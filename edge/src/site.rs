//! Who may talk: the site (`[[site]]` of `frontdesk.toml`) a visitor
//! request acts for, and whether the page it comes from may act for it.
//!
//! - The site is named by the `X-Frontdesk-Site` header (the embed's
//!   `data-site`); without it, the default site (see
//!   [`frontdesk_shared::config::sites::default_site`]). A key no site has, or none
//!   where there is no default: 400 `unknown_site`.
//! - A browser request's `Origin` must be one the site lists, or the
//!   worker's own (its demo page and inbox): otherwise 403
//!   `origin_not_allowed`, before anything is read or stored. A request
//!   without `Origin` (curl, a server) is not a browser page acting for
//!   someone: CORS protects browsers, and a non-browser could send any
//!   `Origin` it likes.
//! - A conversation belongs to the site it was started for; another site's
//!   key gets it answered as if it did not exist. The conversation
//!   endpoints (`/api/v1/conversations/…`), called without a key (the
//!   loader's unread check), act for the conversation's own site.

use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_shared::config::sites::{self, Refusal, Site};
use frontdesk_shared::tickets::TicketSite;
use worker::Request;

use crate::content::sites as configured;
use crate::db::{self, D1};
use crate::AppError;

/// The request header that names the site.
pub(crate) const HEADER: &str = "X-Frontdesk-Site";

/// A visitor request's claims: the site key it sent, the page's origin,
/// and the worker's own origin.
pub(crate) struct Caller {
    key: Option<String>,
    origin: Option<String>,
    own: String,
}

impl Caller {
    pub(crate) fn new(req: &Request) -> Result<Caller, AppError> {
        let key = req.headers().get(HEADER)?.filter(|k| !k.is_empty());
        Ok(Caller {
            key,
            origin: req.headers().get("Origin")?,
            own: req.url()?.origin().ascii_serialization(),
        })
    }

    /// The site this request acts for, with its page's origin checked.
    pub(crate) fn site(&self) -> Result<&'static Site, AppError> {
        let site = sites::resolve(configured(), self.key.as_deref()).map_err(unknown)?;
        self.check_origin(site)?;
        Ok(site)
    }

    fn check_origin(&self, site: &Site) -> Result<(), AppError> {
        match &self.origin {
            Some(origin) if !site.allows(origin, &self.own) => Err(AppError::code(
                ErrorCode::OriginNotAllowed,
                "This page's origin may not use this site's support chat: add it to the \
                 site's origins in frontdesk.toml.",
            )),
            _ => Ok(()),
        }
    }

    /// Checks a `/api/v1/conversations/{id}` request: with a key, the
    /// conversation must be that site's; without, the page must be allowed
    /// for the conversation's own site. A conversation that does not
    /// exist is left to the handler to report. Answers the site the request
    /// counts against (its limits) and the conversation's owner, if any.
    pub(crate) async fn conversation(
        &self,
        db: &D1,
        id: &str,
    ) -> Result<(String, Option<db::conversations::Owner>), AppError> {
        let owner = db::conversations::owner(db, id).await?;
        let site = match (&self.key, &owner) {
            (Some(_), owner) => {
                let site = self.site()?;
                match owner {
                    Some(o) if !belongs(&o.site, site) => return Err(gone()),
                    _ => Some(site),
                }
            }
            (None, Some(o)) => {
                let site = owner_site(&o.site).ok_or_else(gone)?;
                self.check_origin(site)?;
                Some(site)
            }
            (None, None) => {
                let site = sites::default_site(configured());
                if let Some(site) = site {
                    self.check_origin(site)?;
                }
                site
            }
        };
        Ok((site.map(|s| s.key.clone()).unwrap_or_default(), owner))
    }
}

/// Whether a conversation stored with site key `stored` belongs to `site`
/// (one from before sites, `""`, belongs to the default site).
pub(crate) fn belongs(stored: &str, site: &Site) -> bool {
    owner_site(stored).is_some_and(|o| o.key == site.key)
}

/// The configured site a stored site key names.
fn owner_site(stored: &str) -> Option<&'static Site> {
    if stored.is_empty() {
        sites::default_site(configured())
    } else {
        configured().iter().find(|s| s.key == stored)
    }
}

/// Another site's conversation, answered exactly as a missing one.
pub(crate) fn gone() -> AppError {
    ApiError::field(
        ErrorCode::ConversationNotFound,
        "conversation_id",
        "This conversation does not exist (it may have been deleted). Start a new one.",
    )
    .into()
}

fn unknown(why: Refusal) -> AppError {
    let message = match why {
        Refusal::NoKey => {
            "Name the site: this deployment serves several (data-site on the script tag, \
             or the X-Frontdesk-Site header)."
        }
        Refusal::UnknownKey => "No site has this key; check data-site on the script tag.",
    };
    ApiError::field(ErrorCode::UnknownSite, "site", message).into()
}

/// Whether a browser page on `origin` may read the API's answers (CORS):
/// one some site allows, or the worker's own.
pub(crate) fn cors_allowed(origin: &str, own: &str) -> bool {
    sites::any_allows(configured(), origin, own)
}

/// The site as a ticket names it.
pub(crate) fn ticket_site(site: &Site) -> TicketSite {
    TicketSite {
        key: site.key.clone(),
        name: site.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversations_belong_to_their_site_and_old_ones_to_the_default() {
        let [demo, shop, _travel, _store] = configured() else {
            panic!("frontdesk.toml has four sites")
        };
        assert!(belongs("shop", shop));
        assert!(!belongs("shop", demo));
        // From before sites: the default site's (demo).
        assert!(belongs("", demo));
        assert!(!belongs("", shop));
        // A site since removed from frontdesk.toml: nobody's.
        assert!(!belongs("closed-site", demo));
        assert!(cors_allowed("http://shop.localhost", "https://w.example"));
        assert!(cors_allowed("https://w.example", "https://w.example"));
        assert!(!cors_allowed("http://evil.localhost", "https://w.example"));
    }
}
