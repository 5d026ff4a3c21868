//! Subscriptions over WebSocket with the graphql-transport-ws protocol.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails loudly

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tests::{TestApp, setups};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn next_json<S>(ws: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("stream open")
            .expect("no error");
        if let Message::Text(text) = msg {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

#[tokio::test]
async fn ticks_arrive_in_order_and_complete() {
    for setup in setups() {
        let app = TestApp::spawn(&setup).await;
        let mut request = app.ws_url().into_client_request().unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (mut ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            "graphql-transport-ws"
        );

        ws.send(Message::text(
            json!({ "type": "connection_init" }).to_string(),
        ))
        .await
        .unwrap();
        assert_eq!(next_json(&mut ws).await["type"], "connection_ack");

        ws.send(Message::text(json!({ "type": "ping" }).to_string()))
            .await
            .unwrap();
        assert_eq!(next_json(&mut ws).await["type"], "pong");

        let subscribe = json!({
            "id": "1",
            "type": "subscribe",
            "payload": { "query": "subscription { ticks(count: 3, intervalMs: 20) { sequence at } }" }
        });
        ws.send(Message::text(subscribe.to_string())).await.unwrap();
        for expected in 1..=3 {
            let msg = next_json(&mut ws).await;
            assert_eq!(msg["type"], "next", "{msg}");
            assert_eq!(msg["id"], "1");
            assert_eq!(msg["payload"]["data"]["ticks"]["sequence"], expected);
        }
        let done = next_json(&mut ws).await;
        assert_eq!(
            (done["type"].as_str(), done["id"].as_str()),
            (Some("complete"), Some("1"))
        );

        // Bad input on the socket is an error message for that operation, not a crash.
        let bad = json!({ "id": "2", "type": "subscribe", "payload": { "query": "subscription { ticks(count: 0) { sequence } }" } });
        ws.send(Message::text(bad.to_string())).await.unwrap();
        let msg = next_json(&mut ws).await;
        assert!(
            matches!(msg["type"].as_str(), Some("error") | Some("next")),
            "{msg}"
        );
        ws.close(None).await.ok();
    }
}
