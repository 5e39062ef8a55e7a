//! The values Europa's methods share, each read leniently in one place and written in
//! one form: accounts as SS58 (or 0x-prefixed 32 bytes), balances as decimal strings
//! (numbers and 0x-hex read too: a balance may not fit a JSON number), bytes as 0x-hex,
//! blocks by hash or number. A value that does not parse is refused saying what was
//! expected.

use std::{borrow::Cow, fmt, str::FromStr};

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use sp_core::crypto::{AccountId32, Ss58Codec};

pub use europa_trace::{Bytes, Gas};
/// A block or code hash.
pub use sp_core::H256 as Hash;

/// A block's number.
pub type BlockNumber = u32;

/// The JSON Schema of a [`struct@Hash`]: fields of that type name it with
/// `#[schemars(with = "HashSchema")]`.
pub struct HashSchema;

impl JsonSchema for HashSchema {
    fn schema_name() -> Cow<'static, str> {
        "Hash".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^0x[0-9a-fA-F]{64}$",
            "description": "A 32-byte hash as 0x-hex."
        })
    }
}

/// An account: written as SS58 (the generic prefix, 42), read as SS58 or 0x-prefixed 32
/// bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Account(pub AccountId32);

impl FromStr for Account {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let expected = "an SS58 address or 0x-prefixed 32 bytes";
        if text.starts_with("0x") {
            let raw = parse_hex(text)?;
            return <[u8; 32]>::try_from(raw)
                .map(|raw| Account(raw.into()))
                .map_err(|_| format!("`{text}` is not {expected}"));
        }
        AccountId32::from_ss58check(text)
            .map(Account)
            .map_err(|e| format!("`{text}` is not {expected}: {e:?}"))
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_ss58check())
    }
}

/// The all-zero account (a placeholder; no one has its key).
impl Default for Account {
    fn default() -> Self {
        Account(AccountId32::new([0; 32]))
    }
}

impl From<AccountId32> for Account {
    fn from(account: AccountId32) -> Self {
        Account(account)
    }
}

impl<'de> Deserialize<'de> for Account {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)
            .map_err(|_| D::Error::custom("expected an SS58 address or 0x-prefixed 32 bytes"))?;
        text.parse().map_err(D::Error::custom)
    }
}

impl Serialize for Account {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl JsonSchema for Account {
    fn schema_name() -> Cow<'static, str> {
        "Account".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "An account: an SS58 address, or 0x and 64 hex digits."
        })
    }
}

/// A balance, in the chain's smallest unit: written as a decimal string, read from a
/// JSON number or a decimal or 0x-hex string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Amount(pub u128);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        parse_integer(&value).map(Amount).ok_or_else(|| {
            D::Error::custom(format!(
                "{value} is not a balance: expected a non-negative integer (number, decimal or 0x-hex string)"
            ))
        })
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl JsonSchema for Amount {
    fn schema_name() -> Cow<'static, str> {
        "Amount".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A balance in the chain's smallest unit: a decimal string (written), or a JSON number or 0x-hex string (read).",
            "anyOf": [
                { "type": "string", "pattern": "^([0-9]+|0x[0-9a-fA-F]+)$" },
                { "type": "integer", "minimum": 0 }
            ]
        })
    }
}

/// A gas limit: `{"refTime": n, "proofSize": n}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct GasLimit(pub Gas);

impl<'de> Deserialize<'de> for GasLimit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Gas::deserialize(deserializer)
            .map(GasLimit)
            .map_err(|_| D::Error::custom(r#"expected a weight: {"refTime": n, "proofSize": n}"#))
    }
}

/// Bytes as a 0x-prefixed hex string (the trace's [`Bytes`], refusing clearly).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct HexBytes(pub Bytes);

impl HexBytes {
    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0 .0
    }

    /// The bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0 .0
    }
}

impl From<Vec<u8>> for HexBytes {
    fn from(bytes: Vec<u8>) -> Self {
        HexBytes(Bytes(bytes))
    }
}

