//! Europa's JSON-RPC API, typed: the requests and answers of every `europa_*` method
//! (docs/rpc.md), the jsonrpsee server traits the node implements (always)
//! and the client traits any jsonrpsee client implements (`client` feature), and the
//! API's OpenRPC document with JSON Schemas of every type ([`openrpc::document`],
//! published as docs/openrpc.json).
//!
//! ```no_run
//! # #[cfg(feature = "client")]
//! # async fn example(client: &(impl jsonrpsee::core::client::ClientT + Sync)) -> Result<(), Box<dyn std::error::Error>> {
//! use europa_rpc_api::{trace::{CallRequest, TraceApiClient}, params::Account};
//! let request = CallRequest {
//!     origin: "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".parse::<Account>()?,
//!     dest: "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty".parse::<Account>()?,
//!     ..CallRequest::default()
//! };
//! let report = client.trace_call(request, None).await?;
//! println!("{:?}: {}", report.result, report.trace);
//! # Ok(())
//! # }
//! ```

pub mod chain;
pub mod coverage;
pub mod debug;
#[cfg(test)]
mod docs_examples;
pub mod explore;
pub mod insight;
pub mod line_record;
pub mod openrpc;
pub mod params;
pub mod trace;

/// The trace format (docs/trace-format.md), as the trace methods answer it.
pub use europa_trace as trace_format;
