//! What the tag picker suggests for a message: its case's tags, the
//! Category of the sender's latest case, and values whose words appear in
//! the message. One keystroke (saving the pre-filled form) accepts them.

use std::collections::{BTreeMap, HashSet};

use casework_domain::tags::similarity_key;
use casework_store::Tagged;

use crate::cases::CaseQuery;
use crate::tags::Framework;
use crate::{Actor, App, AppResult};

/// A suggested value and why it is suggested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub tag_id: i64,
    pub why: String,
}

/// Words shorter than this say too little to suggest a value.
const MIN_WORD: usize = 4;

/// The folded, singular words of a text.
fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= MIN_WORD)
        .map(similarity_key)
        .collect()
}

/// Values of Category and Urgency whose words all appear in `text`: the
/// value with the most words matched wins in each dimension (a child over
/// its parent when both match). Sensitivity and Transferability are never
/// suggested from words: those are judgements, not topics.
pub fn from_words(f: &Framework, text: &str) -> BTreeMap<String, Suggestion> {
    let found = words(text);
    let mut out = BTreeMap::new();
    for key in ["category", "urgency"] {
        let Some(d) = f.dimension(key) else { continue };
        let mut best: Option<(usize, &crate::tags::Value, Vec<String>)> = None;
        for v in d.values.iter().filter(|v| !v.retired) {
            let own: Vec<String> = v
                .name
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= MIN_WORD)
                .map(|w| w.to_lowercase())
                .collect();
            if own.is_empty() || !own.iter().all(|w| found.contains(&similarity_key(w))) {
                continue;
            }
            let score = own.len() * 2 + usize::from(v.parent_id.is_some());
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, v, own));
            }
        }
        if let Some((_, v, own)) = best {
            out.insert(
                key.to_owned(),
                Suggestion {
                    tag_id: v.id,
                    why: format!(
                        "Suggested from the word{} “{}” in the message.",
                        if own.len() > 1 { "s" } else { "" },
                        own.join("”, “")
                    ),
                },
            );
        }
    }
    out
}

/// Suggestions for a message the actor may see, by dimension key: its
/// case's values first, then words in it, then the sender's latest case.
pub async fn for_message(
    app: &App,
    actor: &Actor,
    id: i64,
) -> AppResult<BTreeMap<String, Suggestion>> {
    let m = crate::correspondence::get(app, actor, id).await?;
    let f = crate::tags::framework(app, actor).await?;
    let mut out = BTreeMap::new();
    if let Some(case) = m.case_id {
        let tags = app.data_for(actor).item_tags(Tagged::Case, &[case]).await?;
        for t in f.describe(&tags) {
            out.entry(t.dimension.clone()).or_insert(Suggestion {
                tag_id: t.tag_id,
                why: "The value of its case.".into(),
            });
        }
    }
    let text: String = format!("{} {}", m.subject, m.body_text)
        .chars()
        .take(4000)
        .collect();
    for (k, s) in from_words(&f, &text) {
        out.entry(k).or_insert(s);
    }
    if !out.contains_key("category") && !m.from_address.is_empty() {
        let people = crate::constituents::search(app, actor, &m.from_address, None, 5).await?;
        if let Some(p) = people.items.iter().find(|c| c.email == m.from_address) {
            let q = CaseQuery {
                constituent_id: Some(p.id),
                sort: "newest".into(),
                limit: Some(1),
                ..CaseQuery::default()
            };
            if let Some(k) = crate::cases::list(app, actor, &q).await?.items.first() {
                let tags = app.data_for(actor).item_tags(Tagged::Case, &[k.id]).await?;
                if let Some(t) = f
                    .describe(&tags)
                    .into_iter()
                    .find(|t| t.dimension == "category")
                {
                    out.insert(
                        "category".into(),
                        Suggestion {
                            tag_id: t.tag_id,
                            why: format!("The Category of their latest case, {}.", k.reference),
                        },
                    );
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use casework_store::{Tag, TagDimension};

    fn framework() -> Framework {
        let dim = |id, key: &str| TagDimension {
            id,
            key: key.into(),
            name: key.into(),
            kind: "standard".into(),
            hierarchical: key == "category",
            required: false,
            position: id,
        };
        let tag = |id, dimension_id, parent_id, name: &str| Tag {
            id,
            dimension_id,
            parent_id,
            name: name.into(),
            effect: String::new(),
            position: id,
            retired_at: None,
            merged_into: None,
            created_at: 0,
            last_used_at: None,
        };
        crate::tags::assemble(
            vec![dim(1, "category"), dim(2, "urgency")],
            vec![
                tag(10, 1, None, "Passports"),
                tag(11, 1, Some(10), "Urgent travel"),
                tag(12, 1, None, "Housing"),
                tag(13, 1, Some(12), "Disrepair"),
                tag(20, 2, None, "Routine"),
                tag(21, 2, None, "Urgent"),
            ],
            Vec::new(),
            "federal".into(),
        )
    }

    #[test]
    fn a_name_with_a_slash_resolves_as_typed_and_paths_with_any_separator() {
        let mut f = framework();
        f.dimensions[0].values.push(crate::tags::Value {
            id: 14,
            name: "Permits/licences".into(),
            path: "Permits/licences".into(),
            parent_id: None,
            retired: false,
            effect: String::new(),
            last_used_at: None,
        });
        let d = f.dimension("category").unwrap().clone();
        assert_eq!(f.resolve(&d, "permits/licences").unwrap().id, 14);
        assert_eq!(f.resolve(&d, "Housing/Disrepair").unwrap().id, 13);
        assert_eq!(f.resolve(&d, "housing > disrepair").unwrap().id, 13);
        assert_eq!(f.resolve(&d, "Housing › Disrepair").unwrap().id, 13);
        assert!(f.resolve(&d, "Housing › Nothing").is_err());
    }

    #[test]
    fn words_in_the_message_suggest_the_most_specific_value() {
        let f = framework();
        let s = from_words(
            &f,
            "My passport has not arrived and I have urgent travel next week",
        );
        assert_eq!(s["category"].tag_id, 11, "{s:?}");
        assert_eq!(s["urgency"].tag_id, 21);
        let s = from_words(&f, "Damp and disrepair in my flat");
        assert_eq!(s["category"].tag_id, 13);
        assert!(s["category"].why.contains("disrepair"));
        assert!(from_words(&f, "Thank you for your help").is_empty());
    }
}
