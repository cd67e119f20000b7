//! The console WebSocket: a browser terminal (xterm.js) bridged to an exec or attach session. Binary frames
//! carry terminal bytes both ways; text frames carry JSON control messages such as
//! `{"type": "resize", "cols": 120, "rows": 40}`.

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use berth_core::{Console, ConsoleMode};
use berth_model::EnvironmentId;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AppPath, AppQuery, Authenticated};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(console))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsoleParams {
    /// `exec` (default: a new process) or `attach` (the main process).
    pub mode: Option<String>,
    /// exec: the command, words separated by spaces (default `sh`).
    pub command: Option<String>,
    /// exec: the user to run as.
    pub user: Option<String>,
    /// Initial terminal size (default 80 × 24).
    pub cols: Option<u16>,
    pub rows: Option<u16>,
}

/// Opens a terminal on a running container over a WebSocket.
#[utoipa::path(get, path = "/api/environments/{id}/containers/{container}/console", tag = "live",
    params(("id" = i64, Path), ("container" = String, Path), ConsoleParams),
    responses((status = 101, description = "WebSocket"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn console(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath((id, container)): AppPath<(i64, String)>,
    AppQuery(params): AppQuery<ConsoleParams>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let mode = match params.mode.as_deref() {
        None | Some("exec") => ConsoleMode::Exec {
            command: params
                .command
                .as_deref()
                .unwrap_or("sh")
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            user: params.user.filter(|user| !user.is_empty()),
        },
        Some("attach") => ConsoleMode::Attach,
        Some(_) => {
            return Err(berth_core::CoreError::invalid("mode", "must be exec or attach").into());
        }
    };
    let size = (params.cols.unwrap_or(80), params.rows.unwrap_or(24));
    // Everything that can fail is checked before switching protocols, so errors are ordinary HTTP answers.
    let console = state
        .core
        .containers
        .console(&principal, EnvironmentId(id), &container, mode, size)
        .await?;
    Ok(upgrade.on_upgrade(move |socket| bridge(socket, console)))
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Control {
    Resize { cols: u16, rows: u16 },
}

async fn bridge(socket: WebSocket, console: Console) {
    let Console {
        mut output,
        mut input,
        resizer,
    } = console;
    let (mut to_browser, mut from_browser) = socket.split();
    let outbound = async {
        while let Some(Ok(bytes)) = output.next().await {
            if to_browser.send(Message::Binary(bytes)).await.is_err() {
                return;
            }
        }
        // The process ended: say so, so the browser can show it.
        let _ = to_browser.send(Message::Close(None)).await;
    };
    let inbound = async {
        while let Some(Ok(message)) = from_browser.next().await {
            match message {
                Message::Binary(bytes) => {
                    if input.write_all(&bytes).await.is_err() {
                        return;
                    }
                    let _ = input.flush().await;
                }
                Message::Text(text) => match serde_json::from_str::<Control>(&text) {
                    Ok(Control::Resize { cols, rows }) => {
                        if let Err(error) = resizer.resize(cols, rows).await {
                            tracing::debug!(%error, "resize refused");
                        }
                    }
                    Err(error) => tracing::debug!(%error, "unknown console control message"),
                },
                Message::Close(_) => return,
                Message::Ping(_) | Message::Pong(_) => {}
            }
        }
    };
    tokio::select! {
        _ = outbound => {}
        _ = inbound => {}
    }
}
