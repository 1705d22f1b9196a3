//! Constituents: derived keys for search and household matching.

/// The key that groups people living at the same address: the address and
/// postcode with case, punctuation and spacing removed. `None` when there is
/// no address to match on.
pub fn household_key(address: &str, postcode: &str) -> Option<String> {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let a = squash(address);
    let p = squash(postcode);
    if a.is_empty() || p.is_empty() {
        return None;
    }
    Some(format!("{p}|{a}"))
}

/// Normalises a postcode for display: upper case, single spaces.
pub fn normalise_postcode(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn household_key_ignores_case_and_punctuation() {
        assert_eq!(
            household_key("12 Elm St., Apt 3", "k1a 0b1"),
            household_key("12 elm st apt 3", "K1A0B1")
        );
        assert_eq!(household_key("", "K1A 0B1"), None);
    }

    #[test]
    fn postcodes_are_upper_cased_with_single_spaces() {
        assert_eq!(normalise_postcode("  k1a   0b1 "), "K1A 0B1");
    }
}
