//! The made-up people, places and casework the demo and synthetic offices
//! are built from (`demo`, and its two years of history in
//! `demo_history`). Every name, address and number here is invented.

use casework_domain::Level;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use crate::constituents::ConstituentInput;

pub const FIRST_NAMES: &[&str] = &[
    "Aisha", "Ben", "Carmen", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal",
    "Kateri", "Liam", "Mei", "Noah", "Olga", "Pierre", "Quinn", "Rosa", "Sanjay", "Tess", "Uma",
    "Viktor", "Wen", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Chloé", "Desmond", "Emeka",
    "Fatima", "Gus", "Hannah", "Ivan", "Jun", "Kofi", "Leila", "Marcus", "Nadia", "Oscar",
    "Parveen",
];
pub const LAST_NAMES: &[&str] = &[
    "Abbott",
    "Baptiste",
    "Chen",
    "Dubois",
    "Eriksen",
    "Fontaine",
    "Gill",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lafleur",
    "Mbeki",
    "Nakamura",
    "O'Brien",
    "Patel",
    "Quintero",
    "Rossi",
    "Singh",
    "Tremblay",
    "Ueda",
    "Vasquez",
    "Whitehorse",
    "Xu",
    "Yilmaz",
    "Zielinski",
    "Moreau",
    "Sokolov",
    "Bergeron",
    "Achterberg",
    "Da Silva",
    "MacLeod",
    "Nguyen",
    "Okonkwo",
    "Park",
];
pub const STREETS: &[&str] = &[
    "Elm Street",
    "Maple Avenue",
    "Riverside Drive",
    "King Street",
    "Queen Street",
    "Bank Street",
    "Cedar Crescent",
    "Birch Road",
    "Willow Lane",
    "Lakeshore Boulevard",
    "Station Road",
    "Mill Street",
    "Orchard Way",
    "Church Street",
    "Victoria Avenue",
    "Wellington Road",
];
pub const POSTCODE_AREAS: &[&str] = &["R2C", "R2E", "R2G", "R2H", "R2J", "R2K", "R2L", "R2M"];

/// (Category value of the federal starter, level, agency, typical title)
/// of demo cases.
pub const CASE_KINDS: &[(&str, Level, &str, &str)] = &[
    (
        "Immigration › Family sponsorship",
        Level::Federal,
        "Immigration, Refugees and Citizenship",
        "Spousal sponsorship delayed",
    ),
    (
        "Immigration › Work permit",
        Level::Federal,
        "Immigration, Refugees and Citizenship",
        "Work permit renewal stuck",
    ),
    (
        "Tax › Tax credits",
        Level::Federal,
        "Revenue Agency",
        "Benefit payments withheld after reassessment",
    ),
    (
        "Passports › Urgent travel",
        Level::Federal,
        "Passport Program",
        "Urgent passport for family travel",
    ),
    (
        "Benefits › Pensions",
        Level::Federal,
        "Service Canada",
        "Old age pension application delayed",
    ),
    (
        "Benefits › Employment Insurance",
        Level::Federal,
        "Service Canada",
        "EI claim not processed",
    ),
    (
        "Veterans",
        Level::Federal,
        "Veterans Affairs",
        "Disability award appeal",
    ),
    (
        "Housing › Private renting",
        Level::Provincial,
        "Landlord and Tenant Board",
        "Eviction hearing and repairs",
    ),
    (
        "Health › Waiting times",
        Level::Provincial,
        "Ministry of Health",
        "Out-of-province treatment approval",
    ),
    (
        "Benefits › Disability benefits",
        Level::Provincial,
        "Disability Support Program",
        "Support payments stopped",
    ),
    (
        "Other",
        Level::Provincial,
        "Driver and Vehicle Licensing",
        "Licence suspended in error",
    ),
    (
        "Other",
        Level::Municipal,
        "City Public Works",
        "Pothole and broken streetlight",
    ),
    (
        "Other",
        Level::Municipal,
        "City Building Permits",
        "Permit for accessible ramp",
    ),
    (
        "Other",
        Level::Municipal,
        "City By-law Services",
        "Construction noise at night",
    ),
];

pub const NOTES: &[&str] = &[
    "Called the constituent to confirm details; consent form signed and scanned.",
    "Sent enquiry to the agency's MP liaison desk; expect reply within three weeks.",
    "Agency replied: file is with a senior officer for review.",
    "Constituent emailed with updated documents.",
    "Chased the agency by phone; promised an update by Friday.",
    "Left a voicemail for the constituent asking for the reference number on their letter.",
    "Escalated to the minister's office.",
    "Agency confirmed the decision; letter to follow.",
];

/// What `build_office` made.
pub struct Report {
    pub constituents: usize,
    pub cases: usize,
    pub entries: usize,
    /// Emails filed on the cases (large offices only).
    pub messages: usize,
}

/// A made-up person living at a made-up address.
pub fn fake_person(rng: &mut StdRng, n: usize) -> ConstituentInput {
    let first = *FIRST_NAMES.choose(rng).unwrap_or(&"Alex");
    let last = *LAST_NAMES.choose(rng).unwrap_or(&"Doe");
    let area = *POSTCODE_AREAS.choose(rng).unwrap_or(&"R2C");
    let street = *STREETS.choose(rng).unwrap_or(&"Elm Street");
    let house = rng.random_range(1..400);
    let postcode = format!(
        "{area} {}{}{}",
        rng.random_range(0..10),
        (b'A' + rng.random_range(0..26u8)) as char,
        rng.random_range(0..10)
    );
    let local: String = format!("{}.{}{}", first, last, n)
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    ConstituentInput {
        first_name: first.into(),
        last_name: last.into(),
        email: if rng.random_bool(0.8) {
            format!("{local}@example.net")
        } else {
            String::new()
        },
        phone: if rng.random_bool(0.7) {
            format!("204-555-{:04}", rng.random_range(0..10_000))
        } else {
            String::new()
        },
        postcode,
        address: format!("{house} {street}, Riverside"),
        do_not_email: rng.random_bool(0.05),
        do_not_phone: rng.random_bool(0.05),
        ..ConstituentInput::default()
    }
}

pub(crate) const DEMO_TASKS: &[&str] = &[
    "Call the constituent with an update",
    "Send the acknowledgement letter",
    "Ask for a copy of the decision letter",
    "Check the online status of the application",
    "Book a surgery appointment",
    "Forward the signed consent form",
];
