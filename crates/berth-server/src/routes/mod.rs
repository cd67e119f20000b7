//! The API's routes, one module per resource, each holding its handlers and its request and response types.

pub mod api_keys;
pub mod auth;
pub mod console;
pub mod containers;
pub mod environments;
pub mod gateway;
pub mod live;
pub mod resources;
pub mod swarm;
pub mod system;
pub mod users;

use serde::Serialize;

/// The shape every list endpoint answers. `next_cursor` is null on the last page (and on short lists
/// that are never paged).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    pub total: usize,
    pub next_cursor: Option<String>,
}

impl<T> ListResponse<T> {
    pub fn new(items: Vec<T>) -> Self {
        ListResponse {
            total: items.len(),
            items,
            next_cursor: None,
        }
    }

    /// A page from the core, converted item by item.
    pub fn from_page<U>(page: berth_core::Page<U>, convert: impl Fn(U) -> T) -> Self {
        ListResponse {
            items: page.items.into_iter().map(convert).collect(),
            total: page.total,
            next_cursor: page.next_cursor,
        }
    }
}

/// Paging and sorting parameters every paged list accepts.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// `name` (default), `created`, `state` or `image`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub order: Option<String>,
    /// Items per page, 1 to 1000 (default 100).
    pub limit: Option<usize>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// Or skip this many items.
    pub offset: Option<usize>,
}

impl PageParams {
    pub fn to_request(&self) -> Result<berth_core::PageRequest, crate::error::ApiError> {
        let invalid = |field: &'static str, message: &str| {
            crate::error::ApiError::from(berth_core::CoreError::invalid(field, message))
        };
        let sort = match self.sort.as_deref() {
            None => berth_core::SortField::Name,
            Some(value) => berth_core::SortField::parse(value)
                .ok_or_else(|| invalid("sort", "must be name, created, state or image"))?,
        };
        let descending = match self.order.as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(invalid("order", "must be asc or desc")),
        };
        Ok(berth_core::PageRequest {
            sort,
            descending,
            limit: self.limit.unwrap_or(100),
            cursor: self.cursor.clone(),
            offset: self.offset,
        })
    }
}
