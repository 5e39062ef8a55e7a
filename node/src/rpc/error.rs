//! Why a Europa method failed, as JSON-RPC answers it: the request's fault (invalid
//! params, -32602) or the node's (-32000). Each error type of the node says which it is
//! once, here, and the methods pass them on with `?`.

use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};

use crate::{history::HistoryError, insight::InsightError};

/// JSON-RPC's code for invalid request parameters.
const INVALID_PARAMS: i32 = -32602;
/// The code of a runtime or chain that could not answer.
const RUNTIME_ERROR: i32 = -32000;

/// Why a method failed.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The request is wrong in a way its types cannot say: a block that is not there,
    /// an index past the end, metadata that does not read, a limit exceeded.
    #[error("{0}")]
    InvalidParams(String),
    /// The runtime or the chain could not answer.
    #[error("{0}")]
    Runtime(String),
}

/// A request's parameters are wrong in a way their types cannot say.
pub fn invalid_params(message: impl Into<String>) -> RpcError {
    RpcError::InvalidParams(message.into())
}

/// The runtime or the chain failed to answer.
pub fn runtime_error(message: impl std::fmt::Display) -> RpcError {
    RpcError::Runtime(message.to_string())
}

impl From<RpcError> for ErrorObjectOwned {
    fn from(error: RpcError) -> Self {
        match error {
            RpcError::InvalidParams(message) => {
                ErrorObject::owned(INVALID_PARAMS, message, None::<()>)
            }
            RpcError::Runtime(message) => ErrorObject::owned(RUNTIME_ERROR, message, None::<()>),
        }
    }
}

/// The chain failing is the node's error; the rest (the genesis, a block or contract
/// not there) the request's.
impl From<HistoryError> for RpcError {
    fn from(error: HistoryError) -> Self {
        match error {
            HistoryError::Chain(_) => runtime_error(error),
            _ => invalid_params(error.to_string()),
        }
    }
}

/// A file that cannot be kept is the node's error; what does not read, the request's.
impl From<InsightError> for RpcError {
    fn from(error: InsightError) -> Self {
        match error {
            InsightError::Io(_) => runtime_error(error),
            _ => invalid_params(error.to_string()),
        }
    }
}

impl From<sp_api::ApiError> for RpcError {
    fn from(error: sp_api::ApiError) -> Self {
        runtime_error(error)
    }
}

impl From<sp_blockchain::Error> for RpcError {
    fn from(error: sp_blockchain::Error) -> Self {
        runtime_error(error)
    }
}
