//! The tagging framework's rules: what a tag name may be, when two names are
//! the same tag, when they are probably the same tag (near-duplicates), and
//! the starter frameworks an office begins with.

use crate::validate::is_bidi_control;

/// The longest tag name, in characters.
pub const MAX_TAG_NAME: usize = 60;

/// The separator shown between a parent and a child value: "Housing › Disrepair".
pub const PATH_SEPARATOR: &str = " › ";

/// A tag name as it is kept: surrounding space removed, inner runs of space
/// made one. Refused with a message a person understands when empty, too
/// long, or holding characters that are not text.
pub fn clean_tag_name(name: &str) -> Result<String, String> {
    let clean = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if clean.is_empty() {
        return Err("Give the tag a name.".into());
    }
    if clean.chars().count() > MAX_TAG_NAME {
        return Err(format!(
            "A tag name can be at most {MAX_TAG_NAME} characters."
        ));
    }
    if clean
        .chars()
        .any(|c| c.is_control() || is_bidi_control(c) || c == '›')
    {
        return Err("A tag name can hold letters, digits, spaces and punctuation, but not control characters or \"›\".".into());
    }
    Ok(clean)
}

/// The form two names share when they are the same tag: case and spacing do
/// not matter ("Housing ", "housing" and "HOUSING" are one tag).
pub fn fold(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A looser form for finding near-duplicates: punctuation and spacing
/// removed and each word made singular ("housing-repairs" and "Housing
/// repair" share it).
pub fn similarity_key(name: &str) -> String {
    let lower = name.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(singular)
        .collect::<String>()
}

fn singular(word: &str) -> String {
    let n = word.chars().count();
    if n > 4 && word.ends_with("ies") {
        return format!("{}y", &word[..word.len() - 3]);
    }
    if n > 3 && word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        return word[..word.len() - 1].to_owned();
    }
    word.to_owned()
}

/// The number of single-character edits between two strings, or `None` when
/// it is more than `limit` (computed in a band, so long names stay cheap).
pub fn edit_distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= limit).then_some(d)
}

/// Why two tags look like one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Likeness {
    /// The same but for punctuation, spacing or a plural.
    SameWords,
    /// One or two letters apart (a typing slip).
    Spelling,
}

impl Likeness {
    pub fn label(self) -> &'static str {
        match self {
            Likeness::SameWords => "same words (punctuation, spacing or plural)",
            Likeness::Spelling => "spelt almost the same",
        }
    }
}

/// Pairs of names (by index into `names`) that are probably the same tag.
/// Names are compared within the slice only: pass one dimension at a time.
pub fn near_duplicates(names: &[&str]) -> Vec<(usize, usize, Likeness)> {
    let keys: Vec<String> = names.iter().map(|n| similarity_key(n)).collect();
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&x, &y| keys[x].cmp(&keys[y]));
    let mut pairs = Vec::new();
    for (pos, &i) in order.iter().enumerate() {
        for &j in &order[pos + 1..] {
            if keys[i] == keys[j] {
                pairs.push((i.min(j), i.max(j), Likeness::SameWords));
            } else {
                break;
            }
        }
    }
    // Spelling slips: compare names of similar length; a short name needs
    // to match closely, a longer one may be two letters out.
    let mut by_len: Vec<usize> = (0..names.len()).collect();
    by_len.sort_by_key(|&i| keys[i].chars().count());
    for (pos, &i) in by_len.iter().enumerate() {
        let li = keys[i].chars().count();
        if li < 5 {
            continue;
        }
        for &j in &by_len[pos + 1..] {
            let lj = keys[j].chars().count();
            if lj > li + 2 {
                break;
            }
            if keys[i] == keys[j] {
                continue;
            }
            let limit = if li.min(lj) >= 9 { 2 } else { 1 };
            if edit_distance(&keys[i], &keys[j], limit).is_some() {
                pairs.push((i.min(j), i.max(j), Likeness::Spelling));
            }
        }
    }
    pairs.sort();
    pairs.dedup_by_key(|p| (p.0, p.1));
    pairs
}

/// What choosing a value does beyond describing the item.
pub mod effect {
    /// Sensitivity: hides the case or message from roles that may not see
    /// sensitive cases.
    pub const RESTRICTED: &str = "restricted";
    /// Transferability: the office's own work.
    pub const OURS: &str = "ours";
    /// Transferability: belongs elsewhere; the case can be transferred.
    pub const TRANSFER: &str = "transfer";
}

