//! Where the time comes from: one injectable clock, so tests can move it
//! (a job overdue for hours, a lease that ran out) without waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The source of "now" for the services and the scheduler.
pub trait Clock: Send + Sync + 'static {
    /// Now, in Unix milliseconds.
    fn now_millis(&self) -> i64;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        crate::now_millis()
    }
}

/// A clock that stands still until it is set or moved (for tests). Clones
/// share the same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(now_millis: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(now_millis)))
    }

    pub fn set(&self, now_millis: i64) {
        self.0.store(now_millis, Ordering::SeqCst);
    }

    pub fn advance(&self, millis: i64) {
        self.0.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
