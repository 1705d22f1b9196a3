//! The HTML pages, a module per feature. Every write is a form post checked
//! for CSRF by [`CsrfForm`](crate::extract::CsrfForm); every read goes through
//! the same services as the API.

mod account;
mod agencies;
mod approvals;
mod auth;
mod bulk;
mod campaigns;
mod cases;
mod constituents;
mod correspondence;
mod enquiries;
mod help;
mod intake;
mod letters;
mod my_day;
pub(crate) use my_day::origin;
mod notifications;
mod options;
mod outbox;
mod person_choice;
mod review;
mod search;
mod staff;
mod status;
mod tag_bulk;
mod tag_fields;
mod tags;
mod timeline;
mod transfers;
mod trends;
mod views;

use axum::Router;
use casework_app::AppError;

use crate::error::PageError;
use crate::state::AppState;

/// Every page, each feature's routes merged.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(auth::routes())
        .merge(constituents::routes())
        .merge(search::routes())
        .merge(cases::routes())
        .merge(staff::routes())
        .merge(account::routes())
        .merge(intake::routes())
        .merge(correspondence::routes())
        .merge(outbox::routes())
        .merge(approvals::routes())
        .merge(notifications::routes())
        .merge(letters::routes())
        .merge(campaigns::routes())
        .merge(tags::routes())
        .merge(trends::routes())
        .merge(review::routes())
        .merge(transfers::routes())
        .merge(tag_bulk::routes())
        .merge(bulk::routes())
        .merge(views::routes())
        .merge(status::routes())
        .merge(my_day::routes())
        .merge(agencies::routes())
        .merge(enquiries::routes())
        .merge(help::routes())
        .fallback(not_found)
}

async fn not_found() -> PageError {
    PageError(AppError::NotFound)
}
