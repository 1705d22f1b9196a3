//! What every handler is given: the application and the web settings.

use casework_app::App;
use std::sync::Arc;

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` and send HSTS (set when served over HTTPS).
    pub secure_cookies: bool,
}

#[derive(Clone)]
pub(crate) struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
}
