//! Casework's domain: the types and rules of constituency casework, with no I/O.
//!
//! Everything that crosses the edge of the system (a form, a JSON body, a CLI
//! argument) is parsed into these types, so invalid data stops at the edge.

pub mod case;
pub mod constituent;
pub mod dates;
pub mod permission;
pub mod search;
pub mod states;
pub mod tags;
pub mod validate;

pub use case::{CaseRef, Level, Sensitivity, Status, Urgency};
pub use permission::{Permission, Role, email_waits_for_approval, letter_needs_approval};
pub use states::{Approval, CampaignState, Channel, Direction, MailState, OutboxState, ReplyState};
pub use validate::{
    FieldErrors, is_bidi_control, normalise_email, query_prefixes, safe_filename, same_secret,
    search_terms, without_bidi_controls,
};
