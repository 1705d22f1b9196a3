//! What every handler is given: the application and the web settings.

use casework_app::App;
use std::sync::Arc;

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` and send HSTS (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or
    /// networks). From anyone else the header is ignored: the client is
    /// the address that connected.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Limits on connections: caps and timeouts.
    pub limits: crate::serve::ConnectionLimits,
}

impl WebConfig {
    /// This site's origin as the browser reached it (`https://host`): the
    /// scheme from `secure_cookies`, the host from the `Host` header. Used
    /// where the browser's own view of the site is checked again elsewhere
    /// (the identity provider's registered callback, a security key's site),
    /// so a forged `Host` gets nowhere.
    pub fn origin(&self, headers: &axum::http::HeaderMap) -> String {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
            .unwrap_or("localhost");
        let scheme = if self.secure_cookies { "https" } else { "http" };
        format!("{scheme}://{host}")
    }

    /// The client's address: the connecting address, or, when that is a
    /// trusted proxy, the nearest address in `X-Forwarded-For` that is not
    /// one (proxies append, so the right end is the one our proxy wrote).
    pub fn client_ip(
        &self,
        peer: std::net::IpAddr,
        headers: &axum::http::HeaderMap,
    ) -> std::net::IpAddr {
        let trusted = |ip: &std::net::IpAddr| self.trusted_proxies.iter().any(|n| n.contains(ip));
        if !trusted(&peer) {
            return peer;
        }
        let mut client = peer;
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            match hop.parse::<std::net::IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !trusted(&ip) {
                        break;
                    }
                }
                // Garbage where an address should be: stop at the last good one.
                Err(_) => break,
            }
        }
        client
    }
}

/// Parses `trusted_proxies` entries: an address (`10.0.0.5`, `::1`) or a
/// network (`10.0.0.0/8`).
pub fn parse_trusted_proxies(entries: &[String]) -> Result<Vec<ipnet::IpNet>, String> {
    entries
        .iter()
        .map(|e| {
            let e = e.trim();
            e.parse::<ipnet::IpNet>()
                .or_else(|_| e.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    format!(
                        "trusted_proxies: \"{e}\" is not an address or a network like 10.0.0.0/8"
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(proxies: &[&str]) -> WebConfig {
        WebConfig {
            trusted_proxies: parse_trusted_proxies(
                &proxies.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
            .unwrap(),
            ..WebConfig::default()
        }
    }

    fn headers(xff: &str) -> axum::http::HeaderMap {
        let mut h = axum::http::HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let none = config(&[]);
        assert_eq!(
            none.client_ip(ip("10.0.0.1"), &headers("203.0.113.9")),
            ip("10.0.0.1")
        );
        let c = config(&["10.0.0.0/8", "::1"]);
        assert_eq!(
            c.client_ip(ip("10.0.0.1"), &headers("203.0.113.9")),
            ip("203.0.113.9")
        );
        // A client cannot choose its address by sending the header itself:
        // the proxy appends the real one, and that is the one taken.
        assert_eq!(
            c.client_ip(ip("10.0.0.1"), &headers("1.2.3.4, 203.0.113.9")),
            ip("203.0.113.9")
        );
        // Through two trusted proxies.
        assert_eq!(
            c.client_ip(ip("::1"), &headers("203.0.113.9, 10.1.1.1")),
            ip("203.0.113.9")
        );
        assert_eq!(
            c.client_ip(ip("10.0.0.1"), &headers("junk")),
            ip("10.0.0.1")
        );
        assert_eq!(
            c.client_ip(ip("198.51.100.7"), &headers("203.0.113.9")),
            ip("198.51.100.7")
        );
        assert!(parse_trusted_proxies(&["nonsense".into()]).is_err());
    }
}

#[derive(Clone)]
pub(crate) struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
}
