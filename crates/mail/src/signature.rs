//! Reading a constituent's details from the end of their email, so intake
//! can pre-fill a new record: name, address, postcode, phone.

/// What the signature seems to say. Every field may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureGuess {
    pub first_name: String,
    pub last_name: String,
    pub address: String,
    pub postcode: String,
    pub phone: String,
}

fn is_canadian_postcode(t: &str) -> bool {
    let c: Vec<char> = t.chars().filter(|c| !c.is_whitespace()).collect();
    c.len() == 6
        && c[0].is_ascii_alphabetic()
        && c[1].is_ascii_digit()
        && c[2].is_ascii_alphabetic()
        && c[3].is_ascii_digit()
        && c[4].is_ascii_alphabetic()
        && c[5].is_ascii_digit()
}

fn is_uk_postcode(outward: &str, inward: &str) -> bool {
    let o: Vec<char> = outward.chars().collect();
    let i: Vec<char> = inward.chars().collect();
    (2..=4).contains(&o.len())
        && o[0].is_ascii_alphabetic()
        && o.iter().any(|c| c.is_ascii_digit())
        && o.iter().all(|c| c.is_ascii_alphanumeric())
        && i.len() == 3
        && i[0].is_ascii_digit()
        && i[1].is_ascii_alphabetic()
        && i[2].is_ascii_alphabetic()
}

/// Finds a postcode (Canadian `K1A 0B1`, UK `SW1A 1AA`, US ZIP `12345`) in a line.
fn find_postcode(line: &str) -> Option<(String, String)> {
    let words: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    for (n, w) in words.iter().enumerate() {
        let next = words.get(n + 1).copied().unwrap_or("");
        let pair = format!("{w}{next}");
        if w.len() == 3 && next.len() == 3 && is_canadian_postcode(&pair) {
            let pc = format!("{w} {next}").to_uppercase();
            return Some((pc.clone(), line.replace(w, "").replace(next, "")));
        }
        if is_canadian_postcode(w) {
            return Some((
                format!("{} {}", &w[..3], &w[3..]).to_uppercase(),
                line.replace(w, ""),
            ));
        }
        if is_uk_postcode(&w.to_uppercase(), &next.to_uppercase()) {
            return Some((
                format!("{w} {next}").to_uppercase(),
                line.replace(w, "").replace(next, ""),
            ));
        }
        if n > 0 && w.len() == 5 && w.chars().all(|c| c.is_ascii_digit()) {
            return Some(((*w).to_owned(), line.replace(w, "")));
        }
    }
    None
}

fn tidy(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| c == ',' || c.is_whitespace())
        .to_owned()
}

/// Guesses details from the sender's display name and the last lines of the
/// message (above any quoted reply).
pub fn guess_signature(display_name: &str, text: &str) -> SignatureGuess {
    let mut g = SignatureGuess::default();
    let name = display_name.trim().trim_matches('"');
    if let Some((last, first)) = name.split_once(',') {
        g.first_name = first.trim().to_owned();
        g.last_name = last.trim().to_owned();
    } else if let Some((first, last)) = name.rsplit_once(' ') {
        g.first_name = first.trim().to_owned();
        g.last_name = last.trim().to_owned();
    } else {
        g.last_name = name.to_owned();
    }
    let own: Vec<&str> = text
        .lines()
        .take_while(|l| {
            !(l.starts_with('>') || (l.starts_with("On ") && l.trim_end().ends_with("wrote:")))
        })
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tail = &own[own.len().saturating_sub(12)..];
    for (n, line) in tail.iter().enumerate() {
        if g.postcode.is_empty()
            && let Some((pc, rest)) = find_postcode(line)
        {
            g.postcode = pc;
            let rest = tidy(&rest);
            // "12 Elm Street" on the line above, "Riverside, MB" on this one.
            let above = if n > 0 { tail[n - 1] } else { "" };
            g.address = if above.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                tidy(&format!("{above}, {rest}"))
            } else {
                rest
            };
        }
        let digits: String = line.chars().filter(char::is_ascii_digit).collect();
        let phoneish = line.chars().all(|c| {
            c.is_ascii_digit()
                || " +-().:".contains(c)
                || c.is_alphabetic() && line.to_lowercase().starts_with("tel")
                || c.is_alphabetic() && line.to_lowercase().starts_with("phone")
        });
        if g.phone.is_empty() && (10..=15).contains(&digits.len()) && phoneish {
            g.phone = tidy(line.trim_start_matches(|c: char| c.is_alphabetic() || c == ':'));
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typical_signature_is_read() {
        let text = "Dear Member,\n\nMy pension has not arrived.\n\nThank you,\nJane Smith\n12 Elm Street\nRiverside, MB R2C 1A1\nTel: 204-555-0142\n\nOn Mon, someone wrote:\n> quoted 99999\n";
        let g = guess_signature("Jane Smith", text);
        assert_eq!(g.first_name, "Jane");
        assert_eq!(g.last_name, "Smith");
        assert_eq!(g.postcode, "R2C 1A1");
        assert_eq!(g.address, "12 Elm Street, Riverside, MB");
        assert_eq!(g.phone, "204-555-0142");
    }

    #[test]
    fn uk_postcodes_and_reversed_names() {
        let g = guess_signature("Smith, Jane", "Hello\n\n4 High Road\nLondon SW1A 1AA\n");
        assert_eq!(
            (g.first_name.as_str(), g.last_name.as_str()),
            ("Jane", "Smith")
        );
        assert_eq!(g.postcode, "SW1A 1AA");
        assert_eq!(g.address, "4 High Road, London");
    }

    #[test]
    fn nothing_found_is_empty_not_wrong() {
        let g = guess_signature("", "just a line");
        assert_eq!(g, SignatureGuess::default());
    }
}
