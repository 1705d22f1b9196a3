//! What a request that changes nothing reads more than once, read once.
//!
//! A page asks for the same few things from several places: the tag
//! framework's version (the case list checked it four times), the office's
//! settings (a case page read them four times), the case itself (a case
//! page's sections each looked it up again: nine times) and the reader's
//! saved views (the menu's counts and the case list's own list). Each is one small
//! statement, but a statement costs a round trip and a connection from the
//! pool, and on a busy server those add up to a fifth of a page's time.
//!
//! The web layer runs every GET and HEAD request inside [`reading`]; within
//! it the first read of each is kept and the later ones reuse it. The
//! office's settings and framework version come with the reader's session
//! (one statement, [`keep_office`]), so a page reads them not at all. Nothing
//! outlives the request, so another app server's change is seen at the next
//! request as before. Requests that change things (POST, PATCH, DELETE) and
//! background jobs run outside it and read everything afresh, so a change
//! and what is read after it in the same request always agree.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use casework_store::{Case, OfficeSettings, SavedView};

use crate::{Actor, App, AppResult};

#[derive(Default)]
struct Memo {
    framework_versions: Mutex<HashMap<i64, Option<i64>>>,
    settings: Mutex<HashMap<i64, OfficeSettings>>,
    /// Cases by (reader, case): what one reader may see.
    cases: Mutex<HashMap<(i64, i64), Case>>,
    /// Saved views by reader.
    views: Mutex<HashMap<i64, Vec<SavedView>>>,
}

tokio::task_local! {
    static MEMO: Memo;
}

/// Runs `f`, a request that changes nothing, with its own memo.
pub async fn reading<F: Future>(f: F) -> F::Output {
    MEMO.scope(Memo::default(), f).await
}

/// The value kept under `key` in this request's memo, if any.
fn kept<K, V, F>(field: F, key: &K) -> Option<V>
where
    K: std::hash::Hash + Eq,
    V: Clone,
    F: FnOnce(&Memo) -> &Mutex<HashMap<K, V>>,
{
    MEMO.try_with(|m| field(m).lock().ok()?.get(key).cloned())
        .ok()
        .flatten()
}

/// Keeps `value` under `key` when the request has a memo.
fn keep<K, V, F>(field: F, key: K, value: &V)
where
    K: std::hash::Hash + Eq,
    V: Clone,
    F: FnOnce(&Memo) -> &Mutex<HashMap<K, V>>,
{
    let _ = MEMO.try_with(|m| {
        if let Ok(mut map) = field(m).lock() {
            map.insert(key, value.clone());
        }
    });
}

/// The value under `key`: kept from earlier in this request, or read with
/// `read` (a future, so nothing is read when the memo has it) and kept.
async fn once<K, V, F>(field: F, key: K, read: impl Future<Output = AppResult<V>>) -> AppResult<V>
where
    K: std::hash::Hash + Eq,
    V: Clone,
    F: Fn(&Memo) -> &Mutex<HashMap<K, V>> + Copy,
{
    if let Some(v) = kept(field, &key) {
        return Ok(v);
    }
    let v = read.await?;
    keep(field, key, &v);
    Ok(v)
}

/// The version of the office's tag framework (see [`crate::tags`]).
pub(crate) async fn framework_version(app: &App, office_id: i64) -> AppResult<Option<i64>> {
    once(|m| &m.framework_versions, office_id, async {
        Ok(app.system_data(office_id).tag_framework_version().await?)
    })
    .await
}

/// The office's settings (time zone, chase-ups, digest).
pub(crate) async fn office_settings(app: &App, office_id: i64) -> AppResult<OfficeSettings> {
    once(|m| &m.settings, office_id, async {
        Ok(app.store.office_settings(office_id).await?)
    })
    .await
}

/// A case the actor may see (a refusal is not kept).
pub(crate) async fn case(app: &App, actor: &Actor, id: i64) -> AppResult<Case> {
    once(|m| &m.cases, (actor.user_id, id), async {
        Ok(app.data_for(actor).case(id).await?)
    })
    .await
}

/// The reader's saved views.
pub(crate) async fn saved_views(app: &App, actor: &Actor) -> AppResult<Vec<SavedView>> {
    once(|m| &m.views, actor.user_id, async {
        Ok(app.data_for(actor).saved_views(actor.user_id).await?)
    })
    .await
}

/// Keeps the office's settings and tag framework version, read with the
/// reader's session (see [`casework_store::Store::session`]).
pub(crate) fn keep_office(office_id: i64, settings: &OfficeSettings, framework: Option<i64>) {
    keep(|m| &m.settings, office_id, settings);
    keep(|m| &m.framework_versions, office_id, &framework);
}

/// Keeps "no saved views" for the reader, known from the menu's numbers.
pub(crate) fn no_saved_views(actor: &Actor) {
    keep(|m| &m.views, actor.user_id, &Vec::new());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn kept_only_within_a_reading_request() {
        let settings = |tz: &str| OfficeSettings {
            chases_before_escalation: 2,
            time_zone: tz.into(),
            digest_hour: 7,
            quiet_days: 14,
        };
        // Outside a request nothing is kept: every read goes to the database.
        keep(|m| &m.settings, 1, &settings("UTC"));
        assert!(kept(|m| &m.settings, &1).is_none());
        reading(async {
            assert!(kept(|m| &m.settings, &1).is_none());
            keep(|m| &m.settings, 1, &settings("Europe/London"));
            let s = kept(|m| &m.settings, &1).expect("kept within the request");
            assert_eq!(s.time_zone, "Europe/London");
            assert!(kept(|m| &m.settings, &2).is_none());
        })
        .await;
        // A new request starts empty.
        reading(async { assert!(kept(|m| &m.settings, &1).is_none()) }).await;
    }
}
