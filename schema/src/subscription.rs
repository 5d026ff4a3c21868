//! Subscriptions over `/graphql/ws` (graphql-transport-ws).

use std::time::Duration;

use async_graphql::{SimpleObject, Subscription as GqlSubscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;

/// One beat of the `ticks` subscription.
#[derive(SimpleObject, Clone)]
pub struct Tick {
    /// 1 for the first tick, then counting up.
    pub sequence: i32,
    /// When the tick was sent.
    pub at: DateTime<Utc>,
}

pub struct Subscription;

/// Live updates over the WebSocket endpoint `/graphql/ws` (graphql-transport-ws protocol).
#[GqlSubscription]
impl Subscription {
    /// Sends `count` ticks, `intervalMs` apart, then completes: a liveness check for
    /// WebSocket clients.
    async fn ticks(
        &self,
        #[graphql(
            default = 5,
            validator(minimum = 1, maximum = 100),
            desc = "How many ticks (1 to 100)."
        )]
        count: i32,
        #[graphql(
            default = 1000,
            validator(minimum = 10, maximum = 60000),
            desc = "Milliseconds between ticks (10 to 60000)."
        )]
        interval_ms: i32,
    ) -> impl Stream<Item = Tick> {
        let interval = Duration::from_millis(u64::try_from(interval_ms).unwrap_or(1000));
        futures_util::stream::unfold(0, move |sequence| async move {
            if sequence >= count {
                return None;
            }
            tokio::time::sleep(interval).await;
            let tick = Tick {
                sequence: sequence + 1,
                at: Utc::now(),
            };
            Some((tick, sequence + 1))
        })
    }
}
