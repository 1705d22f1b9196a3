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
/// renumbered its messages, and storage deduplicates what was seen before).
/// Messages are fetched with BODY.PEEK so the office's read flags are untouched.
pub async fn fetch_new(
    s: &ImapSettings,
    known_validity: Option<u32>,
    after_uid: u32,
    max: usize,
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
            session(client, s, known_validity, after_uid, max).await
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
            session(Client::new(stream), s, known_validity, after_uid, max).await
        }
        _ => {
            let mut client = Client::new(tcp);
            greeting(&mut client).await?;
            session(client, s, known_validity, after_uid, max).await
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

async fn session<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send>(
    client: Client<T>,
    s: &ImapSettings,
    known_validity: Option<u32>,
    after_uid: u32,
    max: usize,
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
    let more = uids.len() > max;
    uids.truncate(max);
    let mut messages = Vec::with_capacity(uids.len());
    if !uids.is_empty() {
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let fetched: Vec<_> = with_timeout("fetching", async {
            let stream = session
                .uid_fetch(&set, "(UID BODY.PEEK[])")
                .await
                .map_err(|e| format!("Fetching messages failed: {e}."))?;
            stream
                .try_collect::<Vec<_>>()
                .await
                .map_err(|e| format!("Fetching messages failed: {e}."))
        })
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
