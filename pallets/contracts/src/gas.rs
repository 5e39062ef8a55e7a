//! Gas: a two-dimensional weight budget per frame. WASM execution is metered by the
//! sandbox in fuel, host functions by weight; the meter converts between the two at
//! every host call, so there is one budget and one source of truth.

use frame_support::weights::Weight;

/// The frame ran out of gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfGas;

#[derive(Clone, Debug)]
pub struct GasMeter {
    limit: Weight,
    consumed: Weight,
    /// The largest limit the frame has needed so far: at least `consumed`, more when
    /// a nested frame needed more than it ended up consuming.
    required: Weight,
    /// Sandbox fuel of the running instance when it was last reconciled.
    fuel_synced: u64,
}

impl GasMeter {
    pub fn new(limit: Weight) -> Self {
        GasMeter {
            limit,
            consumed: Weight::zero(),
            required: Weight::zero(),
            fuel_synced: 0,
        }
    }

    /// The meter of a nested frame: `limit` where it fits what is left here, with a
    /// zero component meaning "all that is left" (upstream's convention).
    pub fn nested(&self, limit: Weight) -> Self {
        let left = self.left();
        let pick = |asked: u64, left: u64| if asked == 0 { left } else { asked.min(left) };
        GasMeter::new(Weight::from_parts(
            pick(limit.ref_time(), left.ref_time()),
            pick(limit.proof_size(), left.proof_size()),
        ))
    }

    pub fn limit(&self) -> Weight {
        self.limit
    }

    pub fn consumed(&self) -> Weight {
        self.consumed
    }

    pub fn required(&self) -> Weight {
        self.required.max(self.consumed)
    }

    pub fn left(&self) -> Weight {
        self.limit.saturating_sub(self.consumed)
    }

    /// Charges `amount`; when it does not fit, everything is consumed.
    pub fn charge(&mut self, amount: Weight) -> Result<(), OutOfGas> {
        let consumed = self.consumed.saturating_add(amount);
        self.required = self.required.max(consumed);
        if consumed.any_gt(self.limit) {
            self.consumed = self.limit;
            return Err(OutOfGas);
        }
        self.consumed = consumed;
        Ok(())
    }

    /// Gives back weight charged in advance but not used.
    pub fn refund(&mut self, amount: Weight) {
        self.consumed = self.consumed.saturating_sub(amount);
    }

    /// Takes over what a finished nested frame consumed and required.
    pub fn absorb(&mut self, nested: &GasMeter) {
        self.required = self
            .required
            .max(self.consumed.saturating_add(nested.required()));
        self.consumed = self.consumed.saturating_add(nested.consumed);
    }

    /// The fuel to give the sandbox for what is left, and remembers it as synced.
    pub fn fuel_for_left(&mut self, ref_time_per_fuel: u64) -> u64 {
        self.fuel_synced = self.left().ref_time() / ref_time_per_fuel.max(1);
        self.fuel_synced
    }

    /// The sandbox's fuel as of the last reconciliation.
    pub fn synced_fuel(&self) -> u64 {
        self.fuel_synced
    }

    /// Charges the fuel the sandbox burnt since the last reconciliation.
    pub fn charge_fuel(&mut self, fuel_now: u64, ref_time_per_fuel: u64) -> Result<(), OutOfGas> {
        let burnt = self.fuel_synced.saturating_sub(fuel_now);
        self.fuel_synced = fuel_now;
        self.charge(Weight::from_parts(
            burnt.saturating_mul(ref_time_per_fuel),
            0,
        ))
    }

    /// All of the budget is gone (the sandbox ran out of fuel).
    pub fn exhaust(&mut self) {
        self.required = self.required.max(self.limit);
        self.consumed = self.limit;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_limits_are_capped_by_what_is_left_and_zero_means_all() {
        let mut meter = GasMeter::new(Weight::from_parts(1_000, 100));
        meter.charge(Weight::from_parts(400, 10)).unwrap();
        let nested = meter.nested(Weight::from_parts(0, 50));
        assert_eq!(nested.limit(), Weight::from_parts(600, 50));
        let nested = meter.nested(Weight::from_parts(10_000, 0));
        assert_eq!(nested.limit(), Weight::from_parts(600, 90));
    }

    #[test]
    fn running_out_consumes_everything_and_required_keeps_the_peak() {
        let mut meter = GasMeter::new(Weight::from_parts(1_000, 100));
        let mut nested = meter.nested(Weight::zero());
        nested.charge(Weight::from_parts(700, 0)).unwrap();
        meter.absorb(&nested);
        assert_eq!(meter.consumed(), Weight::from_parts(700, 0));
        assert_eq!(meter.charge(Weight::from_parts(500, 0)), Err(OutOfGas));
        assert_eq!(meter.consumed(), Weight::from_parts(1_000, 100));
        assert_eq!(meter.required(), Weight::from_parts(1_200, 100));
    }

    #[test]
    fn fuel_is_converted_at_the_configured_rate() {
        let mut meter = GasMeter::new(Weight::from_parts(10_000, 0));
        assert_eq!(meter.fuel_for_left(100), 100);
        meter.charge_fuel(60, 100).unwrap();
        assert_eq!(meter.consumed().ref_time(), 4_000);
        assert_eq!(meter.fuel_for_left(100), 60);
    }
}
