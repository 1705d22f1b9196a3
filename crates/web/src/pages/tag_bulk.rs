//! Tagging many at once: the case list and the intake inbox put a tick box
//! on each row and one picker under the table; this sets the value chosen
//! on every ticked row and reports what it did.

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use casework_app::AppError;
use casework_app::tag_bulk::{self, BulkApply};
use serde::Deserialize;

use crate::error::{PageResult, refused, render};
use crate::extract::{CsrfForm, PageActor};
use crate::layout::nav;
use crate::pages::bulk::{ResultPage, back_to, ticked_items};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/tags/apply", post(apply))
}

/// The picker under a list: every value that can be applied, by dimension.
pub(crate) type TagChoices = Vec<(String, Vec<(String, String)>)>;

pub(crate) async fn tag_choices(
    s: &AppState,
    who: &PageActor,
) -> Result<TagChoices, crate::error::PageError> {
    let f = casework_app::tags::framework(&s.app, &who.actor).await?;
    Ok(f.dimensions
        .iter()
        .filter(|d| d.dim.kind != "location")
        .map(|d| {
            (
                d.dim.name.clone(),
                d.values
                    .iter()
                    .filter(|v| !v.retired)
                    .map(|v| (v.id.to_string(), v.path.clone()))
                    .collect(),
            )
        })
        .filter(|(_, values): &(String, Vec<(String, String)>)| !values.is_empty())
        .collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ApplyForm {
    /// `cases` or `messages`.
    kind: String,
    tag: String,
    /// Where to go back to.
    back: String,
    /// `item_<id>` tick boxes.
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

async fn apply(State(s): State<AppState>, form: CsrfForm<ApplyForm>) -> PageResult {
    let f = &form.data;
    let ids = ticked_items(&f.rest);
    let items = if f.kind == "messages" {
        BulkApply {
            correspondence: ids,
            ..BulkApply::default()
        }
    } else {
        BulkApply {
            cases: ids,
            ..BulkApply::default()
        }
    };
    let back = back_to(&f.back, "/cases");
    let tag: i64 = f.tag.trim().parse().unwrap_or(0);
    let framework = casework_app::tags::framework(&s.app, &form.who.actor).await?;
    let value = framework
        .value(tag)
        .map(|(d, v)| format!("{}: {}", d.dim.name, v.path))
        .unwrap_or_default();
    let mut page = ResultPage {
        nav: nav(
            &form.who,
            if f.kind == "messages" {
                "intake"
            } else {
                "cases"
            },
        ),
        notice: None,
        heading: if value.is_empty() {
            "Tagged".to_owned()
        } else {
            format!("Tagged {value}")
        },
        changed: 0,
        unchanged: 0,
        refused: Vec::new(),
        back,
        error: None,
    };
    match tag_bulk::apply(&s.app, &form.who.actor, tag, &items).await {
        Ok(r) => {
            page.changed = r.changed;
            page.unchanged = r.unchanged;
            page.refused = r
                .refused
                .into_iter()
                .map(|x| (x.id.to_string(), x.reason))
                .collect();
            Ok(render(&page)?.into_response())
        }
        Err(AppError::Invalid(e)) => {
            page.heading = "Nothing was tagged".into();
            page.error = Some(e.0.values().cloned().collect::<Vec<_>>().join(" "));
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}
