//! Filtering, sorting and paging of mirrored resources, pure and fast: a page of 50 out of thousands is a
//! filter, a sort and a binary search. Cursors are keyset cursors, so pages stay stable while rows change.

use std::cmp::Ordering;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use berth_model::{ContainerHealth, ContainerState, ContainerSummary, EnvironmentId};

use crate::CoreError;

/// A page of a list, in the one shape every list answers.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: usize,
    pub next_cursor: Option<String>,
}

/// What to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    Name,
    Created,
    State,
    Image,
}

impl SortField {
    pub fn parse(value: &str) -> Option<SortField> {
        Some(match value {
            "name" => SortField::Name,
            "created" => SortField::Created,
            "state" => SortField::State,
            "image" => SortField::Image,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            SortField::Name => "name",
            SortField::Created => "created",
            SortField::State => "state",
            SortField::Image => "image",
        }
    }
}

/// Paging parameters shared by every list.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub sort: SortField,
    pub descending: bool,
    pub limit: usize,
    pub cursor: Option<String>,
    pub offset: Option<usize>,
}

pub const MAX_PAGE: usize = 1000;

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            sort: SortField::Name,
            descending: false,
            limit: 100,
            cursor: None,
            offset: None,
        }
    }
}

/// Which containers to list.
#[derive(Debug, Clone, Default)]
pub struct ContainerFilter {
    /// Case-insensitive match on name, image, id prefix or stack.
    pub search: Option<String>,
    pub states: Vec<ContainerState>,
    pub health: Option<ContainerHealth>,
    /// Image reference contains this.
    pub image: Option<String>,
    /// `key` or `key=value`.
    pub label: Option<(String, Option<String>)>,
    pub stack: Option<String>,
}

impl ContainerFilter {
    pub fn matches(&self, container: &ContainerSummary) -> bool {
        if !self.states.is_empty() && !self.states.contains(&container.state) {
            return false;
        }
        if self.health.is_some_and(|health| health != container.health) {
            return false;
        }
        if let Some(image) = &self.image
            && !container
                .image
                .to_lowercase()
                .contains(&image.to_lowercase())
        {
            return false;
        }
        if let Some((key, value)) = &self.label {
            match (container.labels.get(key), value) {
                (None, _) => return false,
                (Some(actual), Some(expected)) if actual != expected => return false,
                _ => {}
            }
        }
        if let Some(stack) = &self.stack
            && container.stack() != Some(stack.as_str())
        {
            return false;
        }
        if let Some(search) = &self.search {
            let search = search.to_lowercase();
            let hit = container.name.to_lowercase().contains(&search)
                || container.image.to_lowercase().contains(&search)
                || container.id.starts_with(&search)
                || container
                    .stack()
                    .is_some_and(|stack| stack.to_lowercase().contains(&search));
            if !hit {
                return false;
            }
        }
        true
    }
}

/// A row's position in the order: the sort value, then environment and id to break ties.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RowKey {
    pub value: SortValue,
    pub environment_id: i64,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortValue {
    Number(i64),
    Text(String),
}

pub fn container_key(
    environment_id: EnvironmentId,
    container: &ContainerSummary,
    sort: SortField,
) -> RowKey {
    let value = match sort {
        SortField::Name => SortValue::Text(container.name.to_lowercase()),
        SortField::Created => SortValue::Number(container.created),
        SortField::State => SortValue::Text(container.state.as_str().to_string()),
        SortField::Image => SortValue::Text(container.image.to_lowercase()),
    };
    RowKey {
        value,
        environment_id: environment_id.0,
        id: container.id.clone(),
    }
}

