//! The node's log of contract executions: the runtime hands each trace of a dispatched
//! execution (and, with `--trace-dry-runs`, of a dry run) to [`LogObserver`], which
//! annotates it and logs its tree (target `europa::trace`, level info).

use std::sync::Arc;

use europa_runtime::contracts::{stored_code, TraceObserver};
use pallet_europa_contracts::{trace::ExecutionTrace, TraceLimits};

use super::{render, Insight, TraceLog};

pub struct LogObserver {
    pub insight: Arc<Insight>,
    pub level: TraceLog,
    pub dry_runs: bool,
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
        self.dry_runs && self.logging()
    }

    fn observe(&self, trace: &ExecutionTrace, dry_run: bool) {
        // Executions that recorded nothing (see `dispatched_limits`) still report.
        if !self.logging() {
            return;
        }
        // Runs inside the execution that made the trace, so the chain's code is at hand.
        let code = |hash: &[u8; 32]| stored_code(&(*hash).into());
        let annotated = self.insight.annotate(trace.clone(), &code);
        let what = if dry_run {
            "dry run"
        } else {
            "contract execution"
        };
        log::info!(target: "europa::trace", "{what}\n{}", render::tree(&annotated, self.level));
    }
}
