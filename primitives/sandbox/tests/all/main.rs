//! The sandbox's integration tests, one binary: the behaviour suite on both executors,
//! the differential fuzz run between them, and the committed guest fixture.

mod differential_fuzz;
mod fixtures;
mod suite;
