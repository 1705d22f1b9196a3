//! CSV files made for spreadsheets: text that a spreadsheet would run as a
//! formula is made plain.

use crate::{AppError, AppResult};

/// A cell's text, made safe to open in a spreadsheet: one that begins like
/// a formula (`=`, `+`, `-`, `@`, a tab or a carriage return) gets a `'`
/// in front, so it is shown, not run.
pub(crate) fn csv_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// A CSV file of a header and rows (each cell as given: pass text cells
/// through [`csv_safe`]).
pub(crate) fn write(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> AppResult<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::Internal(e.to_string());
    w.write_record(header).map_err(fail)?;
    for row in rows {
        w.write_record(&row).map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn formulas_are_made_plain_text() {
        assert_eq!(super::csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::csv_safe("Home Office"), "Home Office");
        let text = super::write(&["a", "b"], [vec!["1".into(), "x,y".into()]]).unwrap();
        assert_eq!(text, "a,b\n1,\"x,y\"\n");
    }
}
