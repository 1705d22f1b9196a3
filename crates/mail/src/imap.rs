//! Fetching new mail from an IMAP mailbox (with `async-imap`), by UID, so
//! the caller can record exactly how far it got.

use async_imap::Client;
use futures_util::TryStreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// How to reach a mailbox.
#[derive(Clone, Default)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    /// `none`, `starttls` or `tls`.
    pub tls: String,
    pub folder: String,
    /// Certificate authorities to trust besides the public ones (PEM), for
    /// a mail server with a private certificate; usually empty.
    pub ca_pem: String,
}

impl std::fmt::Debug for ImapSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("tls", &self.tls)
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

/// New messages, in UID order, and the mailbox's UIDVALIDITY.
#[derive(Debug, Default)]
pub struct Fetched {
    pub uid_validity: u32,
    pub messages: Vec<(u32, Vec<u8>)>,
    /// More new messages wait beyond this batch.
    pub more: bool,
}

const TIMEOUT: Duration = Duration::from_secs(60);

/// Trusts the public certificate authorities and those in `ca_pem`.
fn tls_connector(ca_pem: &str) -> Result<TlsConnector, String> {
    use tokio_rustls::rustls::pki_types::CertificateDer;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        let cert =
            cert.map_err(|e| format!("The extra certificate authority cannot be read: {e}."))?;
        roots
            .add(cert)
            .map_err(|e| format!("The extra certificate authority cannot be used: {e}."))?;
    }
    let config = ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map(|b| b.with_root_certificates(roots).with_no_client_auth());
    match config {
        Ok(c) => Ok(TlsConnector::from(Arc::new(c))),
        // The ring provider always supports the default versions.
        Err(_) => unreachable!("TLS configuration"),
    }
}

async fn with_timeout<T>(
    what: &str,
    f: impl std::future::Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout(TIMEOUT, f)
        .await
        .map_err(|_| format!("The mail server did not answer in time ({what})."))
        .and_then(|r| r)
}

/// Fetches up to `max` messages with a UID above `after_uid` (all of them
/// again if the mailbox's UIDVALIDITY is not `known_validity`: the server
/// renumbered its messages, and storage deduplicates what was seen before),
/// and no more than `max_bytes` of them in all unless the first alone is
/// larger. Messages are fetched with BODY.PEEK so the office's read flags
/// are untouched.
pub async fn fetch_new(
    s: &ImapSettings,
    known_validity: Option<u32>,
    after_uid: u32,
    max: usize,
    max_bytes: u64,
) -> Result<Fetched, String> {
    let addr = (s.host.trim(), s.port);
    let tcp = with_timeout("connecting", async {
        TcpStream::connect(addr)
            .await
            .map_err(|e| format!("Cannot reach the mail server {}:{}: {e}.", s.host, s.port))
    })
    .await?;
    let server = ServerName::try_from(s.host.trim().to_owned())
        .map_err(|_| format!("{} is not a valid host name.", s.host))?;
    match s.tls.as_str() {
        "tls" => {
            let stream = with_timeout("TLS", async {
                tls_connector(&s.ca_pem)?
                    .connect(server, tcp)
                    .await
                    .map_err(|e| format!("TLS with the mail server failed: {e}."))
            })
            .await?;
            let mut client = Client::new(stream);
            greeting(&mut client).await?;
            session(client, s, known_validity, after_uid, max, max_bytes).await
        }
        "starttls" => {
            let mut client = Client::new(tcp);
            greeting(&mut client).await?;
            with_timeout("STARTTLS", async {
                client
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| format!("The mail server refused STARTTLS: {e}."))
            })
            .await?;
            let tcp = client.into_inner();
            let stream = with_timeout("TLS", async {
                tls_connector(&s.ca_pem)?
                    .connect(server, tcp)
                    .await
                    .map_err(|e| format!("TLS with the mail server failed: {e}."))
            })
            .await?;
            session(
                Client::new(stream),
                s,
                known_validity,
                after_uid,
                max,
                max_bytes,
            )
            .await
        }
        _ => {
            let mut client = Client::new(tcp);
            greeting(&mut client).await?;
            session(client, s, known_validity, after_uid, max, max_bytes).await
        }
    }
}

async fn greeting<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send>(
    client: &mut Client<T>,
) -> Result<(), String> {
    with_timeout("greeting", async {
        match client.read_response().await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err("The mail server closed the connection at once.".to_owned()),
            Err(e) => Err(format!(
                "The mail server's greeting could not be read: {e}."
            )),
        }
    })
    .await
}

