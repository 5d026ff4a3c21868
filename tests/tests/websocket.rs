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

/// Opens a graphql-transport-ws connection with these extra headers and acknowledges it.
async fn connect(
    app: &TestApp,
    headers: &[(&str, String)],
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut request = app.ws_url().into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    for (name, value) in headers {
        request.headers_mut().insert(
            tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws.send(Message::text(
        json!({ "type": "connection_init" }).to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "connection_ack");
    ws
}

/// Runs one query over the socket and returns its `next` payload.
async fn ws_query<S>(ws: &mut S, id: &str, query: &str) -> Value
where
    S: futures_util::Sink<Message>
        + futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
        + Unpin,
    <S as futures_util::Sink<Message>>::Error: std::fmt::Debug,
{
    let msg = json!({ "id": id, "type": "subscribe", "payload": { "query": query } });
    ws.send(Message::text(msg.to_string())).await.unwrap();
    loop {
        let msg = next_json(ws).await;
        if msg["id"] == id && msg["type"] != "complete" {
            return msg;
        }
    }
}

#[tokio::test]
async fn a_socket_stops_acting_for_a_session_once_it_ends() {
    for setup in setups() {
        let app = TestApp::spawn_with(&setup, |s| s.dev_login = true).await;
        let token = app.dev_token("ada", "").await;
        let mut ws = connect(&app, &[("authorization", format!("Bearer {token}"))]).await;
        let msg = ws_query(&mut ws, "1", "{ viewer { displayName } }").await;
        assert_eq!(
            msg["payload"]["data"]["viewer"]["displayName"], "ada",
            "{msg}"
        );

        let res = app
            .client
            .post(app.url("/auth/logout"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        let msg = ws_query(&mut ws, "2", "{ viewer { displayName } }").await;
        let text = msg.to_string();
        assert!(text.contains("UNAUTHENTICATED"), "{msg}");
        assert!(!text.contains("\"ada\""), "{msg}");
        ws.close(None).await.ok();
    }
}

#[tokio::test]
async fn a_socket_from_another_site_does_not_get_the_cookie_session() {
    for setup in setups() {
        let app = TestApp::spawn_with(&setup, |s| s.dev_login = true).await;
        let token = app.dev_token("ada", "").await;
        let cookie = format!("__Host-hireql_session={token}");
        let mut evil = connect(
            &app,
            &[
                ("cookie", cookie.clone()),
                ("origin", "https://evil.example".into()),
            ],
        )
        .await;
        let msg = ws_query(&mut evil, "1", "{ viewer { displayName } }").await;
        assert_eq!(msg["payload"]["data"]["viewer"], Value::Null, "{msg}");
        evil.close(None).await.ok();

        let own = app.base_url.clone();
        let mut mine = connect(&app, &[("cookie", cookie), ("origin", own)]).await;
        let msg = ws_query(&mut mine, "1", "{ viewer { displayName } }").await;
        assert_eq!(
            msg["payload"]["data"]["viewer"]["displayName"], "ada",
            "{msg}"
        );
        mine.close(None).await.ok();
    }
}
