//! The pallet's integration tests, one binary (the mock runtime and both pallets link
//! once): the ink! fixtures, hostile and broken contracts, the differential tests
//! against upstream pallet-contracts 51, and the fixture artifacts.

#[macro_use]
mod mock;

mod bad_input;
mod contracts;
mod differential;
mod fixtures;
