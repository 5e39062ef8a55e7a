//! The node's log of contract executions: the runtime hands each trace of a dispatched
//! execution (and, with `--trace-dry-runs`, of a dry run) to [`LogObserver`], which
//! annotates it and logs its tree (target `europa::trace`, level info). On a wasmi
//! chain, a trace with a trap goes to the log's lens first (`lens::LogLens`), which
//! logs it located. With `--coverage`, it also takes what covered executions reached;
//! while a debugger waits for a contract's next dry run, it offers it dry runs.

use std::sync::Arc;

use europa_runtime::contracts::{stored_code, TraceObserver, TraceOrigin};
use pallet_europa_contracts::{trace::ExecutionTrace, CodeHits, TraceLimits};

use super::{render, Annotated, Insight, TraceLog};
use crate::lens::{self, LogLens, LoggedTrap};

pub struct LogObserver {
    pub insight: Arc<Insight>,
    pub level: TraceLog,
    pub dry_runs: bool,
    /// Where traps that want the lens go (see `lens::logged`).
    pub lens: Option<LogLens>,
    /// Where covered executions' hits go, with `--coverage`.
    pub coverage: Option<Arc<crate::coverage::Coverage>>,
    /// Debugging sessions waiting for a contract's next dry run.
    pub dry_run_watch: Arc<crate::debugger::next_dry_run::DryRunWatch>,
}

impl LogObserver {
    fn logging(&self) -> bool {
        self.level != TraceLog::Off && log::log_enabled!(target: "europa::trace", log::Level::Info)
    }
}

impl TraceObserver for LogObserver {
    fn dispatched_limits(&self) -> Option<TraceLimits> {
        self.logging().then(TraceLimits::default)
    }

    fn wants_dry_runs(&self) -> bool {
        (self.dry_runs && self.logging()) || self.dry_run_watch.wanted()
    }

    fn wants_coverage(&self) -> bool {
        self.coverage.is_some()
    }

    fn observe_coverage(&self, hits: CodeHits) {
        if let Some(coverage) = &self.coverage {
            // Runs inside the execution, so the chain's code is at hand.
            coverage.add(hits, |hash| stored_code(&(*hash).into()));
        }
    }

    fn observe(&self, trace: &ExecutionTrace, origin: TraceOrigin) {
        if let TraceOrigin::DryRun {
            number,
            call: Some(call),
        } = &origin
        {
            self.dry_run_watch.offer(trace, *number, call);
        }
        // Executions that recorded nothing (see `dispatched_limits`) still report.
        let dry_run = matches!(origin, TraceOrigin::DryRun { .. });
        if !self.logging() || (dry_run && !self.dry_runs) {
            return;
        }
        if let (
            Some(queue),
            TraceOrigin::Block {
                parent,
                number,
                extrinsic: Some(extrinsic),
            },
        ) = (&self.lens, &origin)
        {
            let (parent, number, extrinsic) = (*parent, *number, *extrinsic);
            if lens::wanted(trace) {
                let trap = LoggedTrap {
                    parent,
                    number,
                    extrinsic,
                    trace: trace.clone(),
                };
                if queue.queue(trap).is_ok() {
                    return;
                }
            }
        }
        // Runs inside the execution that made the trace, so the chain's code is at hand.
        let code = |hash: &[u8; 32]| stored_code(&(*hash).into());
        let annotated = self.insight.annotate(trace.clone(), &code);
        let what = match origin {
            TraceOrigin::DryRun { .. } => "dry run",
            TraceOrigin::Block { .. } => "contract execution",
        };
        log_execution(&annotated, self.level, what);
    }
}

/// Logs `annotated` as a tree, introduced by `what`.
pub fn log_execution(annotated: &Annotated, level: TraceLog, what: &str) {
    log::info!(target: "europa::trace", "{what}\n{}", render::tree(annotated, level));
}
