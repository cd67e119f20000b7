//! One browser tab's view of the change feed: the environments it asked for, filtered to what its user may
//! see, and a `Resync` instead of unbounded buffering when it falls behind.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use berth_model::{Change, EnvironmentId};
use berth_store::Store;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::access::Principal;

/// What a subscriber receives next.
#[derive(Debug, Clone)]
pub enum FeedItem {
    Change(Arc<Change>),
    /// The subscriber fell behind and missed changes: reload lists, then carry on.
    Resync,
    /// The server is shutting down.
    Closed,
}

/// How often a standard user's grants are re-read, so a revoked grant stops the flow within seconds.
const GRANTS_REFRESH: Duration = Duration::from_secs(5);

pub struct FeedSubscription {
    receiver: broadcast::Receiver<Arc<Change>>,
    principal: Principal,
    store: Store,
    /// Only this environment, when the subscriber asked for one.
    environment: Option<EnvironmentId>,
    /// For standard users: the granted environments, as last read.
    granted: Option<(HashSet<EnvironmentId>, Instant)>,
}

impl FeedSubscription {
    pub(crate) async fn new(
        receiver: broadcast::Receiver<Arc<Change>>,
        principal: Principal,
        store: Store,
        environment: Option<EnvironmentId>,
    ) -> Result<Self, crate::CoreError> {
        let mut subscription = FeedSubscription {
            receiver,
            principal,
            store,
            environment,
            granted: None,
        };
        subscription.refresh_grants().await?;
        Ok(subscription)
    }

    async fn refresh_grants(&mut self) -> Result<(), crate::CoreError> {
        if !self.principal.is_admin() {
            let ids = self.store.grants_of_user(self.principal.user.id).await?;
            self.granted = Some((ids.into_iter().collect(), Instant::now()));
        }
        Ok(())
    }

    /// The next change this subscriber may see.
    pub async fn next(&mut self) -> FeedItem {
        loop {
            let change = match self.receiver.recv().await {
                Ok(change) => change,
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, user = %self.principal.user.username, "feed consumer fell behind");
                    return FeedItem::Resync;
                }
                Err(RecvError::Closed) => return FeedItem::Closed,
            };
            if self
                .environment
                .is_some_and(|id| id != change.environment_id)
            {
                continue;
            }
            if self
                .granted
                .as_ref()
                .is_some_and(|(_, read_at)| read_at.elapsed() > GRANTS_REFRESH)
                && self.refresh_grants().await.is_err()
            {
                continue;
            }
            if let Some((granted, _)) = &self.granted
                && !granted.contains(&change.environment_id)
            {
                continue;
            }
            return FeedItem::Change(change);
        }
    }
}

#[cfg(test)]
mod tests {
    use berth_model::{ChangeKind, Role, User, UserId};

    use super::*;
    use crate::access::CredentialKind;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("b.db").display());
        (dir, Store::open(&url).await.unwrap())
    }

    fn admin() -> Principal {
        Principal {
            user: User {
                id: UserId(1),
                username: "admin".into(),
                role: Role::Admin,
                disabled: false,
                created_at: 0,
                updated_at: 0,
            },
            credential: CredentialKind::ApiKey,
        }
    }

    fn change(environment: i64) -> Arc<Change> {
        Arc::new(Change {
            environment_id: EnvironmentId(environment),
            kind: ChangeKind::ImagesChanged,
            engine_time_nanos: None,
        })
    }

    #[tokio::test]
    async fn a_consumer_that_falls_behind_is_told_to_resync_and_memory_stays_bounded() {
        let (_dir, store) = store().await;
        let (sender, receiver) = broadcast::channel(8);
        let mut subscription = FeedSubscription::new(receiver, admin(), store, None)
            .await
            .unwrap();
        for _ in 0..100 {
            sender.send(change(1)).unwrap();
        }
        // The channel holds at most its capacity, whatever the consumer does.
        assert_eq!(sender.len(), 8);
        assert!(matches!(subscription.next().await, FeedItem::Resync));
        // After the resync it carries on with what is still buffered, then new changes.
        for _ in 0..8 {
            assert!(matches!(subscription.next().await, FeedItem::Change(_)));
        }
        sender.send(change(2)).unwrap();
        assert!(
            matches!(subscription.next().await, FeedItem::Change(c) if c.environment_id == EnvironmentId(2))
        );
    }

    #[tokio::test]
    async fn a_subscription_to_one_environment_sees_only_it() {
        let (_dir, store) = store().await;
        let (sender, receiver) = broadcast::channel(8);
        let mut subscription =
            FeedSubscription::new(receiver, admin(), store, Some(EnvironmentId(2)))
                .await
                .unwrap();
        sender.send(change(1)).unwrap();
        sender.send(change(2)).unwrap();
        assert!(
            matches!(subscription.next().await, FeedItem::Change(c) if c.environment_id == EnvironmentId(2))
        );
        drop(sender);
        assert!(matches!(subscription.next().await, FeedItem::Closed));
    }
}