/// Sorts `rows` by `key` and cuts the requested page.
pub fn paginate<T>(
    rows: Vec<T>,
    request: &PageRequest,
    key: impl Fn(&T) -> RowKey,
) -> Result<Page<T>, CoreError> {
    if request.limit == 0 || request.limit > MAX_PAGE {
        return Err(CoreError::invalid(
            "limit",
            format!("must be 1 to {MAX_PAGE}"),
        ));
    }
    if request.cursor.is_some() && request.offset.is_some() {
        return Err(CoreError::invalid(
            "cursor",
            "give a cursor or an offset, not both",
        ));
    }
    let total = rows.len();
    let mut keyed: Vec<(RowKey, T)> = rows.into_iter().map(|row| (key(&row), row)).collect();
    let order = |a: &RowKey, b: &RowKey| {
        if request.descending {
            b.cmp(a)
        } else {
            a.cmp(b)
        }
    };
    keyed.sort_unstable_by(|a, b| order(&a.0, &b.0));
    let start = match (&request.cursor, request.offset) {
        (Some(cursor), _) => {
            let after = decode_cursor(cursor, request)?;
            keyed.partition_point(|(row, _)| order(row, &after) != Ordering::Greater)
        }
        (None, Some(offset)) => offset.min(total),
        (None, None) => 0,
    };
    let end = (start + request.limit).min(total);
    let next_cursor = (end < total).then(|| encode_cursor(&keyed[end - 1].0, request));
    let items = keyed.drain(start..end).map(|(_, row)| row).collect();
    Ok(Page {
        items,
        total,
        next_cursor,
    })
}

