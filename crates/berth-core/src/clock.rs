//! The current time as Berth stores it.

use std::time::{SystemTime, UNIX_EPOCH};

use berth_model::UnixTime;

pub fn now() -> UnixTime {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or_default()
}
