//! Every message of the shared corpus of real-world and malformed mail is
//! read without a panic, and keeps an identity for exactly-once storage.

use std::path::PathBuf;

/// The shared corpus: `CASEWORK_MAIL_CORPUS`, else `../shared/mail-corpus`
/// beside the repository, else `/work/shared/mail-corpus`.
pub fn corpus_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CASEWORK_MAIL_CORPUS") {
        return PathBuf::from(dir);
    }
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/mail-corpus");
    if beside.is_dir() {
        return beside;
    }
    PathBuf::from("/work/shared/mail-corpus")
}

#[test]
fn every_corpus_message_parses_without_panicking() {
    let dir = corpus_dir();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "the mail corpus must be at {} ({e}); set CASEWORK_MAIL_CORPUS",
                dir.display()
            )
        })
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml" || e == "mbox"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 390,
        "expected the ~394 corpus files, found {}",
        files.len()
    );
    let mut messages = 0;
    let mut keys = std::collections::HashSet::new();
    for path in &files {
        let raw = std::fs::read(path).unwrap();
        let parts = if path.extension().is_some_and(|e| e == "mbox") {
            casework_mail::split_mbox(&raw)
        } else {
            vec![raw]
        };
        for m in parts {
            let p = casework_mail::parse(&m);
            assert_eq!(p.dedupe_key.len(), 64, "{}", path.display());
            keys.insert(p.dedupe_key);
            messages += 1;
        }
    }
    assert_eq!(messages, 398, "394 files hold 398 messages");
    assert!(
        keys.len() >= 395,
        "distinct messages keep distinct keys even when they share a Message-ID: {}",
        keys.len()
    );
}
