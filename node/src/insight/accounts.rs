//! Accounts and balances as a developer reads them: SS58 (the chain's prefix 42), the
//! dev account's name when it is one, balances in the chain's token.

use std::{collections::HashMap, sync::LazyLock};

use sp_core::crypto::{AccountId32, Ss58Codec};
use sp_keyring::Sr25519Keyring;

use crate::chain_spec::{TOKEN_DECIMALS, TOKEN_SYMBOL};

/// The funded dev accounts (`Alice`, `Alice//stash`, ...) by their account id.
static DEV_ACCOUNTS: LazyLock<HashMap<[u8; 32], &'static str>> = LazyLock::new(|| {
    Sr25519Keyring::iter()
        .map(|keyring| {
            (
                keyring.to_account_id().into(),
                <&'static str>::from(keyring),
            )
        })
        .collect()
});

/// The dev accounts' SS58 addresses and names.
static DEV_ADDRESSES: LazyLock<Vec<(String, &'static str)>> = LazyLock::new(|| {
    DEV_ACCOUNTS
        .iter()
        .map(|(id, name)| (ss58(id), *name))
        .collect()
});

/// `text` with every dev account's SS58 address replaced by its name.
pub fn with_dev_names(text: &str) -> String {
    let mut named = text.to_owned();
    for (address, name) in DEV_ADDRESSES.iter() {
        if named.contains(address.as_str()) {
            named = named.replace(address.as_str(), name);
        }
    }
    named
}

/// Runtime values as `Debug` prints them, with each account (`AccountId32` prints as 64
/// hex digits and the start of its SS58, `d435…a27d (5GrwvaEF...)`) as its dev name or
/// whole SS58 address.
pub fn with_accounts_named(debug: &str) -> String {
    const HEX_LEN: usize = 64;
    let bytes = debug.as_bytes();
    let mut named = String::with_capacity(debug.len());
    let mut at = 0;
    while at < debug.len() {
        let run = bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        let starts_word = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let account = (run == HEX_LEN && starts_word)
            .then(|| sp_core::bytes::from_hex(&debug[at..at + HEX_LEN]).ok())
            .flatten();
        match account {
            Some(account) => {
                named.push_str(&dev_name(&account).map_or_else(|| ss58(&account), str::to_owned));
                at += HEX_LEN;
                let abbreviation = debug[at..]
                    .strip_prefix(" (")
                    .and_then(|rest| rest.find("...)").filter(|end| *end <= 12));
                if let Some(end) = abbreviation {
                    at += " (".len() + end + "...)".len();
                }
            }
            None => {
                let end = at + run.max(debug[at..].chars().next().map_or(1, char::len_utf8));
                named.push_str(&debug[at..end]);
                at = end;
            }
        }
    }
    named
}

/// The dev account's name (`Alice`), if `account` is one.
pub fn dev_name(account: &[u8]) -> Option<&'static str> {
    let id: [u8; 32] = account.try_into().ok()?;
    DEV_ACCOUNTS.get(&id).copied()
}

/// SS58 for a 32-byte account, hex for anything else.
pub fn ss58(account: &[u8]) -> String {
    match <[u8; 32]>::try_from(account) {
        Ok(id) => AccountId32::from(id).to_ss58check(),
        Err(_) => crate::hex::hex(account),
    }
}

/// What the log shows for an account: its dev name, or its SS58 shortened.
pub fn short(account: &[u8]) -> String {
    if let Some(name) = dev_name(account) {
        return name.to_owned();
    }
    let full = ss58(account);
    match (full.get(..6), full.get(full.len().saturating_sub(4)..)) {
        (Some(head), Some(tail)) if full.len() > 12 => format!("{head}…{tail}"),
        _ => full,
    }
}

/// A balance in the chain's token: `1.5 UNIT`, `0.000001 UNIT`.
pub fn balance(amount: u128) -> String {
    let unit = 10u128.pow(TOKEN_DECIMALS);
    let (whole, fraction) = (amount / unit, amount % unit);
    if fraction == 0 {
        return format!("{whole} {TOKEN_SYMBOL}");
    }
    let digits = format!("{fraction:0width$}", width = TOKEN_DECIMALS as usize);
    format!("{whole}.{} {TOKEN_SYMBOL}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::hex_digits as hex;

    #[test]
    fn accounts_in_debug_text_read_as_names_or_ss58() {
        let alice: [u8; 32] = Sr25519Keyring::Alice.to_account_id().into();
        let other = [7u8; 32];
        let debug = format!(
            "Transfer {{ from: {} (5GrwvaEF...), to: {}, hash: 0x{}, amount: 5 }}",
            hex(&alice),
            hex(&other),
            hex(&other)
        );
        assert_eq!(
            with_accounts_named(&debug),
            format!(
                "Transfer {{ from: Alice, to: {}, hash: 0x{}, amount: 5 }}",
                ss58(&other),
                hex(&other)
            )
        );
        assert_eq!(with_accounts_named("é ünïcode 12"), "é ünïcode 12");
    }

    #[test]
    fn dev_accounts_have_names_and_others_ss58() {
        let alice: [u8; 32] = Sr25519Keyring::Alice.to_account_id().into();
        assert_eq!(dev_name(&alice), Some("Alice"));
        assert_eq!(short(&alice), "Alice");
        assert_eq!(
            ss58(&alice),
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        );
        let other = ss58(&[7; 32]);
        assert_eq!(
            short(&[7; 32]),
            format!("{}…{}", &other[..6], &other[other.len() - 4..])
        );
        assert_eq!(dev_name(&[7; 32]), None);
        assert_eq!(ss58(&[1, 2]), "0x0102");
        let bob = Sr25519Keyring::Bob.to_account_id().to_ss58check();
        assert_eq!(
            with_dev_names(&format!("Some({bob}), {bob}")),
            "Some(Bob), Bob"
        );
    }

    #[test]
    fn balances_read_in_units() {
        assert_eq!(balance(0), format!("0 {TOKEN_SYMBOL}"));
        assert_eq!(balance(1_500_000_000_000), format!("1.5 {TOKEN_SYMBOL}"));
        assert_eq!(balance(1_000_000), format!("0.000001 {TOKEN_SYMBOL}"));
    }
}