fn encode_cursor(key: &RowKey, request: &PageRequest) -> String {
    let (kind, value) = match &key.value {
        SortValue::Number(number) => ("n", number.to_string()),
        SortValue::Text(text) => ("t", text.clone()),
    };
    let raw = format!(
        "{}\n{}\n{kind}\n{}\n{}\n{value}",
        request.sort.as_str(),
        u8::from(request.descending),
        key.environment_id,
        key.id
    );
    URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(cursor: &str, request: &PageRequest) -> Result<RowKey, CoreError> {
    let invalid = || {
        CoreError::invalid(
            "cursor",
            "not a cursor from this list; start again without one",
        )
    };
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let raw = String::from_utf8(raw).map_err(|_| invalid())?;
    let mut parts = raw.splitn(6, '\n');
    let (Some(sort), Some(descending), Some(kind), Some(environment_id), Some(id), Some(value)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(invalid());
    };
    if sort != request.sort.as_str() || descending != u8::from(request.descending).to_string() {
        return Err(CoreError::invalid(
            "cursor",
            "the cursor belongs to another sort order",
        ));
    }
    let value = match kind {
        "n" => SortValue::Number(value.parse().map_err(|_| invalid())?),
        "t" => SortValue::Text(value.to_string()),
        _ => return Err(invalid()),
    };
    Ok(RowKey {
        value,
        environment_id: environment_id.parse().map_err(|_| invalid())?,
        id: id.to_string(),
    })
}

/// A mirrored container with the environment it lives in.
pub type ContainerRow = (EnvironmentId, Arc<ContainerSummary>);

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn container(id: &str, name: &str, state: ContainerState, created: i64) -> ContainerSummary {
        ContainerSummary {
            id: id.into(),
            name: name.into(),
            image: "busybox".into(),
            image_id: "sha256:1".into(),
            command: "sh".into(),
            state,
            status: String::new(),
            health: ContainerHealth::None,
            created,
            ports: Vec::new(),
            labels: BTreeMap::from([(
                "com.docker.compose.project".to_string(),
                format!("stack-{}", created % 2),
            )]),
            networks: Vec::new(),
        }
    }

    fn rows(count: usize) -> Vec<ContainerRow> {
        (0..count)
            .map(|i| {
                let state = if i % 3 == 0 {
                    ContainerState::Exited
                } else {
                    ContainerState::Running
                };
                (
                    EnvironmentId(1 + (i % 2) as i64),
                    Arc::new(container(
                        &format!("{i:064x}"),
                        &format!("c{:04}", i / 2),
                        state,
                        i as i64,
                    )),
                )
            })
            .collect()
    }

    fn page(request: &PageRequest, rows: Vec<ContainerRow>) -> Page<ContainerRow> {
        paginate(rows, request, |(environment_id, container)| {
            container_key(*environment_id, container, request.sort)
        })
        .unwrap()
    }

    #[test]
    fn cursor_pages_cover_everything_once_in_order() {
        for (sort, descending) in [
            (SortField::Name, false),
            (SortField::Created, true),
            (SortField::State, false),
        ] {
            let mut request = PageRequest {
                sort,
                descending,
                limit: 7,
                ..PageRequest::default()
            };
            let mut seen = Vec::new();
            loop {
                let result = page(&request, rows(50));
                assert_eq!(result.total, 50);
                seen.extend(result.items.iter().map(|(_, c)| c.id.clone()));
                match result.next_cursor {
                    Some(cursor) => request.cursor = Some(cursor),
                    None => break,
                }
            }
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!((seen.len(), unique.len()), (50, 50), "{sort:?}");
        }
    }

    #[test]
    fn a_cursor_survives_rows_appearing_before_it() {
        let request = PageRequest {
            limit: 10,
            ..PageRequest::default()
        };
        let first = page(&request, rows(30));
        let last_seen = first.items.last().unwrap().1.name.clone();
        let mut more = rows(30);
        more.push((
            EnvironmentId(1),
            Arc::new(container(
                &format!("{:064x}", 999),
                "a-new-first",
                ContainerState::Running,
                5,
            )),
        ));
        let next = page(
            &PageRequest {
                cursor: first.next_cursor,
                ..request.clone()
            },
            more,
        );
        assert!(
            next.items.iter().all(|(_, c)| c.name >= last_seen),
            "no row from before the cursor"
        );
        assert_eq!(next.total, 31);
    }

    #[test]
    fn offsets_and_bad_input() {
        let request = PageRequest {
            limit: 5,
            offset: Some(48),
            ..PageRequest::default()
        };
        let result = page(&request, rows(50));
        assert_eq!((result.items.len(), result.next_cursor), (2, None));
        for bad in [
            PageRequest {
                limit: 0,
                ..PageRequest::default()
            },
            PageRequest {
                limit: MAX_PAGE + 1,
                ..PageRequest::default()
            },
            PageRequest {
                cursor: Some("garbage!".into()),
                ..PageRequest::default()
            },
            PageRequest {
                cursor: Some("x".into()),
                offset: Some(1),
                ..PageRequest::default()
            },
        ] {
            assert!(paginate(rows(3), &bad, |(e, c)| container_key(*e, c, bad.sort)).is_err());
        }
        let by_name = page(
            &PageRequest {
                limit: 5,
                ..PageRequest::default()
            },
            rows(20),
        );
        let other_order = PageRequest {
            sort: SortField::Created,
            cursor: by_name.next_cursor,
            ..PageRequest::default()
        };
        assert!(
            paginate(rows(20), &other_order, |(e, c)| container_key(
                *e,
                c,
                other_order.sort
            ))
            .is_err()
        );
    }

    #[test]
    fn filters() {
        let all = rows(30);
        let count = |filter: ContainerFilter| all.iter().filter(|(_, c)| filter.matches(c)).count();
        assert_eq!(count(ContainerFilter::default()), 30);
        assert_eq!(
            count(ContainerFilter {
                states: vec![ContainerState::Exited],
                ..Default::default()
            }),
            10
        );
        assert_eq!(
            count(ContainerFilter {
                search: Some("C001".into()),
                ..Default::default()
            }),
            10
        );
        assert_eq!(
            count(ContainerFilter {
                stack: Some("stack-1".into()),
                ..Default::default()
            }),
            15
        );
        assert_eq!(
            count(ContainerFilter {
                label: Some(("com.docker.compose.project".into(), Some("stack-0".into()))),
                ..Default::default()
            }),
            15
        );
        assert_eq!(
            count(ContainerFilter {
                label: Some(("missing".into(), None)),
                ..Default::default()
            }),
            0
        );
        assert_eq!(
            count(ContainerFilter {
                image: Some("BUSY".into()),
                ..Default::default()
            }),
            30
        );
    }
}