/// A dimension of a starter framework.
pub struct StarterDimension {
    pub key: &'static str,
    pub name: &'static str,
    pub required: bool,
    pub hierarchical: bool,
    /// Values with their children (Category only) and effect.
    pub values: Vec<StarterValue>,
}

pub struct StarterValue {
    pub name: &'static str,
    pub effect: &'static str,
    pub children: &'static [&'static str],
    /// Old free-text values that mean this one (kept as aliases).
    pub aliases: &'static [&'static str],
}

fn value(name: &'static str) -> StarterValue {
    StarterValue {
        name,
        effect: "",
        children: &[],
        aliases: &[],
    }
}

fn parent(name: &'static str, children: &'static [&'static str]) -> StarterValue {
    StarterValue {
        name,
        effect: "",
        children,
        aliases: &[],
    }
}

/// The level of government an office works at, which picks its starter
/// Category values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starter {
    Federal,
    Provincial,
    Municipal,
}

impl Starter {
    pub const ALL: &'static [Starter] =
        &[Starter::Federal, Starter::Provincial, Starter::Municipal];

    pub fn as_str(self) -> &'static str {
        match self {
            Starter::Federal => "federal",
            Starter::Provincial => "provincial",
            Starter::Municipal => "municipal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Starter::Federal => "Federal or national (MP, member of Congress)",
            Starter::Provincial => "Provincial or state (MPP, MLA, state legislator)",
            Starter::Municipal => "Municipal (councillor)",
        }
    }

    pub fn parse(text: &str) -> Option<Starter> {
        Starter::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == text.trim())
    }

    fn categories(self) -> Vec<StarterValue> {
        match self {
            Starter::Federal => vec![
                parent(
                    "Immigration",
                    &[
                        "Visitor visa",
                        "Work permit",
                        "Study permit",
                        "Family sponsorship",
                        "Citizenship",
                        "Asylum and refugees",
                        "Permanent residence",
                    ],
                ),
                parent(
                    "Tax",
                    &[
                        "Income tax",
                        "Tax credits",
                        "Business tax",
                        "Debt and repayments",
                    ],
                ),
                parent(
                    "Benefits",
                    &[
                        "Universal Credit",
                        "Employment Insurance",
                        "Pensions",
                        "Disability benefits",
                        "Child benefit",
                    ],
                ),
                parent("Passports", &["New passport", "Renewal", "Urgent travel"]),
                parent(
                    "Housing",
                    &[
                        "Disrepair",
                        "Homelessness",
                        "Social housing",
                        "Private renting",
                    ],
                ),
                parent(
                    "Health",
                    &["Waiting times", "GP and primary care", "Mental health"],
                ),
                parent("Veterans", &[]),
                parent("Employment", &[]),
                parent("Consumer and business", &[]),
                parent("Policy opinion", &[]),
                parent("Other", &[]),
            ],
            Starter::Provincial => vec![
                parent(
                    "Health care",
                    &[
                        "Health card",
                        "Waiting times",
                        "Long-term care",
                        "Mental health",
                    ],
                ),
                parent(
                    "Disability",
                    &["Disability support programme", "Accessibility"],
                ),
                parent(
                    "Landlord and tenant",
                    &["Eviction", "Repairs", "Rent increases"],
                ),
                parent(
                    "Licences",
                    &[
                        "Driving licence",
                        "Vehicle registration",
                        "Business licence",
                    ],
                ),
                parent("Social assistance", &["Income support", "Child care"]),
                parent("Education", &["Schools", "Student aid"]),
                parent("Employment standards", &[]),
                parent("Transport", &[]),
                parent("Policy opinion", &[]),
                parent("Other", &[]),
            ],
            Starter::Municipal => vec![
                parent(
                    "Streets",
                    &[
                        "Potholes and repairs",
                        "Street lighting",
                        "Snow clearing",
                        "Parking",
                    ],
                ),
                parent(
                    "Permits",
                    &["Building permit", "Planning application", "Events"],
                ),
                parent(
                    "Noise and nuisance",
                    &["Noise complaint", "Anti-social behaviour"],
                ),
                parent(
                    "Waste and recycling",
                    &["Missed collection", "Fly-tipping", "Bulky items"],
                ),
                parent("Parks and trees", &[]),
                parent("Council tax and bylaws", &[]),
                parent("Housing", &["Council housing", "Disrepair"]),
                parent("Transit", &[]),
                parent("Policy opinion", &[]),
                parent("Other", &[]),
            ],
        }
    }

    /// The dimensions an office of this level starts with.
    pub fn dimensions(self) -> Vec<StarterDimension> {
        vec![
            StarterDimension {
                key: "category",
                name: "Category",
                required: true,
                hierarchical: true,
                values: self.categories(),
            },
            StarterDimension {
                key: "urgency",
                name: "Urgency",
                required: false,
                hierarchical: false,
                values: vec![
                    StarterValue {
                        aliases: &["low", "normal"],
                        ..value("Routine")
                    },
                    value("Soon"),
                    StarterValue {
                        aliases: &["high"],
                        ..value("Urgent")
                    },
                    StarterValue {
                        aliases: &["critical"],
                        ..value("Emergency")
                    },
                ],
            },
            StarterDimension {
                key: "sensitivity",
                name: "Sensitivity",
                required: false,
                hierarchical: false,
                values: vec![
                    value("Normal"),
                    value("Personal"),
                    StarterValue {
                        effect: effect::RESTRICTED,
                        aliases: &["sensitive"],
                        ..value("Highly sensitive")
                    },
                ],
            },
            StarterDimension {
                key: "transferability",
                name: "Transferability",
                required: false,
                hierarchical: false,
                values: vec![
                    StarterValue {
                        effect: effect::OURS,
                        ..value("Ours")
                    },
                    StarterValue {
                        effect: effect::TRANSFER,
                        ..value("Another level of government")
                    },
                    StarterValue {
                        effect: effect::TRANSFER,
                        ..value("Another office")
                    },
                    value("Not transferable"),
                ],
            },
        ]
    }
}

