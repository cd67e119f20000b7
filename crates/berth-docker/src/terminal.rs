//! Interactive terminals on an engine: a new process in a running container (exec) or the container's main
//! process (attach), as a byte stream out, a writer in, and a way to resize the TTY.

use std::pin::Pin;

use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, ResizeContainerTTYOptionsBuilder, ResizeExecOptionsBuilder,
};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::io::AsyncWrite;

use crate::{DockerError, EngineClient, ItemStream};

/// What a terminal is connected to, for resizing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerminalTarget {
    Exec { id: String },
    Attach { container_id: String },
}

/// A live terminal.
pub struct TerminalSession {
    /// What the process writes (stdout and stderr; one stream with a TTY).
    pub output: ItemStream<Bytes>,
    /// What the user types.
    pub input: Pin<Box<dyn AsyncWrite + Send>>,
    pub target: TerminalTarget,
}

/// How to start an exec session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRequest {
    pub command: Vec<String>,
    pub user: Option<String>,
    pub tty: bool,
    /// Initial size, so the first prompt is laid out right.
    pub size: Option<(u16, u16)>,
}

impl EngineClient {
    /// Starts `request.command` in a running container, attached both ways.
    pub async fn exec_session(
        &self,
        container: &str,
        request: &ExecRequest,
    ) -> Result<TerminalSession, DockerError> {
        let config = ExecConfig {
            attach_stdin: Some(true),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(request.tty),
            cmd: Some(request.command.clone()),
            user: request.user.clone(),
            console_size: request
                .size
                .map(|(cols, rows)| vec![usize::from(rows), usize::from(cols)]),
            ..ExecConfig::default()
        };
        let created = self.docker.create_exec(container, config).await?;
        let options = StartExecOptions {
            detach: false,
            tty: request.tty,
            output_capacity: None,
        };
        match self.docker.start_exec(&created.id, Some(options)).await? {
            StartExecResults::Attached { output, input } => Ok(TerminalSession {
                output: bytes_of(output),
                input,
                target: TerminalTarget::Exec { id: created.id },
            }),
            StartExecResults::Detached => Err(DockerError::InvalidRequest(
                "the exec started detached".into(),
            )),
        }
    }

    /// Attaches to a running container's main process.
    pub async fn attach_session(&self, container_id: &str) -> Result<TerminalSession, DockerError> {
        let options = AttachContainerOptionsBuilder::default()
            .stream(true)
            .stdin(true)
            .stdout(true)
            .stderr(true)
            .logs(false)
            .build();
        let attached = self
            .docker
            .attach_container(container_id, Some(options))
            .await?;
        Ok(TerminalSession {
            output: bytes_of(attached.output),
            input: attached.input,
            target: TerminalTarget::Attach {
                container_id: container_id.to_string(),
            },
        })
    }

    pub async fn resize_terminal(
        &self,
        target: &TerminalTarget,
        cols: u16,
        rows: u16,
    ) -> Result<(), DockerError> {
        match target {
            TerminalTarget::Exec { id } => {
                let options = ResizeExecOptionsBuilder::default()
                    .w(i32::from(cols))
                    .h(i32::from(rows))
                    .build();
                self.docker.resize_exec(id, options).await?;
            }
            TerminalTarget::Attach { container_id } => {
                let options = ResizeContainerTTYOptionsBuilder::default()
                    .w(i32::from(cols))
                    .h(i32::from(rows))
                    .build();
                self.docker
                    .resize_container_tty(container_id, options)
                    .await?;
            }
        }
        Ok(())
    }
}

fn bytes_of(
    output: Pin<
        Box<
            dyn futures_util::Stream<
                    Item = Result<bollard::container::LogOutput, bollard::errors::Error>,
                > + Send,
        >,
    >,
) -> ItemStream<Bytes> {
    Box::pin(output.map(|chunk| Ok(chunk?.into_bytes())))
}
