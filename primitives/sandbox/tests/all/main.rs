//! The sandbox's integration tests, one binary: the behaviour suite on both executors,
//! the differential fuzz run between them, the committed guest fixture, and untrusted
//! DWARF.

mod debug_info;
mod differential_fuzz;
mod fixtures;
mod suite;