/// The value a new case takes in a dimension when nobody chose one: the
/// first (Routine, Normal); Category and Transferability start empty.
pub fn default_value(dimension_key: &str) -> Option<&'static str> {
    match dimension_key {
        "urgency" => Some("Routine"),
        "sensitivity" => Some("Normal"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_case_and_spacing() {
        assert_eq!(fold("  Housing   Repair "), "housing repair");
        assert_eq!(fold("HOUSING"), fold("housing "));
        assert_eq!(clean_tag_name("  Visitor   visa ").unwrap(), "Visitor visa");
    }

    #[test]
    fn bad_names_are_refused() {
        assert!(clean_tag_name("   ").is_err());
        assert!(clean_tag_name(&"x".repeat(61)).is_err());
        assert!(clean_tag_name("a\u{202e}b").is_err());
        assert!(clean_tag_name("Housing › Disrepair").is_err());
        assert!(clean_tag_name("tab\there").is_ok(), "a tab is only space");
    }

    #[test]
    fn similarity_ignores_punctuation_and_plurals() {
        assert_eq!(
            similarity_key("housing-repairs"),
            similarity_key("Housing repair")
        );
        assert_eq!(similarity_key("Policies"), similarity_key("policy"));
        assert_ne!(similarity_key("Bus"), similarity_key("Bu"));
        assert_ne!(similarity_key("Access"), similarity_key("Acces"));
    }

    #[test]
    fn edit_distance_is_banded() {
        assert_eq!(edit_distance("passport", "pasport", 1), Some(1));
        assert_eq!(edit_distance("passport", "visa", 2), None);
        assert_eq!(edit_distance("kitten", "sitting", 3), Some(3));
    }

    #[test]
    fn near_duplicates_find_the_housing_family() {
        let names = [
            "housing",
            "Housing ",
            "housing-repairs",
            "Housing repair",
            "Immigration",
            "Imigration",
            "Tax",
            "Tux",
        ];
        let pairs = near_duplicates(&names);
        assert!(pairs.contains(&(0, 1, Likeness::SameWords)));
        assert!(pairs.contains(&(2, 3, Likeness::SameWords)));
        assert!(pairs.contains(&(4, 5, Likeness::Spelling)));
        // Short names must match exactly: Tax and Tux are different words.
        assert!(!pairs.iter().any(|p| (p.0, p.1) == (6, 7)));
    }

    #[test]
    fn starters_have_the_four_dimensions_with_unique_names() {
        for s in Starter::ALL {
            let dims = s.dimensions();
            let keys: Vec<_> = dims.iter().map(|d| d.key).collect();
            assert_eq!(
                keys,
                ["category", "urgency", "sensitivity", "transferability"]
            );
            for d in &dims {
                let mut seen = std::collections::HashSet::new();
                for v in &d.values {
                    assert!(clean_tag_name(v.name).is_ok());
                    assert!(seen.insert(fold(v.name)), "{} twice", v.name);
                }
            }
            assert_eq!(Starter::parse(s.as_str()), Some(*s));
        }
    }
}
