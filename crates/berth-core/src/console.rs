//! Consoles: an interactive terminal into a running container (a new process, or the main one), after the
//! one access check, with the engine's refusals in Berth's terms.

use std::pin::Pin;

use berth_docker::{EngineClient, ExecRequest, ItemStream, TerminalTarget};
use berth_model::EnvironmentId;
use bytes::Bytes;
use tokio::io::AsyncWrite;

use crate::access::{Action, Principal};
use crate::{Containers, CoreError};

/// Which process the console talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleMode {
    /// A new process, e.g. a shell.
    Exec {
        command: Vec<String>,
        user: Option<String>,
    },
    /// The container's main process.
    Attach,
}

/// An open console.
pub struct Console {
    pub output: ItemStream<Bytes>,
    pub input: Pin<Box<dyn AsyncWrite + Send>>,
    pub resizer: Resizer,
}

/// Resizes an open console's terminal.
pub struct Resizer {
    client: EngineClient,
    target: TerminalTarget,
}

impl Resizer {
    /// Tells the process its terminal's new size.
    pub async fn resize(&self, cols: u16, rows: u16) -> Result<(), CoreError> {
        if cols == 0 || rows == 0 || cols > 1000 || rows > 1000 {
            return Err(CoreError::invalid(
                "size",
                "columns and rows must be 1 to 1000",
            ));
        }
        Ok(self
            .client
            .resize_terminal(&self.target, cols, rows)
            .await?)
    }
}

impl Containers {
    /// Opens a console on a running container, with a TTY of `size` (columns, rows).
    pub async fn console(
        &self,
        principal: &Principal,
        environment_id: EnvironmentId,
        container: &str,
        mode: ConsoleMode,
        size: (u16, u16),
    ) -> Result<Console, CoreError> {
        self.authorize(principal, Action::OperateContainers(environment_id))
            .await?;
        if let ConsoleMode::Exec { command, user } = &mode {
            if command.is_empty()
                || command.len() > 64
                || command
                    .iter()
                    .any(|part| part.is_empty() || part.contains('\0'))
            {
                return Err(CoreError::invalid(
                    "command",
                    "give a command of 1 to 64 non-empty words",
                ));
            }
            let user_ok = user.as_deref().is_none_or(|user| {
                !user.is_empty()
                    && user.len() <= 64
                    && user
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
            });
            if !user_ok {
                return Err(CoreError::invalid(
                    "user",
                    "a user name or uid, optionally :group",
                ));
            }
        }
        let client = self.client(environment_id)?;
        let found = client
            .find_container(container)
            .await?
            .ok_or(CoreError::NotFound("container"))?;
        if found.state != berth_model::ContainerState::Running {
            return Err(CoreError::Conflict(format!(
                "container {} is {}, not running",
                found.name,
                found.state.as_str()
            )));
        }
        let session = match &mode {
            ConsoleMode::Exec { command, user } => {
                let request = ExecRequest {
                    command: command.clone(),
                    user: user.clone(),
                    tty: true,
                    size: Some(size),
                };
                client.exec_session(&found.id, &request).await?
            }
            ConsoleMode::Attach => client.attach_session(&found.id).await?,
        };
        tracing::info!(user = %principal.user.username, environment = %environment_id, container = %found.id, ?mode, "console opened");
        let console = Console {
            output: session.output,
            input: session.input,
            resizer: Resizer {
                client,
                target: session.target,
            },
        };
        // Attaching says nothing of the size, and engines before API 1.42 ignore an exec's console size,
        // so the terminal is sized once it exists (as the docker CLI does).
        console.resizer.resize(size.0, size.1).await?;
        Ok(console)
    }
}
