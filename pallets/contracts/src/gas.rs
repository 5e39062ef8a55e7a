//! Gas: a two-dimensional weight budget per frame, metered as upstream meters it. WASM
//! execution burns sandbox fuel, host functions charge weight; the two meet at every
//! host call:
//! - a frame's sandbox gets, once, fuel for its whole limit (`ref_time / ref_time per
//!   fuel`, rounded down);
//! - entering a host function charges the fuel burnt since the last host call, at the
//!   fuel's price in `ref_time` (and no proof size);
//! - what host functions charge comes out of the weight left, not out of the sandbox's
//!   fuel: a frame that overspends is stopped at its next host call or when it ends;
//! - a charge that does not fit takes nothing, and fails with `OutOfGas`.

use frame_support::weights::Weight;

/// The frame ran out of gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OutOfGas;

#[derive(Clone, Debug)]
pub(crate) struct GasMeter {
    limit: Weight,
    consumed: Weight,
    /// The most this frame has needed so far: at least `consumed`, more when a charge
    /// was refunded in part or a nested frame needed more than it consumed.
    required: Weight,
    /// `ref_time` of one unit of sandbox fuel.
    ref_time_per_fuel: u64,
    /// The sandbox's fuel as of the last host call (or the frame's start).
    fuel: u64,
}

impl GasMeter {
    pub(crate) fn new(limit: Weight, ref_time_per_fuel: u64) -> Self {
        GasMeter {
            limit,
            consumed: Weight::zero(),
            required: Weight::zero(),
            ref_time_per_fuel,
            fuel: limit.ref_time() / ref_time_per_fuel.max(1),
        }
    }

    /// The meter of a nested frame: `limit` where it fits what is left here, with a
    /// zero component meaning "all that is left" (upstream's convention).
    pub(crate) fn nested(&self, limit: Weight) -> Self {
        let left = self.left();
        let pick = |asked: u64, left: u64| if asked == 0 { left } else { asked.min(left) };
        GasMeter::new(
            Weight::from_parts(
                pick(limit.ref_time(), left.ref_time()),
                pick(limit.proof_size(), left.proof_size()),
            ),
            self.ref_time_per_fuel,
        )
    }

    pub(crate) fn ref_time_per_fuel(&self) -> u64 {
        self.ref_time_per_fuel
    }

    pub(crate) fn limit(&self) -> Weight {
        self.limit
    }

    pub(crate) fn consumed(&self) -> Weight {
        self.consumed
    }

    pub(crate) fn required(&self) -> Weight {
        self.required.max(self.consumed)
    }

    pub(crate) fn left(&self) -> Weight {
        self.limit.saturating_sub(self.consumed)
    }

    /// Charges `amount`; when it does not fit, nothing is charged.
    pub(crate) fn charge(&mut self, amount: Weight) -> Result<(), OutOfGas> {
        let consumed = self.consumed.saturating_add(amount);
        if consumed.any_gt(self.limit) {
            return Err(OutOfGas);
        }
        self.consumed = consumed;
        self.required = self.required.max(consumed);
        Ok(())
    }

    /// Gives back the part of `charged` that `actual` does not need (upstream's
    /// `adjust_gas`: a charge made for the worst case, settled once the case is known).
    pub(crate) fn adjust(&mut self, charged: Weight, actual: Weight) {
        self.consumed = self.consumed.saturating_sub(charged.saturating_sub(actual));
    }

    /// Takes over what a finished nested frame consumed and required.
    pub(crate) fn absorb(&mut self, nested: &GasMeter) {
        self.required = self
            .required
            .max(self.consumed.saturating_add(nested.required()));
        self.consumed = self.consumed.saturating_add(nested.consumed);
    }

    /// The fuel the frame's sandbox runs with.
    pub(crate) fn fuel(&self) -> u64 {
        self.fuel
    }

    /// Charges the fuel the sandbox burnt since the last call (it has `fuel_now`
    /// left). When that does not fit, nothing is charged (as upstream).
    pub(crate) fn sync_fuel(&mut self, fuel_now: u64) -> Result<(), OutOfGas> {
        let burnt = self.fuel.saturating_sub(fuel_now);
        self.fuel = fuel_now;
        self.charge(Weight::from_parts(
            burnt.saturating_mul(self.ref_time_per_fuel),
            0,
        ))
    }

    /// After a host call that started with `ref_time_before` left: what the host
    /// charged must fit the sandbox's fuel (it is not taken from it).
    pub(crate) fn check_host_charges(&self, ref_time_before: u64) -> Result<(), OutOfGas> {
        let charged = ref_time_before.saturating_sub(self.left().ref_time());
        if charged / self.ref_time_per_fuel.max(1) > self.fuel {
            return Err(OutOfGas);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_limits_are_capped_by_what_is_left_and_zero_means_all() {
        let mut meter = GasMeter::new(Weight::from_parts(1_000, 100), 10);
        meter.charge(Weight::from_parts(400, 10)).unwrap();
        let nested = meter.nested(Weight::from_parts(0, 50));
        assert_eq!(nested.limit(), Weight::from_parts(600, 50));
        let nested = meter.nested(Weight::from_parts(10_000, 0));
        assert_eq!(nested.limit(), Weight::from_parts(600, 90));
        assert_eq!(nested.fuel(), 60);
    }

    #[test]
    fn a_charge_that_does_not_fit_takes_nothing_and_required_keeps_the_peak() {
        let mut meter = GasMeter::new(Weight::from_parts(1_000, 100), 10);
        let mut nested = meter.nested(Weight::zero());
        nested.charge(Weight::from_parts(700, 0)).unwrap();
        nested.adjust(Weight::from_parts(700, 0), Weight::from_parts(200, 0));
        meter.absorb(&nested);
        assert_eq!(meter.consumed(), Weight::from_parts(200, 0));
        assert_eq!(meter.required(), Weight::from_parts(700, 0));
        assert_eq!(meter.charge(Weight::from_parts(900, 0)), Err(OutOfGas));
        assert_eq!(meter.consumed(), Weight::from_parts(200, 0));
    }

    #[test]
    fn fuel_is_charged_at_its_price_and_host_charges_must_fit_it() {
        let mut meter = GasMeter::new(Weight::from_parts(10_000, 0), 100);
        assert_eq!(meter.fuel(), 100);
        meter.sync_fuel(60).unwrap();
        assert_eq!(meter.consumed().ref_time(), 4_000);
        let before = meter.left().ref_time();
        meter.charge(Weight::from_parts(5_000, 0)).unwrap();
        assert_eq!(meter.check_host_charges(before), Ok(()));
        // 7 000 more would fit the weight left only if the fuel paid for it.
        let before = meter.left().ref_time();
        assert_eq!(meter.sync_fuel(50), Ok(()));
        meter.charge(Weight::from_parts(0, 0)).unwrap();
        assert_eq!(meter.check_host_charges(before + 6_000), Err(OutOfGas));
    }
}
