//! Values crossing the sandbox boundary, and the error a host function returns.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// The type of a WASM value that can cross the sandbox boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// A 32-bit integer.
    I32,
    /// A 64-bit integer.
    I64,
    /// A 32-bit float.
    F32,
    /// A 64-bit float.
    F64,
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueType::I32 => "i32",
            ValueType::I64 => "i64",
            ValueType::F32 => "f32",
            ValueType::F64 => "f64",
        })
    }
}

/// A typed WASM value. Floats are kept as their bit patterns so that values compare
/// exactly (NaN payloads included) and the type works without floating point support.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as its bits (`f32::to_bits`).
    F32(u32),
    /// An `f64`, as its bits (`f64::to_bits`).
    F64(u64),
}

impl Value {
    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::I32(_) => ValueType::I32,
            Value::I64(_) => ValueType::I64,
            Value::F32(_) => ValueType::F32,
            Value::F64(_) => ValueType::F64,
        }
    }

    /// The value, if it is an `i32`.
    pub fn as_i32(&self) -> Option<i32> {
        match self {
            Value::I32(v) => Some(*v),
            _ => None,
        }
    }

    /// The value, if it is an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::I64(v) => Some(*v),
            _ => None,
        }
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::I32(v)
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::I32(v as i32)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::I64(v)
    }
}

impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::I64(v as i64)
    }
}

/// What a host function hands back to WASM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnValue {
    /// No value, for a function without results.
    Unit,
    /// The function's one result.
    Value(Value),
}

impl From<Value> for ReturnValue {
    fn from(v: Value) -> Self {
        ReturnValue::Value(v)
    }
}

/// A host function's signature; an import must declare exactly this type to link.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    /// Parameter types, in order.
    pub params: Vec<ValueType>,
    /// Result types, in order.
    pub results: Vec<ValueType>,
}

impl Signature {
    /// A signature taking `params` and returning `results`.
    pub fn new(params: &[ValueType], results: &[ValueType]) -> Self {
        Signature {
            params: params.to_vec(),
            results: results.to_vec(),
        }
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_types(f, &self.params)?;
        f.write_str(" -> ")?;
        write_types(f, &self.results)
    }
}

fn write_types(f: &mut fmt::Formatter<'_>, types: &[ValueType]) -> fmt::Result {
    f.write_str("(")?;
    for (i, ty) in types.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{ty}")?;
    }
    f.write_str(")")
}

/// Returned by a host function to stop execution. Execution unwinds out of WASM and
/// [`Instance::invoke`](crate::Instance::invoke) returns [`Error::Host`](crate::Error::Host)
/// carrying this value; the host keeps any richer reason in its own state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError {
    /// What went wrong, for the error message.
    pub reason: String,
}

impl HostError {
    /// An error for `reason`.
    pub fn new(reason: impl Into<String>) -> Self {
        HostError {
            reason: reason.into(),
        }
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host function failed: {}", self.reason)
    }
}

impl core::error::Error for HostError {}
