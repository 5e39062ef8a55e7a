//! How a host function is declared: once, with [`host_functions!`], from which its
//! registration, wasm signature, typed argument decoding, trace name, read-only check
//! and inventory entry all follow.

use alloc::{format, string::String, vec::Vec};
use europa_sandbox::{HostError, Signature, Value, ValueType};
use pallet_contracts_uapi::ReturnErrorCode;

use super::{Ctx, HostResult};
use crate::Config;

/// A Rust type a host function takes from the contract, and the wasm type it arrives as.
pub(crate) trait Param: Sized {
    const TYPE: ValueType;
    fn from_value(value: &Value) -> Option<Self>;
}

impl Param for u32 {
    const TYPE: ValueType = ValueType::I32;
    fn from_value(value: &Value) -> Option<Self> {
        value.as_i32().map(|value| value as u32)
    }
}

impl Param for u64 {
    const TYPE: ValueType = ValueType::I64;
    fn from_value(value: &Value) -> Option<Self> {
        value.as_i64().map(|value| value as u64)
    }
}

/// What a host function hands back to the contract.
pub(crate) enum Returned {
    Unit,
    Code(ReturnErrorCode),
    U32(u32),
    U64(u64),
}

/// A Rust type a host function returns, and the wasm results it becomes.
pub(crate) trait Output {
    const RESULTS: &'static [ValueType];
    fn into_returned(self) -> Returned;
}

impl Output for () {
    const RESULTS: &'static [ValueType] = &[];
    fn into_returned(self) -> Returned {
        Returned::Unit
    }
}

impl Output for ReturnErrorCode {
    const RESULTS: &'static [ValueType] = &[ValueType::I32];
    fn into_returned(self) -> Returned {
        Returned::Code(self)
    }
}

impl Output for u32 {
    const RESULTS: &'static [ValueType] = &[ValueType::I32];
    fn into_returned(self) -> Returned {
        Returned::U32(self)
    }
}

impl Output for u64 {
    const RESULTS: &'static [ValueType] = &[ValueType::I64];
    fn into_returned(self) -> Returned {
        Returned::U64(self)
    }
}

/// Takes the next argument of `function` as a `P`. The sandbox checked the arguments
/// against the declared signature, so a mismatch is a bug in the declaration: it traps
/// with that said rather than reading a default.
pub(crate) fn param<'a, P: Param>(
    function: &str,
    values: &mut impl Iterator<Item = &'a Value>,
) -> Result<P, HostError> {
    values.next().and_then(P::from_value).ok_or_else(|| {
        HostError::new(format!(
            "{function}: arguments do not match its declaration"
        ))
    })
}

/// Which contracts may import a function, as upstream decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stability {
    Stable,
    /// Only offered when the runtime enables the unstable interface.
    Unstable,
    /// Linked for code already stored; new code may not import it.
    Deprecated,
}

/// The properties of a host function besides its signature, set by the flags of its
/// declaration (`#[host(seal0, prefixed, mutating)]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flags {
    pub stability: Stability,
    /// Also linked under its old `seal_`-prefixed name.
    pub prefixed: bool,
    /// Changes state, so a read-only call that imports it fails with `StateChangeDenied`.
    pub mutating: bool,
}

#[allow(clippy::wrong_self_convention)]
impl Flags {
    pub(crate) const NONE: Flags = Flags {
        stability: Stability::Stable,
        prefixed: false,
        mutating: false,
    };
    pub(crate) const fn prefixed(self) -> Self {
        Flags {
            prefixed: true,
            ..self
        }
    }
    pub(crate) const fn mutating(self) -> Self {
        Flags {
            mutating: true,
            ..self
        }
    }
    pub(crate) const fn unstable(self) -> Self {
        Flags {
            stability: Stability::Unstable,
            ..self
        }
    }
    pub(crate) const fn deprecated(self) -> Self {
        Flags {
            stability: Stability::Deprecated,
            ..self
        }
    }
}

/// The sandbox's view of a host function.
pub(crate) type HostFn<T> = fn(&mut Ctx<'_, T>, &[Value]) -> HostResult;

/// One host function as declared.
pub(crate) struct Declaration<T: Config> {
    pub module: &'static str,
    pub name: &'static str,
    pub flags: Flags,
    pub params: Vec<ValueType>,
    pub results: &'static [ValueType],
    /// The declaration's doc comment.
    pub docs: &'static str,
    pub func: HostFn<T>,
}

impl<T: Config> Declaration<T> {
    pub(crate) fn signature(&self) -> Signature {
        Signature::new(&self.params, self.results)
    }

    /// The names it is linked under.
    pub(crate) fn link_names(&self) -> impl Iterator<Item = String> + '_ {
        let prefixed = self.flags.prefixed.then(|| format!("seal_{}", self.name));
        prefixed
            .into_iter()
            .chain(core::iter::once(self.name.into()))
    }
}

/// Declares host functions, each once:
///
/// ```ignore
/// host_functions! {
///     /// What it does, for the inventory.
///     #[host(seal1, prefixed, mutating)]
///     fn set_storage(h, key_ptr: u32, value_ptr: u32, value_len: u32) -> u32 { .. }
/// }
/// ```
///
/// The attribute names the module (which carries the version), then any of the
/// [`Flags`]; parameters are `u32` or `u64`, the result `()` (when omitted),
/// `ReturnErrorCode`, `u32` or `u64`; the body runs inside [`super::host_fn`] with `h`
/// the [`super::Host`] and returns `Result<result, Stop>`. It expands to
/// `declarations::<T>()`, the list of them.
macro_rules! host_functions {
    ($(
        $(#[doc = $doc:literal])*
        #[host($module:ident $(, $flag:ident)* $(,)?)]
        fn $name:ident($h:ident $(, $arg:ident: $ty:ty)* $(,)?) $(-> $ret:ty)? $body:block
    )*) => {
        pub(crate) fn declarations<T: $crate::Config>(
        ) -> alloc::vec::Vec<$crate::host::declare::Declaration<T>> {
            use $crate::{exec::Stop, host::declare::{param, Declaration, Flags, Output, Param}};
            alloc::vec![$({
                const FLAGS: Flags = Flags::NONE $(.$flag())*;
                const TRACE_NAME: &str = concat!(stringify!($module), ".", stringify!($name));
                Declaration::<T> {
                    module: stringify!($module),
                    name: stringify!($name),
                    flags: FLAGS,
                    params: alloc::vec![$(<$ty as Param>::TYPE),*],
                    results: <host_functions!(@result $($ret)?) as Output>::RESULTS,
                    docs: concat!($($doc, "\n"),*),
                    func: |ctx, args| {
                        #[allow(unused_mut, unused_variables)] // functions without parameters
                        let mut values = args.iter();
                        $(let $arg: $ty = param(TRACE_NAME, &mut values)?;)*
                        $crate::host::host_fn(
                            ctx,
                            TRACE_NAME,
                            FLAGS,
                            move |$h| -> Result<host_functions!(@result $($ret)?), Stop> {
                                $body
                            },
                        )
                    },
                }
            }),*]
        }
    };
    (@result) => { () };
    (@result $ret:ty) => { $ret };
}

pub(crate) use host_functions;
