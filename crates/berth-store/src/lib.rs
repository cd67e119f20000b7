//! Berth's database: the connection pool, the embedded migrations and one repository module per entity.
//! This is the only crate that writes SQL. Queries use `$N` placeholders and portable types so that one
//! SQL string serves SQLite today and PostgreSQL later, through sqlx's `Any` driver.

mod api_keys;
mod environments;
mod error;
mod grants;
mod pool;
mod sessions;
mod settings;
mod users;

pub use environments::{EnvironmentRecord, NewEnvironmentRecord, StoredTls};
pub use error::StoreError;
pub use pool::{Store, redact_url};
pub use sessions::SessionLookup;
