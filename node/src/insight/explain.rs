//! One line in plain words for every failure: a trap (the panic message and the
//! contract's own source line), running out of gas, a revert (the error and its
//! documentation), a pallet error (its documentation from the runtime's metadata).

use contract_transcode::Value;
use pallet_europa_contracts::trace::{
    BacktraceFrame, Explanation, FrameTrace, Outcome, SourceLine,
};

use super::{
    metadata::{self, AbiReader},
    runtime_metadata::error_docs,
};

/// Crates a backtrace frame is library code of, not the contract's own.
const LIBRARY_CRATES: &[&str] = &[
    "core",
    "alloc",
    "std",
    "ink",
    "ink_env",
    "ink_storage",
    "ink_primitives",
    "ink_prelude",
    "ink_engine",
    "ink_allocator",
    "ink_macro",
    "ink_metadata",
    "ink_storage_traits",
    "scale",
    "parity_scale_codec",
    "pallet_contracts_uapi",
    "compiler_builtins",
    "dlmalloc",
];

/// The explanation of `frame`'s failure, if it failed. `returned` is its decoded
/// return data.
pub fn frame(
    frame: &FrameTrace,
    abi: Option<&AbiReader>,
    returned: Option<&Value>,
) -> Option<Explanation> {
    match &frame.outcome {
        Outcome::Returned { .. } | Outcome::Terminated { .. } => None,
        Outcome::Trapped {
            reason,
            backtrace,
            debug_info_ignored,
        } => Some(trapped(
            frame,
            reason,
            backtrace,
            debug_info_ignored.as_deref(),
        )),
        Outcome::Reverted { data } => Some(Explanation {
            text: reverted(abi, returned, &data.0),
            location: None,
        }),
        Outcome::Failed { error } if error == "Contracts::OutOfGas" => Some(Explanation {
            text: out_of_gas(frame),
            location: None,
        }),
        Outcome::Failed { error } => Some(Explanation {
            text: error_text(error),
            location: None,
        }),
    }
}

fn trapped(
    frame: &FrameTrace,
    reason: &str,
    backtrace: &[BacktraceFrame],
    debug_info_ignored: Option<&str>,
) -> Explanation {
    let panic = frame
        .debug_message
        .lines()
        .find(|line| line.contains("panicked at"))
        .map(str::trim);
    let own = backtrace
        .iter()
        .position(|f| !is_library(f) && f.file.is_some());
    let location = own.map(|i| source_line(&backtrace[i]));
    let mut text = match panic {
        Some(panic) => format!("trapped ({reason}): {panic}"),
        None => format!("trapped: {reason}"),
    };
    match (&location, backtrace.iter().any(|f| f.file.is_some())) {
        (Some(location), _) => {
            let function = location.function.as_deref().unwrap_or("<unknown function>");
            text += &format!(", in {function} at {}", location.position());
        }
        (None, true) => text += ", in library code (no frame of the contract's own crate)",
        (None, false) if !backtrace.is_empty() => match debug_info_ignored {
            Some(why) => {
                text += &format!("; no source lines: the code's debug info was ignored ({why})")
            }
            None => {
                text += "; no source lines: the code has no DWARF (run it on wasmtime with a debug \
                     build, or attach one with europa_registerDebugInfo / --debug-symbols)"
            }
        },
        (None, false) => {}
    }
    Explanation { text, location }
}

const COULD_NOT_READ_INPUT: &str = "reverted with Err(CouldNotReadInput): ink! could not read \
     the input — no message or constructor has this selector, or its arguments do not decode";

fn reverted(abi: Option<&AbiReader>, returned: Option<&Value>, data: &[u8]) -> String {
    let Some(returned) = returned else {
        // ink!'s `Err(LangError::CouldNotReadInput)`, for input no message decodes.
        if data == [1, 1] {
            return COULD_NOT_READ_INPUT.to_owned();
        }
        return format!("reverted with output {}", crate::hex::hex(data));
    };
    let Some(variant) = metadata::error_variant(returned) else {
        return format!("reverted with {returned}");
    };
    if variant == "CouldNotReadInput" {
        return COULD_NOT_READ_INPUT.to_owned();
    }
    match abi.and_then(|abi| abi.variant_docs(&variant)) {
        Some(docs) => format!("reverted with {returned}: {docs}"),
        None => format!("reverted with {returned}"),
    }
}

fn out_of_gas(frame: &FrameTrace) -> String {
    let call = frame
        .host_calls
        .iter()
        .rev()
        .find(|call| call.error.as_deref() == Some("Contracts::OutOfGas"));
    let at = call.map_or_else(
        || "while executing WASM".to_owned(),
        |call| format!("in {}", call.func),
    );
    format!(
        "ran out of gas {at}: consumed {} of its {} ref_time limit ({} of {} proof_size)",
        frame.gas_consumed.ref_time,
        frame.gas_limit.ref_time,
        frame.gas_consumed.proof_size,
        frame.gas_limit.proof_size
    )
}

/// `Pallet::Error: its documentation` for a dispatch error named as traces name them.
pub fn error_text(error: &str) -> String {
    match error_docs(error) {
        Some(docs) => format!("{error}: {docs}"),
        None => error.to_owned(),
    }
}

fn is_library(frame: &BacktraceFrame) -> bool {
    if super::sources::is_library_path(frame.file.as_deref().unwrap_or_default()) {
        return true;
    }
    let Some(function) = frame.func.as_deref() else {
        return true;
    };
    // `<T as ink::Trait>::f` belongs to whoever implements it: look at the type's path.
    let path = function.trim_start_matches('<');
    let krate = path.split("::").next().unwrap_or_default();
    LIBRARY_CRATES.contains(&krate)
}

fn source_line(frame: &BacktraceFrame) -> SourceLine {
    let file = frame.file.clone().unwrap_or_default();
    let excerpt = frame
        .line
        .map(|line| excerpt(&file, line))
        .unwrap_or_default();
    SourceLine {
        function: frame.func.clone(),
        file,
        line: frame.line,
        column: frame.column,
        excerpt,
    }
}

/// Lines `line - 1 ..= line + 1` of `file`, when it is a Rust source file on this
/// machine (`sources::read_source`).
fn excerpt(file: &str, line: u32) -> Vec<(u32, String)> {
    let Some(text) = super::sources::read_source(file) else {
        return Vec::new();
    };
    let first = line.saturating_sub(1).max(1);
    text.lines()
        .enumerate()
        .map(|(i, text)| (i as u32 + 1, text))
        .filter(|(number, _)| (first..=line + 1).contains(number))
        .map(|(number, text)| (number, text.to_owned()))
        .collect()
}
