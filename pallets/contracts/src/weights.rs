//! Weights of the dispatchables themselves, before the gas their execution uses.
//! Europa's estimates, of upstream's magnitude; not benchmarked.

use frame_support::weights::Weight;

pub fn call() -> Weight {
    Weight::from_parts(180_000_000, 4_000)
}

pub fn instantiate() -> Weight {
    Weight::from_parts(1_200_000_000, 6_000)
}

pub fn instantiate_with_code(code_len: u32) -> Weight {
    instantiate().saturating_add(upload_code(code_len))
}

pub fn upload_code(code_len: u32) -> Weight {
    Weight::from_parts(260_000_000, 3_500)
        .saturating_add(Weight::from_parts(50_000, 1).saturating_mul(code_len.into()))
}

pub fn remove_code() -> Weight {
    Weight::from_parts(45_000_000, 3_700)
}

/// `migrate` finding nothing to do.
pub fn migrate() -> Weight {
    Weight::from_parts(4_000_000, 1_600)
}

pub fn set_code() -> Weight {
    Weight::from_parts(27_000_000, 6_400)
}
