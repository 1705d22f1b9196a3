//! Calendar days: day numbers since 1970-01-01 (proleptic Gregorian, UTC)
//! and dates written `YYYY-MM-DD`, as cases, enquiries and tasks keep them.

const DAY_MS: i64 = 86_400_000;

/// ISO weekday (1 = Monday … 7 = Sunday) of a day count.
pub fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7) + 1
}

/// The first day of the week holding `day`, weeks starting on ISO weekday
/// `starts`.
pub fn week_start(day: i64, starts: i64) -> i64 {
    day - (weekday(day) - starts).rem_euclid(7)
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month 1–12, day 1–31) of a day number.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The day number of a date already checked as `YYYY-MM-DD` (0 otherwise).
pub fn day_of(date: &str) -> i64 {
    let p: Vec<i64> = date.split('-').filter_map(|x| x.parse().ok()).collect();
    match p.as_slice() {
        [y, m, d] => days_from_civil(*y, *m, *d),
        _ => 0,
    }
}

/// `YYYY-MM-DD` of a day number.
pub fn iso_day(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD` of a time in Unix milliseconds (UTC).
pub fn iso_date(ms: i64) -> String {
    iso_day(ms.div_euclid(DAY_MS))
}

/// The date `days` after a date written `YYYY-MM-DD`.
pub fn add_days(date: &str, days: i64) -> String {
    iso_day(day_of(date) + days)
}

/// Whole days from `from` to `to` (both `YYYY-MM-DD`), negative when `to` is earlier.
pub fn days_between(from: &str, to: &str) -> i64 {
    day_of(to) - day_of(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        for d in -1000..100_000 {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(iso_day(days_from_civil(2024, 2, 29)), "2024-02-29");
        assert_eq!(add_days("2026-12-15", 21), "2027-01-05");
        assert_eq!(add_days("2028-02-28", 1), "2028-02-29");
        assert_eq!(days_between("2026-12-31", "2027-01-21"), 21);
        // 2026-11-26T00:00:00Z, and a millisecond before.
        assert_eq!(iso_date(1_795_651_200_000), "2026-11-26");
        assert_eq!(iso_date(1_795_651_199_999), "2026-11-25");
    }
}
