//! The log's tree of an execution, read like a Foundry trace: one line per frame with its
//! gas, the contract's message and arguments, then (indented) its nested frames,
//! events, debug text and host calls, and its outcome with the explanation of a
//! failure.
//!
//! ```text
//! [717541378] Alice → erc20::transfer(to: Bob, value: 100) deposit 0.1016 UNIT @ 5GQZAw…
//! ├─ emit Transfer { from: Some(Alice), to: Some(Bob), value: 100 }
//! └─ ← Ok(Ok())
//! ```

use std::fmt::Write;

use pallet_europa_contracts::trace::{EntryPoint, FrameTrace, HostCall, Outcome};

use super::{accounts, metadata, notes::FrameNotes, Annotated};

/// What the node's log shows of each contract execution (`--trace`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TraceLog {
    /// Nothing (and executions record no trace).
    Off,
    /// Frames, events, debug text and outcomes; host calls only of failed frames.
    #[default]
    Calls,
    /// Everything, every host call included.
    HostCalls,
}

/// The tree of `annotated` for the log.
pub fn tree(annotated: &Annotated, level: TraceLog) -> String {
    let mut out = String::new();
    for upload in &annotated.trace.uploads {
        let _ = write!(
            out,
            "upload {} ({} bytes)",
            upload.code_hash, upload.code_len
        );
        if !upload.features_used.is_empty() {
            let _ = write!(out, ", uses {}", upload.features_used.join(", "));
        }
        if let Some(reason) = &upload.rejected {
            let _ = write!(out, ", REJECTED: {}", one_line(reason));
        }
        out.push('\n');
    }
    let frames: Vec<_> = annotated
        .trace
        .root
        .iter()
        .flat_map(FrameTrace::frames)
        .collect();
    if let Some(root) = annotated.trace.root.as_ref() {
        let mut tree = String::new();
        let mut writer = Writer {
            out: &mut tree,
            frames: &frames,
            notes: &annotated.frames,
            level,
        };
        writer.frame(root, "", "");
        out += &accounts::with_dev_names(&tree);
    }
    if let Some(error) = &annotated.trace.error {
        let explained = annotated.explanation.as_deref().unwrap_or(error);
        let _ = writeln!(out, "error: {}", one_line(explained));
    }
    if annotated.trace.executor == "wasmtime" {
        let _ = writeln!(out, "gas: {}", super::notes::WASMTIME_GAS);
    }
    if let Some(t) = &annotated.trace.truncated {
        let _ = writeln!(
            out,
            "TRUNCATED: not recorded {} host calls, {} frames, {} events; {} values shortened; {} bytes of debug text dropped",
            t.host_calls, t.frames, t.events, t.values, t.debug_bytes
        );
    }
    inert(&out)
}

