//! Lends the caller's `&mut T` host state to host functions for the duration of one
//! call into WASM. The only `unsafe` code of the crate lives here.
//!
//! Executors keep their store data `'static`, and a host function registered with them
//! must be `'static` too, while the host state is an ordinary borrow (in the contracts
//! pallet it borrows the execution stack). So the store holds a type-erased pointer to
//! a [`Scope`] on the stack of [`Instance::invoke`](crate::Instance::invoke), and every
//! host function is registered as a `'static` [`Trampoline`] plus its index; the
//! trampoline is [`dispatch::<T>`], which turns the pointer back into the `Scope<T>`.
//!
//! # Safety argument
//!
//! `dispatch::<T>` dereferences the pointer as `&mut Scope<'_, T>`. That is sound because:
//! 1. *Right type*: a store belongs to exactly one `Instance<T>`; its scope pointer is
//!    only ever set from a `&mut Scope<'_, T>` of that same `T` (by `Instance::new` and
//!    `Instance::invoke`), and its host functions were registered with `dispatch::<T>`
//!    for the same `T`.
//! 2. *Alive*: the executor sets the pointer right before it enters WASM and clears it
//!    when WASM returns, and host functions only run while WASM runs, i.e. while the
//!    `Scope` (a local of the caller) and the borrows it holds are alive. If a host
//!    function panics the pointer may stay set, but it is never read again: every
//!    later entry into WASM overwrites it first.
//! 3. *Unique*: the caller gave up its `&mut T` for the whole call, and nothing else
//!    reads the scope while WASM runs. A host function cannot re-enter its own instance
//!    (that needs the `&mut Instance` its caller holds), so at most one `&mut Scope`
//!    derived from one store's pointer exists at a time. A host function may run
//!    *another* instance (nested contract calls do), lending it a reborrow of its own
//!    state: that instance's store gets its own scope pointer, derived from the
//!    reborrow, and the outer scope is not touched until the inner call returns.

use core::ptr::NonNull;

use crate::{
    env::HostFuncType,
    host::{CallerAccess, FunctionContext},
    value::{HostError, ReturnValue, Value},
};

/// What host functions may use during one call into WASM.
pub(crate) struct Scope<'a, T> {
    pub state: &'a mut T,
    pub funcs: &'a [HostFuncType<T>],
}

/// A type-erased `&mut Scope<'_, T>`, stored in the executor's store during a call.
#[derive(Clone, Copy)]
pub(crate) struct ScopePtr(NonNull<()>);

// SAFETY: the pointer is only dereferenced on the thread that runs the WASM call which
// lent it (point 2 above); moving the store between calls moves no live borrow.
unsafe impl Send for ScopePtr {}
unsafe impl Sync for ScopePtr {}

impl<'a, T> Scope<'a, T> {
    pub(crate) fn ptr(&mut self) -> ScopePtr {
        ScopePtr(NonNull::from(self).cast())
    }
}

/// Calls host function number `index` of the scope behind a pointer.
pub(crate) type Trampoline =
    fn(ScopePtr, usize, &mut dyn CallerAccess, &[Value]) -> Result<ReturnValue, HostError>;

/// The trampoline for host state of type `T`.
pub(crate) fn trampoline<T>() -> Trampoline {
    dispatch::<T>
}

fn dispatch<T>(
    scope: ScopePtr,
    index: usize,
    caller: &mut dyn CallerAccess,
    args: &[Value],
) -> Result<ReturnValue, HostError> {
    // SAFETY: see the module documentation: the pointer was made from a live, unique
    // `&mut Scope<'_, T>` of this very `T`.
    let scope = unsafe { scope.0.cast::<Scope<'_, T>>().as_mut() };
    let func = scope
        .funcs
        .get(index)
        .ok_or_else(|| HostError::new(alloc::format!("no host function number {index}")))?;
    func(&mut FunctionContext::new(scope.state, caller), args)
}