impl<'de> Deserialize<'de> for HexBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)
            .map_err(|_| D::Error::custom("expected a 0x-prefixed hex string"))?;
        parse_hex(&text)
            .map(HexBytes::from)
            .map_err(D::Error::custom)
    }
}

/// A block of the chain: its hash (0x and 64 hex digits) or its number (a JSON number,
/// or a decimal or 0x-hex string). The command line reads blocks the same way, so
/// `0x10` is block 16 everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockRef {
    /// The block with this hash.
    Hash(Hash),
    /// The block of the best chain with this number.
    Number(BlockNumber),
}

impl FromStr for BlockRef {
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

impl Serialize for BlockRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            BlockRef::Hash(hash) => hash.serialize(serializer),
            BlockRef::Number(number) => serializer.serialize_u32(*number),
        }
    }
}

impl JsonSchema for BlockRef {
    fn schema_name() -> Cow<'static, str> {
        "BlockRef".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A block: its hash (0x and 64 hex digits) or its number (a JSON number, or a decimal or 0x-hex string).",
            "anyOf": [
                { "type": "string", "pattern": "^(0x[0-9a-fA-F]{1,64}|[0-9]+)$" },
                { "type": "integer", "minimum": 0, "maximum": 4294967295u32 }
            ]
        })
    }
}

impl fmt::Display for BlockRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse<T: for<'de> Deserialize<'de>>(value: Value) -> Result<T, String> {
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + fmt::Debug>(value: T) {
        let json = serde_json::to_value(&value).expect("serializes");
        assert_eq!(parse::<T>(json), Ok(value));
    }

    #[test]
    fn accounts_balances_bytes_and_blocks_parse_leniently_and_refuse_clearly() {
        let alice = AccountId32::new([0xd4; 32]);
        let by_hex = json!(format!("0x{}", "d4".repeat(32)));
        assert_eq!(parse::<Account>(by_hex), Ok(Account(alice.clone())));
        assert_eq!(
            parse::<Account>(json!(alice.to_ss58check())),
            Ok(Account(alice.clone()))
        );
        assert!(parse::<Account>(json!("0x1234")).is_err());
        assert!(parse::<Account>(json!(5)).unwrap_err().contains("SS58"));
        round_trip(Account(alice));

        assert_eq!(parse::<Amount>(json!(7)), Ok(Amount(7)));
        assert_eq!(
            parse::<Amount>(json!("1000000000000000000000")),
            Ok(Amount(10u128.pow(21)))
        );
        assert_eq!(parse::<Amount>(json!("0xff")), Ok(Amount(255)));
        assert!(parse::<Amount>(json!(-1))
            .unwrap_err()
            .contains("non-negative"));
        round_trip(Amount(u128::MAX));

        assert_eq!(
            parse::<HexBytes>(json!("0x0a0b")),
            Ok(HexBytes::from(vec![10, 11]))
        );
        assert!(parse::<HexBytes>(json!("0xzz")).is_err());
        assert!(parse::<HexBytes>(json!("0a0b")).is_err());
        round_trip(HexBytes::from(vec![0, 255]));

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
        round_trip(BlockRef::Hash(hash));
        round_trip(BlockRef::Number(9));
        // The command line reads a block as the RPC does: `0x10` is block 16.
        assert_eq!("0x10".parse::<BlockRef>(), Ok(BlockRef::Number(16)));
        assert_eq!("7".parse::<BlockRef>(), Ok(BlockRef::Number(7)));
        assert!("seven"
            .parse::<BlockRef>()
            .unwrap_err()
            .contains("not a block"));

        assert_eq!(
            parse::<GasLimit>(json!({"refTime": 1, "proofSize": 2})),
            Ok(GasLimit(Gas {
                ref_time: 1,
                proof_size: 2
            }))
        );
        assert!(parse::<GasLimit>(json!(5)).unwrap_err().contains("refTime"));
    }
}
