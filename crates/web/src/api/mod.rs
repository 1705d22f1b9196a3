//! The JSON API, version 1, a module per feature. Every handler calls the
//! same service function as the matching page. The OpenAPI document is
//! generated from these handlers and types, so it describes what the server
//! does.

mod account;
mod approvals;
mod bulk;
mod campaigns;
mod cases;
mod common;
mod constituents;
mod correspondence;
mod intake;
mod letters;
mod notifications;
mod review;
mod search;
mod tags;
mod templates;
mod third_parties;
mod timeline;
mod transfers;
mod trends;
mod views;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use casework_app::AppError;
use utoipa::{Modify, OpenApi};

use crate::error::ApiError;
use crate::state::AppState;

/// Every route of the API, each feature's merged.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .merge(account::routes())
        .merge(constituents::routes())
        .merge(cases::routes())
        .merge(intake::routes())
        .merge(correspondence::routes())
        .merge(letters::routes())
        .merge(approvals::routes())
        .merge(notifications::routes())
        .merge(templates::routes())
        .merge(campaigns::routes())
        .merge(tags::routes())
        .merge(bulk::routes())
        .merge(views::routes())
        .merge(trends::routes())
        .merge(review::routes())
        .merge(search::routes())
        .merge(transfers::routes())
        .merge(third_parties::routes())
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError(AppError::NotFound)
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Casework API", version = "1", description = "Constituents, cases and their history. Authenticate with `Authorization: Bearer TOKEN` (create a token on your account page or with `casework token create`). Text is trimmed before it is checked, lengths count characters, and text containing a NUL character (U+0000) is refused with a 422 that names the field."),
    paths(account::me, constituents::list_constituents, constituents::create_constituent,
          constituents::get_constituent, constituents::patch_constituent,
          constituents::constituent_timeline, constituents::constituent_matches, cases::list_cases, cases::create_case,
          cases::get_case, cases::patch_case, cases::case_timeline, cases::add_case_note,
          correspondence::case_correspondence, intake::list_intake, intake::file_intake,
          intake::intake_no_action, correspondence::get_correspondence,
          correspondence::raw_correspondence, correspondence::send_case_email,
          letters::create_case_letter, correspondence::add_case_document,
          correspondence::correspondence_attachment, letters::list_letters, letters::print_letters,
          letters::approve_letter, approvals::list_approvals, approvals::approve_email,
          approvals::return_draft, bulk::bulk_change, bulk::bulk_export,
          views::list_views, views::save_view, views::delete_view,
          notifications::list_notifications, notifications::read_notifications,
          notifications::email_setting, notifications::set_email_setting,
          templates::list_templates, templates::get_template, templates::create_template,
          templates::save_template, campaigns::list_campaigns, campaigns::get_campaign,
          campaigns::campaign_messages, campaigns::rename_campaign, campaigns::merge_campaign,
          campaigns::split_campaign, campaigns::campaign_no_action, campaigns::save_campaign_reply,
          campaigns::approve_campaign_reply, campaigns::send_campaign_reply,
          tags::list_tags, tags::tag_usage, tags::add_tag, tags::change_tag, tags::preview_merge,
          tags::merge_tag, tags::undo_merge, tags::add_dimension, tags::change_dimension,
          tags::case_tags, tags::change_case_tags, tags::message_tags, tags::change_message_tags,
          tags::apply_tag, tags::map_tags, tags::export_framework, tags::import_framework,
          trends::get_trends, trends::list_messages, transfers::transfer_case, transfers::case_transfers,
          transfers::case_handover, transfers::case_handover_pdf,
          third_parties::list_agencies, third_parties::create_agency, third_parties::get_agency,
          third_parties::patch_agency, third_parties::add_contact, third_parties::retire_contact,
          third_parties::case_enquiries, third_parties::open_enquiry, third_parties::get_enquiry,
          third_parties::answer_enquiry, third_parties::chase_enquiry, third_parties::list_tasks,
          third_parties::create_task, third_parties::get_task, third_parties::patch_task,
          third_parties::case_consents, third_parties::record_consent,
          third_parties::withdraw_consent, third_parties::consent_form,
          third_parties::list_enquiries, third_parties::calendar_feed_status,
          third_parties::calendar_feed_create, third_parties::calendar_feed_revoke,
          third_parties::digest_status, third_parties::digest_put,
          review::review_figures, review::list_reviews, review::record_review, review::get_review,
          review::flag_case, review::review_briefing, review::review_briefing_pdf,
          search::search_all),
    components(schemas(common::ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// The OpenAPI document as JSON text.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use utoipa::PartialSchema;
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;

    fn fields(schema: RefOr<Schema>) -> BTreeSet<String> {
        match schema {
            RefOr::T(Schema::Object(o)) => o.properties.keys().cloned().collect(),
            _ => panic!("not an object schema"),
        }
    }

    /// The document describes the app's input types through types of its
    /// own (they carry the limits); each must name the same fields as the
    /// type the handler reads.
    #[test]
    fn documented_inputs_name_the_fields_the_handlers_read() {
        use casework_app::{
            agencies, campaign_replies, cases, constituents, enquiries, letters, outbox, tasks,
        };
        let pairs = [
            (
                fields(super::cases::CaseInputDoc::schema()),
                fields(cases::CaseInput::schema()),
            ),
            (
                fields(super::cases::CasePatchDoc::schema()),
                fields(cases::CasePatch::schema()),
            ),
            (
                fields(super::constituents::ConstituentInputDoc::schema()),
                fields(constituents::ConstituentInput::schema()),
            ),
            (
                fields(super::constituents::ConstituentPatchDoc::schema()),
                fields(constituents::ConstituentPatch::schema()),
            ),
            (
                fields(super::campaigns::ReplyRequestDoc::schema()),
                fields(campaign_replies::ReplyRequest::schema()),
            ),
            (
                fields(super::letters::LetterRequestDoc::schema()),
                fields(letters::LetterRequest::schema()),
            ),
            (
                fields(super::correspondence::EmailRequestDoc::schema()),
                fields(outbox::EmailRequest::schema()),
            ),
            (
                fields(super::transfers::TransferRequestDoc::schema()),
                fields(casework_app::transfers::TransferRequest::schema()),
            ),
            (
                fields(super::third_parties::AgencyInputDoc::schema()),
                fields(agencies::AgencyInput::schema()),
            ),
            (
                fields(super::third_parties::ContactInputDoc::schema()),
                fields(agencies::ContactInput::schema()),
            ),
            (
                fields(super::third_parties::EnquiryRequestDoc::schema()),
                fields(enquiries::EnquiryRequest::schema()),
            ),
            (
                fields(super::third_parties::AnswerRequestDoc::schema()),
                fields(enquiries::AnswerRequest::schema()),
            ),
            (
                fields(super::third_parties::ChaseRequestDoc::schema()),
                fields(enquiries::ChaseRequest::schema()),
            ),
            (
                fields(super::third_parties::TaskInputDoc::schema()),
                fields(tasks::TaskInput::schema()),
            ),
            (
                fields(super::third_parties::TaskUpdateDoc::schema()),
                fields(tasks::TaskUpdate::schema()),
            ),
            (
                fields(super::third_parties::ConsentRequestDoc::schema()),
                fields(enquiries::ConsentRequest::schema()),
            ),
        ];
        for (documented, read) in pairs {
            assert_eq!(documented, read);
        }
        let params = |p: Vec<utoipa::openapi::path::Parameter>| -> BTreeSet<String> {
            p.into_iter().map(|p| p.name).collect()
        };
        use utoipa::IntoParams;
        assert_eq!(
            params(super::cases::CaseQueryDoc::into_params(|| None)),
            params(cases::CaseQuery::into_params(|| None))
        );
    }
}
