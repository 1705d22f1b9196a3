//! Splitting an mbox file into messages (mboxo and mboxrd quoting).

/// Splits mbox bytes into messages: each starts after a `From ` separator
/// line at the start of the file or after a blank line. `>From ` quoting is
/// undone. Bytes before the first separator (if any) are ignored.
pub fn split_mbox(data: &[u8]) -> Vec<Vec<u8>> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let at_line_start = i == 0 || data[i - 1] == b'\n';
        if at_line_start && data[i..].starts_with(b"From ") {
            let after_blank =
                i == 0 || data[..i].ends_with(b"\n\n") || data[..i].ends_with(b"\r\n\r\n");
            if after_blank {
                starts.push(i);
            }
        }
        match data[i..].iter().position(|b| *b == b'\n') {
            Some(p) => i += p + 1,
            None => break,
        }
    }
    let mut messages = Vec::new();
    for (n, start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(data.len());
        let chunk = &data[*start..end];
        let body_start = chunk
            .iter()
            .position(|b| *b == b'\n')
            .map(|p| p + 1)
            .unwrap_or(chunk.len());
        let mut body = unquote(&chunk[body_start..]);
        // The blank line before the next separator belongs to the mbox, not the message.
        if n + 1 < starts.len() {
            if body.ends_with(b"\r\n") {
                body.truncate(body.len() - 2);
            } else if body.ends_with(b"\n") {
                body.truncate(body.len() - 1);
            }
        }
        if !body.iter().all(|b| b.is_ascii_whitespace()) {
            messages.push(body);
        }
    }
    messages
}

fn unquote(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut line_start = true;
    let mut i = 0;
    while i < body.len() {
        if line_start {
            let gts = body[i..].iter().take_while(|b| **b == b'>').count();
            if gts > 0 && body[i + gts..].starts_with(b"From ") {
                i += 1;
            }
        }
        let b = body[i];
        out.push(b);
        line_start = b == b'\n';
        i += 1;
    }
    out
}

/// Whether bytes look like an mbox of several messages rather than one
/// message that happens to start with a `From ` line.
pub fn looks_like_mbox(data: &[u8]) -> bool {
    data.starts_with(b"From ") && split_mbox(data).len() > 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_split_and_unquoted() {
        let mbox = b"From a@x Mon Jan 1 00:00:00 2026\nSubject: one\n\nhello\n>From the start\n\nFrom b@x Mon Jan 1 00:00:01 2026\nSubject: two\n\nbye\n";
        let m = split_mbox(mbox);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0], b"Subject: one\n\nhello\nFrom the start\n");
        assert_eq!(m[1], b"Subject: two\n\nbye\n");
        assert!(looks_like_mbox(mbox));
        assert!(!looks_like_mbox(b"From a@x Mon\nSubject: one\n\nbody\n"));
    }
}
