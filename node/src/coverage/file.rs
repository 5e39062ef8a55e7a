//! What `--coverage` leaves behind: an lcov file kept current while the node runs
//! (`--coverage-file`; test harnesses kill nodes rather than stop them), and a line per
//! contract in the log when it stops.

use std::{
    path::PathBuf,
    sync::{mpsc, Arc},
    thread::JoinHandle,
    time::Duration,
};

use super::Coverage;
use crate::{files::write_atomically, insight::Insight};

/// How often the file is brought up to date, at most.
const WRITE_INTERVAL: Duration = Duration::from_secs(1);

/// Keeps the coverage file current until dropped, then writes it a last time and logs
/// the summary.
pub struct CoverageOutput {
    coverage: Arc<Coverage>,
    insight: Arc<Insight>,
    writer: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl CoverageOutput {
    /// Starts keeping `file` (if any) current. The file is written at once, so a path
    /// that cannot be written stops the start.
    pub fn start(
        coverage: Arc<Coverage>,
        insight: Arc<Insight>,
        file: Option<PathBuf>,
    ) -> std::io::Result<Self> {
        let writer = match file {
            None => None,
            Some(path) => {
                write(&coverage, &insight, &path).map_err(|error| {
                    std::io::Error::new(
                        error.kind(),
                        format!("cannot write the coverage file {}: {error}", path.display()),
                    )
                })?;
                let (stop, stopped) = mpsc::channel();
                let (coverage, insight) = (coverage.clone(), insight.clone());
                let thread = std::thread::Builder::new()
                    .name("coverage-file".into())
                    .spawn(move || keep_current(&coverage, &insight, &path, &stopped))?;
                Some((stop, thread))
            }
        };
        Ok(CoverageOutput {
            coverage,
            insight,
            writer,
        })
    }
}

fn write(coverage: &Coverage, insight: &Insight, path: &std::path::Path) -> std::io::Result<()> {
    let lcov = coverage.lcov(insight, None, coverage.filter);
    write_atomically(path, lcov.as_bytes())
}

/// Writes `path` whenever the coverage changed, at most every [`WRITE_INTERVAL`], and a
/// last time when told to stop.
fn keep_current(
    coverage: &Coverage,
    insight: &Insight,
    path: &std::path::Path,
    stop: &mpsc::Receiver<()>,
) {
    let mut written = coverage.generation();
    loop {
        let stopping = !matches!(
            stop.recv_timeout(WRITE_INTERVAL),
            Err(mpsc::RecvTimeoutError::Timeout)
        );
        let now = coverage.generation();
        if now != written {
            match write(coverage, insight, path) {
                Ok(()) => written = now,
                Err(error) => log::warn!(
                    target: "europa",
                    "Cannot write the coverage file {}: {error}", path.display()
                ),
            }
        }
        if stopping {
            return;
        }
    }
}

impl Drop for CoverageOutput {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.writer.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
        let reports = self
            .coverage
            .reports(&self.insight, None, self.coverage.filter);
        if reports.is_empty() {
            log::info!(target: "europa", "Coverage: no contract code ran");
        }
        for report in reports {
            log::info!(target: "europa", "Coverage of {}", report.summary());
        }
        let dropped = self.coverage.dropped();
        if dropped > 0 {
            log::warn!(
                target: "europa",
                "Coverage left out {dropped} executions of code past the first {}",
                super::MAX_COVERED_CODES
            );
        }
    }
}
