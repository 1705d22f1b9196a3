//! Choosing a person by what one knows of them: the people a name, email,
//! phone number or postcode could mean, as buttons (the case page, the
//! intake message page, the duplicate warning).

use askama::Template;
use axum::response::IntoResponse;
use casework_app::constituents;

use crate::error::{PageResult, render};
use crate::extract::PageActor;
use crate::state::AppState;

/// A person offered to choose from: their page, what tells them apart,
/// and why they are offered.
pub(crate) struct PersonChoice {
    pub id: i64,
    pub name: String,
    pub details: String,
    pub reasons: String,
}

/// The choices alone, for people.js to show as one types.
#[derive(Template)]
#[template(path = "_person_choices.html")]
struct PersonChoicesFragment {
    choice_action: String,
    choice_verb: &'static str,
    person_query: String,
    person_choices: Vec<PersonChoice>,
    relationship: String,
    csrf: String,
}

/// The people `q` could mean, as buttons posting to `action`.
pub(crate) async fn fragment(
    s: &AppState,
    who: &PageActor,
    q: &str,
    action: String,
    verb: &'static str,
) -> PageResult {
    let q = q.trim();
    let person_choices = if q.is_empty() {
        Vec::new()
    } else {
        constituents::matches(&s.app, &who.actor, q, 10)
            .await?
            .into_iter()
            .map(Into::into)
            .collect()
    };
    let fragment = PersonChoicesFragment {
        choice_action: action,
        choice_verb: verb,
        person_query: q.to_owned(),
        person_choices,
        relationship: String::new(),
        csrf: who.csrf.clone(),
    };
    Ok(render(&fragment)?.into_response())
}

impl From<constituents::Match> for PersonChoice {
    fn from(m: constituents::Match) -> Self {
        let c = m.constituent;
        let details = [c.email.as_str(), c.phone.as_str(), c.postcode.as_str()]
            .iter()
            .filter(|d| !d.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        PersonChoice {
            id: c.id,
            name: c.full_name(),
            details,
            reasons: m.reasons.join("; "),
        }
    }
}
