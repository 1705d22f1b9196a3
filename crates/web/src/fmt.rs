//! Formatting of times for pages and the API.

use time::OffsetDateTime;
use time::macros::format_description;

fn at(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// RFC 3339, for the API and `<time datetime>`.
pub fn iso(ms: i64) -> String {
    at(ms)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// "26 Nov 2026 14:05", for people.
pub fn when(ms: i64) -> String {
    at(ms)
        .format(format_description!(
            "[day padding:none] [month repr:short] [year] [hour]:[minute]"
        ))
        .unwrap_or_default()
}

/// "26 Nov 2026".
pub fn day(ms: i64) -> String {
    at(ms)
        .format(format_description!(
            "[day padding:none] [month repr:short] [year]"
        ))
        .unwrap_or_default()
}

/// "5 Dec 2026" for a day written `YYYY-MM-DD` (anything else as it is).
pub fn day_label(date: &str) -> String {
    if casework_app::domain::validate::is_valid_date(date) {
        day(casework_app::domain::dates::day_of(date) * 86_400_000)
    } else {
        date.to_owned()
    }
}
