//! Ingestion rate limit per write key and client address (GCRA from
//! `governor`): a runaway page cannot fill the disk. Over the limit the
//! caller gets 429 with `Retry-After` in whole seconds.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

use crate::config::RateLimit;

/// The limiter shared by every ingestion handler.
pub struct Limiter {
    inner: DefaultKeyedRateLimiter<(String, IpAddr)>,
    clock: DefaultClock,
}

impl Limiter {
    /// `limit.requests` per `limit.per`, all of them usable at once (burst).
    pub fn new(limit: RateLimit) -> Limiter {
        let burst = NonZeroU32::new(limit.requests).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(limit.per / burst.get())
            .unwrap_or_else(|| Quota::per_second(burst))
            .allow_burst(burst);
        Limiter {
            inner: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` when the request may go on, else the seconds to wait (≥ 1).
    pub fn check(&self, write_key: &str, ip: IpAddr) -> Result<(), u64> {
        match self.inner.check_key(&(write_key.to_owned(), ip)) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                Err((wait.as_secs_f64().ceil() as u64).max(1))
            }
        }
    }

    /// Forgets the keys whose budget is full again (called periodically).
    pub fn shrink(&self) {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_burst_is_allowed_then_refused_with_a_wait_per_key() {
        let l = Limiter::new(RateLimit {
            requests: 3,
            per: Duration::from_secs(60),
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(l.check("k", ip), Ok(()));
        }
        let wait = l.check("k", ip).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(l.check("other", ip), Ok(()));
        assert_eq!(l.check("k", "192.0.2.2".parse().unwrap()), Ok(()));
    }
}
