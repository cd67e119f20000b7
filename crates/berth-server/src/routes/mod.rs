//! The API's routes, one module per resource, each holding its handlers and its request and response types.

pub mod api_keys;
pub mod auth;
pub mod environments;
pub mod gateway;
pub mod system;
pub mod users;

use serde::Serialize;

/// The shape every list endpoint answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    pub total: usize,
}

impl<T> ListResponse<T> {
    pub fn new(items: Vec<T>) -> Self {
        ListResponse {
            total: items.len(),
            items,
        }
    }
}
