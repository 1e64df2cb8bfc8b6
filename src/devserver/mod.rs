//! The embedded Temporal server: `temporal server start-dev` from the Temporal CLI, started
//! on loopback for one machine's use (development, tests, the quickstart).

mod error;
mod locate;
mod process;
mod ready;

pub use error::DevServerError;
pub use locate::{EXECUTABLE_ENV, INSTALL_HINT, locate};
pub use process::{DevServer, DevServerOptions, free_port};