/// How many of `uids` (in order) fit in `max_bytes` by their `sizes`:
/// at least one, so a message larger than the cap still comes, alone. A
/// message the server gave no size for counts as empty.
fn within_bytes(uids: &[u32], sizes: &[(u32, u64)], max_bytes: u64) -> usize {
    let size = |u: &u32| sizes.iter().find(|(s, _)| s == u).map_or(0, |(_, n)| *n);
    let mut total = 0u64;
    let mut keep = 0;
    for u in uids {
        total = total.saturating_add(size(u));
        if keep > 0 && total > max_bytes {
            break;
        }
        keep += 1;
    }
    keep
}

/// `UID FETCH set query`, every answer collected, within the timeout;
/// `what` names the items in the error.
async fn uid_fetch<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send>(
    session: &mut async_imap::Session<T>,
    set: &str,
    query: &str,
    what: &str,
) -> Result<Vec<async_imap::types::Fetch>, String> {
    with_timeout("fetching", async {
        let stream = session
            .uid_fetch(set, query)
            .await
            .map_err(|e| format!("Fetching {what} failed: {e}."))?;
        stream
            .try_collect::<Vec<_>>()
            .await
            .map_err(|e| format!("Fetching {what} failed: {e}."))
    })
    .await
}

async fn session<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send>(
    client: Client<T>,
    s: &ImapSettings,
    known_validity: Option<u32>,
    after_uid: u32,
    max: usize,
    max_bytes: u64,
) -> Result<Fetched, String> {
    let mut session = with_timeout("signing in", async {
        client
            .login(&s.username, &s.password)
            .await
            .map_err(|(e, _)| {
                format!(
                    "The mail server refused the sign-in for {}: {e}.",
                    s.username
                )
            })
    })
    .await?;
    let folder = if s.folder.trim().is_empty() {
        "INBOX"
    } else {
        s.folder.trim()
    };
    let mailbox = with_timeout("opening the folder", async {
        session
            .examine(folder)
            .await
            .map_err(|e| format!("The folder {folder} could not be opened: {e}."))
    })
    .await?;
    let uid_validity = mailbox.uid_validity.unwrap_or(0);
    let start = if known_validity == Some(uid_validity) {
        after_uid
    } else {
        0
    };
    let mut uids: Vec<u32> = with_timeout("searching", async {
        session
            .uid_search(format!("UID {}:*", start.saturating_add(1)))
            .await
            .map(|set| set.into_iter().collect())
            .map_err(|e| format!("Searching the folder failed: {e}."))
    })
    .await?;
    // "n:*" includes the newest message even when it is older than n.
    uids.retain(|u| *u > start);
    uids.sort_unstable();
    let mut more = uids.len() > max;
    uids.truncate(max);
    let uid_set = |uids: &[u32]| {
        uids.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    // Sizes first: a batch holds at most `max_bytes` of mail (or one
    // message, however large), so a folder of big attachments is read a
    // few messages at a time, not all at once into memory.
    if uids.len() > 1 {
        let sizes: Vec<(u32, u64)> = uid_fetch(
            &mut session,
            &uid_set(&uids),
            "(UID RFC822.SIZE)",
            "message sizes",
        )
        .await?
        .iter()
        .filter_map(|f| Some((f.uid?, u64::from(f.size?))))
        .collect();
        let keep = within_bytes(&uids, &sizes, max_bytes);
        if keep < uids.len() {
            more = true;
            uids.truncate(keep);
        }
    }
    let mut messages = Vec::with_capacity(uids.len());
    if !uids.is_empty() {
        let fetched = uid_fetch(
            &mut session,
            &uid_set(&uids),
            "(UID BODY.PEEK[])",
            "messages",
        )
        .await?;
        for f in &fetched {
            if let (Some(uid), Some(body)) = (f.uid, f.body()) {
                messages.push((uid, body.to_vec()));
            }
        }
        messages.sort_by_key(|(u, _)| *u);
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
    Ok(Fetched {
        uid_validity,
        messages,
        more,
    })
}

#[cfg(test)]
mod tests {
    use super::within_bytes;

    #[test]
    fn a_batch_stops_at_the_byte_cap_but_always_takes_one() {
        let uids = [3, 5, 9, 12];
        let sizes = [(3, 40), (5, 40), (9, 40), (12, 10)];
        assert_eq!(within_bytes(&uids, &sizes, 100), 2);
        assert_eq!(within_bytes(&uids, &sizes, 80), 2, "exactly full");
        assert_eq!(within_bytes(&uids, &sizes, 1_000), 4);
        // A message larger than the cap comes alone.
        assert_eq!(within_bytes(&uids, &sizes, 10), 1);
        // No size from the server: counted as empty, not refused.
        assert_eq!(within_bytes(&uids, &[(3, 40)], 50), 4);
    }
}
