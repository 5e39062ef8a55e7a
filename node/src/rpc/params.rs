//! Parameter types Europa's RPC methods share, each parsed leniently in one place:
//! accounts as SS58 or hex, balances as numbers or decimal or hex strings, bytes as hex,
//! blocks by hash or number. A value that does not parse is refused with JSON-RPC's
//! invalid-params error, saying what was expected.

use europa_runtime::{AccountId, Balance, BlockNumber, Hash};
use serde::{de::Error as _, Deserialize, Deserializer};
use serde_json::Value;
use sp_core::crypto::Ss58Codec;
use sp_runtime::Weight;

/// An account: an SS58 address or 0x-prefixed 32 bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account(pub AccountId);

impl<'de> Deserialize<'de> for Account {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let expected = "an SS58 address or 0x-prefixed 32 bytes";
        let text = String::deserialize(deserializer)
            .map_err(|_| D::Error::custom(format!("expected {expected}")))?;
        if text.starts_with("0x") {
            let raw = parse_hex(&text).map_err(D::Error::custom)?;
            return <[u8; 32]>::try_from(raw)
                .map(|raw| Account(raw.into()))
                .map_err(|_| D::Error::custom(format!("expected {expected}")));
        }
        AccountId::from_ss58check(&text)
            .map(Account)
            .map_err(|e| D::Error::custom(format!("`{text}` is not {expected}: {e:?}")))
    }
}

/// A balance: a JSON number, a decimal string or a 0x-hex string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Amount(pub Balance);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        parse_integer(&value)
            .map(Amount)
            .ok_or_else(|| D::Error::custom(format!("{value} is not a balance: expected a non-negative integer (number, decimal or 0x-hex string)")))
    }
}

/// A weight: `{"refTime": n, "proofSize": n}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasLimit(pub Weight);

impl<'de> Deserialize<'de> for GasLimit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Parts {
            ref_time: u64,
            proof_size: u64,
        }
        Parts::deserialize(deserializer)
            .map(|parts| GasLimit(Weight::from_parts(parts.ref_time, parts.proof_size)))
            .map_err(|_| D::Error::custom(r#"expected a weight: {"refTime": n, "proofSize": n}"#))
    }
}

/// Bytes as a 0x-prefixed hex string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HexBytes(pub Vec<u8>);

impl<'de> Deserialize<'de> for HexBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)
            .map_err(|_| D::Error::custom("expected a 0x-prefixed hex string"))?;
        parse_hex(&text).map(HexBytes).map_err(D::Error::custom)
    }
}

/// A block of this chain: its hash (0x-prefixed 32 bytes) or its number (a JSON number
/// or a decimal or 0x-hex string). The command line reads blocks the same way, so `0x10`
/// is block 16 everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockRef {
    Hash(Hash),
    Number(BlockNumber),
}

impl std::str::FromStr for BlockRef {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        BlockRef::of(&Value::String(text.to_owned()))
    }
}

impl BlockRef {
    /// The block a JSON number or string names.
    fn of(value: &Value) -> Result<Self, String> {
        if let Some(text) = value.as_str().filter(|text| text.len() == 66) {
            let raw = parse_hex(text)?;
            return Ok(BlockRef::Hash(Hash::from_slice(&raw)));
        }
        parse_integer(value)
            .and_then(|number| BlockNumber::try_from(number).ok())
            .map(BlockRef::Number)
            .ok_or_else(|| {
                format!(
                    "{value} is not a block: expected a block hash (0x and 64 hex digits) or a block number"
                )
            })
    }
}

impl<'de> Deserialize<'de> for BlockRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BlockRef::of(&Value::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

impl std::fmt::Display for BlockRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlockRef::Hash(hash) => write!(f, "{hash:?}"),
            BlockRef::Number(number) => write!(f, "#{number}"),
        }
    }
}

/// A non-negative integer: a JSON number, a decimal string or a 0x-hex string.
fn parse_integer(value: &Value) -> Option<u128> {
    match value {
        Value::Number(number) => number.as_u64().map(u128::from),
        Value::String(text) => match text.strip_prefix("0x") {
            Some(digits) => u128::from_str_radix(digits, 16).ok(),
            None => text.parse().ok(),
        },
        _ => None,
    }
}

fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    if !text.starts_with("0x") {
        return Err(format!("`{text}` is not 0x-prefixed hex"));
    }
    sp_core::bytes::from_hex(text).map_err(|e| format!("`{text}` is not hex: {e}"))
}

pub use crate::hex::hex;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse<T: for<'de> Deserialize<'de>>(value: Value) -> Result<T, String> {
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    #[test]
    fn accounts_balances_bytes_and_blocks_parse_leniently_and_refuse_clearly() {
        let alice = sp_keyring::Sr25519Keyring::Alice.to_account_id();
        let by_hex = json!(hex(alice.as_ref()));
        assert_eq!(parse::<Account>(by_hex), Ok(Account(alice.clone())));
        assert_eq!(
            parse::<Account>(json!(alice.to_ss58check())),
            Ok(Account(alice))
        );
        assert!(parse::<Account>(json!("0x1234")).is_err());
        assert!(parse::<Account>(json!(5)).unwrap_err().contains("SS58"));

        assert_eq!(parse::<Amount>(json!(7)), Ok(Amount(7)));
        assert_eq!(
            parse::<Amount>(json!("1000000000000000000000")),
            Ok(Amount(10u128.pow(21)))
        );
        assert_eq!(parse::<Amount>(json!("0xff")), Ok(Amount(255)));
        assert!(parse::<Amount>(json!(-1))
            .unwrap_err()
            .contains("non-negative"));

        assert_eq!(
            parse::<HexBytes>(json!("0x0a0b")),
            Ok(HexBytes(vec![10, 11]))
        );
        assert!(parse::<HexBytes>(json!("0xzz")).is_err());
        assert!(parse::<HexBytes>(json!("0a0b")).is_err());

        assert_eq!(parse::<BlockRef>(json!(3)), Ok(BlockRef::Number(3)));
        assert_eq!(parse::<BlockRef>(json!("0x10")), Ok(BlockRef::Number(16)));
        let hash = Hash::repeat_byte(0xab);
        assert_eq!(
            parse::<BlockRef>(json!(format!("{hash:?}"))),
            Ok(BlockRef::Hash(hash))
        );
        assert!(parse::<BlockRef>(json!(u64::MAX))
            .unwrap_err()
            .contains("block number"));
        assert!(parse::<BlockRef>(json!([1])).is_err());
        // The command line reads a block as the RPC does: `0x10` is block 16.
        assert_eq!("0x10".parse::<BlockRef>(), Ok(BlockRef::Number(16)));
        assert_eq!("7".parse::<BlockRef>(), Ok(BlockRef::Number(7)));
        assert_eq!(
            format!("{hash:?}").parse::<BlockRef>(),
            Ok(BlockRef::Hash(hash))
        );
        assert!("seven"
            .parse::<BlockRef>()
            .unwrap_err()
            .contains("not a block"));

        assert_eq!(
            parse::<GasLimit>(json!({"refTime": 1, "proofSize": 2})),
            Ok(GasLimit(Weight::from_parts(1, 2)))
        );
        assert!(parse::<GasLimit>(json!(5)).unwrap_err().contains("refTime"));
    }
}
