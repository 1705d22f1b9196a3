//! The review's weeks: the office's week (from its chosen first day), the
//! week a page asks for, and the names of days and weeks.

use casework_domain::FieldErrors;
use casework_domain::dates::{civil_from_days, day_of, days_from_civil};

use crate::trends::MONTHS;

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The name of an ISO weekday (1 = Monday … 7 = Sunday).
pub(crate) fn weekday_name(day: i64) -> &'static str {
    WEEKDAYS[(day - 1).clamp(0, 6) as usize]
}

pub(crate) use casework_domain::dates::{week_start, weekday};

pub(crate) fn short(day: i64) -> String {
    let (_, m, d) = civil_from_days(day);
    format!("{d} {}", MONTHS[(m - 1) as usize])
}

pub(crate) fn long(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{d} {} {y}", MONTHS[(m - 1) as usize])
}

/// Adds `months` calendar months (negative: back) to a day, on the same
/// day of the month, or the month's last where it is shorter.
pub(crate) fn add_months(day: i64, months: i64) -> i64 {
    let (y, m, d) = civil_from_days(day);
    let total = y * 12 + (m - 1) + months;
    let (yy, mm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let first = days_from_civil(yy, mm, 1);
    let next = days_from_civil(yy + mm / 12, mm % 12 + 1, 1);
    first + (d - 1).min(next - first - 1)
}

/// The review page's week: the one holding `text`'s day, or the last
/// whole week; never one that has not begun.
pub(crate) fn pick_week(e: &mut FieldErrors, text: &str, today: i64, starts: i64) -> i64 {
    let this = week_start(today, starts);
    match e.date("week", "The week", text) {
        None => this - 7,
        Some(d) => {
            let w = week_start(day_of(&d), starts);
            if w > this {
                e.add("week", "That week has not begun yet.");
                this - 7
            } else {
                w
            }
        }
    }
}

/// The day names, Monday first, for the setting.
pub fn weekdays() -> Vec<(i64, &'static str)> {
    WEEKDAYS
        .iter()
        .enumerate()
        .map(|(i, d)| (i as i64 + 1, *d))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use casework_domain::dates::iso_day;

    #[test]
    fn months_keep_the_day_or_take_the_month_s_last() {
        let d = |s: &str| day_of(s);
        assert_eq!(iso_day(add_months(d("2026-12-06"), -3)), "2026-09-06");
        assert_eq!(iso_day(add_months(d("2026-12-06"), -12)), "2025-12-06");
        assert_eq!(iso_day(add_months(d("2026-05-31"), -3)), "2026-02-28");
        assert_eq!(iso_day(add_months(d("2024-05-31"), -3)), "2024-02-29");
        assert_eq!(iso_day(add_months(d("2026-01-31"), 1)), "2026-02-28");
        assert_eq!(iso_day(add_months(d("2026-11-30"), 1)), "2026-12-30");
    }

    #[test]
    fn weeks_start_on_the_office_s_day() {
        // 2026-12-09 is a Wednesday.
        let wed = day_of("2026-12-09");
        assert_eq!(weekday(wed), 3);
        assert_eq!(iso_day(week_start(wed, 1)), "2026-12-07");
        assert_eq!(iso_day(week_start(wed, 7)), "2026-12-06");
        assert_eq!(iso_day(week_start(wed, 3)), "2026-12-09");
        let mut e = FieldErrors::new();
        assert_eq!(iso_day(pick_week(&mut e, "", wed, 1)), "2026-11-30");
        assert_eq!(
            iso_day(pick_week(&mut e, "2026-12-08", wed, 1)),
            "2026-12-07"
        );
        assert!(e.is_empty());
        pick_week(&mut e, "2026-12-14", wed, 1);
        assert!(e.get("week").is_some());
    }
}