/// `text` with every control character but the newline escaped (`\r`, `\u{1b}`):
/// text from a contract cannot move the terminal's cursor, colour it or rewrite a line.
fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // Bidirectional overrides reorder what a terminal shows, as controls would.
        let reorders = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        if c != '\n' && (c.is_control() || reorders) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` on one line: newlines escaped too, so a contract's text cannot start a log
/// line of its own (the tree's own lines carry their prefixes).
fn one_line(text: &str) -> String {
    text.replace('\n', "\\n")
}

struct Writer<'a> {
    out: &'a mut String,
    /// The trace's frames and their notes, in the same order.
    frames: &'a [&'a FrameTrace],
    notes: &'a [FrameNotes],
    level: TraceLog,
}

/// One line under a frame, before it is drawn.
enum Child<'a> {
    Call(&'a HostCall),
    Frame(&'a FrameTrace),
    Text(String),
}

impl<'a> Writer<'a> {
    fn notes_of(&self, frame: &FrameTrace) -> Option<&'a FrameNotes> {
        let index = self.frames.iter().position(|f| std::ptr::eq(*f, frame))?;
        let notes: &'a [FrameNotes] = self.notes;
        notes.get(index)
    }

    /// Writes `frame` after `first` (its own line's prefix); its children after `rest`.
    fn frame(&mut self, frame: &FrameTrace, first: &str, rest: &str) {
        let notes = self.notes_of(frame);
        let call = one_line(&notes.map_or_else(String::new, |n| n.call_text(frame)));
        let arrow = match frame.entry {
            EntryPoint::Call => "→",
            EntryPoint::Deploy => "→ new",
            EntryPoint::DelegateCall => "→ delegate",
        };
        let _ = write!(
            self.out,
            "{first}[{}] {} {arrow} {call}",
            frame.gas_consumed.ref_time,
            accounts::short(&frame.caller.0)
        );
        if frame.value != 0 {
            let _ = write!(self.out, " value {}", accounts::balance(frame.value));
        }
        match frame.storage_deposit {
            0 => {}
            charge @ 1.. => {
                let _ = write!(
                    self.out,
                    " deposit {}",
                    accounts::balance(charge.unsigned_abs())
                );
            }
            refund => {
                let _ = write!(
                    self.out,
                    " refund {}",
                    accounts::balance(refund.unsigned_abs())
                );
            }
        }
        let _ = writeln!(self.out, " @ {}", accounts::ss58(&frame.contract.0));
        let children = self.children(frame, notes);
        let count = children.len();
        for (i, child) in children.into_iter().enumerate() {
            let last = i + 1 == count;
            let (branch, under) = if last {
                ("└─ ", "   ")
            } else {
                ("├─ ", "│  ")
            };
            match child {
                Child::Frame(nested) => self.frame(
                    nested,
                    &format!("{rest}{branch}"),
                    &format!("{rest}{under}"),
                ),
                Child::Call(call) => {
                    let _ = writeln!(self.out, "{rest}{branch}{}", one_line(&host_call(call)));
                }
                Child::Text(text) => {
                    let mut lines = text.lines();
                    let _ = writeln!(
                        self.out,
                        "{rest}{branch}{}",
                        lines.next().unwrap_or_default()
                    );
                    for line in lines {
                        let _ = writeln!(self.out, "{rest}{under}{line}");
                    }
                }
            }
        }
    }

    fn children<'f>(&self, frame: &'f FrameTrace, notes: Option<&FrameNotes>) -> Vec<Child<'f>> {
        let failed = !matches!(
            frame.outcome,
            Outcome::Returned { .. } | Outcome::Terminated { .. }
        );
        let show_calls = self.level == TraceLog::HostCalls || failed;
        let mut children = Vec::new();
        let mut events = frame.events.iter().enumerate();
        for call in &frame.host_calls {
            if let Some(nested) = call.nested_frame.and_then(|i| frame.nested.get(i as usize)) {
                if show_calls {
                    children.push(Child::Call(call));
                }
                children.push(Child::Frame(nested));
            } else if call.func.ends_with("deposit_event") && call.error.is_none() {
                if let Some((index, event)) = events.next() {
                    children.push(Child::Text(event_text(notes, index, event)));
                }
            } else if show_calls {
                children.push(Child::Call(call));
            }
        }
        for (index, event) in events {
            children.push(Child::Text(event_text(notes, index, event)));
        }
        for line in frame.debug_message.lines() {
            children.push(Child::Text(format!("debug: {line}")));
        }
        children.push(Child::Text(outcome_text(frame, notes)));
        children
    }
}

fn host_call(call: &HostCall) -> String {
    let mut text = format!("{}({})", call.func, metadata::named(&call.args));
    if let Some(code) = &call.code {
        text += &format!(" -> {code}");
    }
    if let Some(output) = &call.output {
        text += &format!(" => {output}");
    }
    if let Some(error) = &call.error {
        text += &format!(" !! {error}");
    }
    text + &format!(" [gas {}]", call.gas)
}

fn event_text(
    notes: Option<&FrameNotes>,
    index: usize,
    event: &pallet_europa_contracts::trace::ContractEvent,
) -> String {
    match notes
        .and_then(|n| n.events.get(index))
        .and_then(Option::as_ref)
    {
        Some(decoded) => {
            let fields = metadata::named(&decoded.fields);
            format!("emit {} {{ {fields} }}", decoded.label)
        }
        None => format!("emit topics {:?} data {}", event.topics, event.data),
    }
}

fn outcome_text(frame: &FrameTrace, notes: Option<&FrameNotes>) -> String {
    let returned = notes.and_then(|n| n.returned.clone());
    let mut text = match &frame.outcome {
        Outcome::Returned { flags, data } => match returned {
            Some(value) => format!("← {value}"),
            None if *flags == 0 => format!("← {data}"),
            None => format!("← flags {flags} data {data}"),
        },
        Outcome::Reverted { data } => format!(
            "← REVERTED {}",
            returned.unwrap_or_else(|| data.to_string())
        ),
        Outcome::Terminated { beneficiary } => format!(
            "← terminated, balance to {}",
            accounts::short(&beneficiary.0)
        ),
        Outcome::Trapped { reason, .. } => format!("← TRAPPED: {reason}"),
        Outcome::Failed { error } => format!("← FAILED: {error}"),
    };
    if let Some(explanation) = notes.and_then(|n| n.explanation.as_ref()) {
        text += &format!("\n✗ {}", explanation.text);
        if let Some(location) = &explanation.location {
            if let Some((_, line)) = location
                .excerpt
                .iter()
                .find(|(n, _)| Some(*n) == location.line)
            {
                text += &format!(
                    "\n  {} | {}",
                    location.line.unwrap_or_default(),
                    line.trim_end()
                );
            }
        }
        if let Outcome::Trapped { backtrace, .. } = &frame.outcome {
            for source in backtrace {
                let unknown = || match source.offset {
                    Some(offset) => format!("<func {} @ {offset:#x}>", source.func_index),
                    None => format!("<func {}>", source.func_index),
                };
                let function = source.func.clone().unwrap_or_else(unknown);
                text += &format!("\n  at {function}");
                if let Some(file) = &source.file {
                    text += &format!(
                        " ({file}:{}:{})",
                        source.line.unwrap_or_default(),
                        source.column.unwrap_or_default()
                    );
                }
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_text_cannot_steer_the_terminal_or_forge_lines() {
        let hostile = "ok\r[INFO] forged\u{1b}[2J\u{202E}gnp.exe\nnext";
        let shown = inert(hostile);
        assert_eq!(shown, "ok\\r[INFO] forged\\u{1b}[2J\\u{202e}gnp.exe\nnext");
        assert!(!one_line(&shown).contains('\n'));
    }
}
