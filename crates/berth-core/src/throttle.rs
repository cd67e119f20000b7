//! Rate limiting of sign-in attempts per client address and per username, in fixed windows, so password
//! guessing is slow from one address and against one account.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::CoreError;

/// Limits for sign-in attempts.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Attempts allowed from one client address per window.
    pub per_client: u32,
    /// Failed attempts allowed against one username per window.
    pub failures_per_username: u32,
    pub window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_client: 10,
            failures_per_username: 5,
            window: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

/// Above this many tracked keys, windows that have ended are dropped, so memory stays bounded.
const PRUNE_ABOVE: usize = 10_000;

pub struct LoginThrottle {
    limits: LoginLimits,
    clients: Mutex<HashMap<IpAddr, Window>>,
    usernames: Mutex<HashMap<String, Window>>,
}

impl LoginThrottle {
    pub fn new(limits: LoginLimits) -> Self {
        LoginThrottle {
            limits,
            clients: Mutex::new(HashMap::new()),
            usernames: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt from `client` and refuses it if the client or the username is over its limit.
    pub fn admit(&self, client: IpAddr, username: &str) -> Result<(), CoreError> {
        let now = Instant::now();
        let window = self.limits.window;
        {
            let usernames = self.usernames.lock().expect("throttle lock poisoned");
            if let Some(entry) = usernames.get(&username.to_lowercase())
                && now.duration_since(entry.started) < window
                && entry.count >= self.limits.failures_per_username
            {
                return Err(retry_after(entry, window, now));
            }
        }
        let mut clients = self.clients.lock().expect("throttle lock poisoned");
        prune(&mut clients, window, now);
        let entry = current_window(&mut clients, client, window, now);
        if entry.count >= self.limits.per_client {
            return Err(retry_after(entry, window, now));
        }
        entry.count += 1;
        Ok(())
    }

    /// Records a failed attempt against `username`.
    pub fn record_failure(&self, username: &str) {
        let now = Instant::now();
        let mut usernames = self.usernames.lock().expect("throttle lock poisoned");
        prune(&mut usernames, self.limits.window, now);
        current_window(
            &mut usernames,
            username.to_lowercase(),
            self.limits.window,
            now,
        )
        .count += 1;
    }

    /// Forgets failures against `username` after a successful sign-in.
    pub fn record_success(&self, username: &str) {
        self.usernames
            .lock()
            .expect("throttle lock poisoned")
            .remove(&username.to_lowercase());
    }
}

fn current_window<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, Window>,
    key: K,
    window: Duration,
    now: Instant,
) -> &mut Window {
    let entry = map.entry(key).or_insert(Window {
        started: now,
        count: 0,
    });
    if now.duration_since(entry.started) >= window {
        *entry = Window {
            started: now,
            count: 0,
        };
    }
    entry
}

fn prune<K>(map: &mut HashMap<K, Window>, window: Duration, now: Instant) {
    if map.len() > PRUNE_ABOVE {
        map.retain(|_, entry| now.duration_since(entry.started) < window);
    }
}

fn retry_after(entry: &Window, window: Duration, now: Instant) -> CoreError {
    let remaining = window.saturating_sub(now.duration_since(entry.started));
    CoreError::RateLimited {
        retry_after_secs: remaining.as_secs().max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(LoginLimits {
            per_client: 3,
            failures_per_username: 2,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn limits_attempts_per_client() {
        let throttle = throttle();
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            throttle.admit(client, "a").unwrap();
        }
        assert!(matches!(
            throttle.admit(client, "b"),
            Err(CoreError::RateLimited { .. })
        ));
        throttle.admit(other, "a").unwrap();
    }

    #[test]
    fn limits_failures_per_username_across_clients() {
        let throttle = throttle();
        throttle.record_failure("Admin");
        throttle.record_failure("admin");
        let fresh: IpAddr = "198.51.100.7".parse().unwrap();
        assert!(matches!(
            throttle.admit(fresh, "ADMIN"),
            Err(CoreError::RateLimited { .. })
        ));
        throttle.record_success("admin");
        throttle.admit(fresh, "admin").unwrap();
    }
}
