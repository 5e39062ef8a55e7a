//! The first screen: once the node serves, where to reach it, which accounts to use and
//! where the chain lives, as a newcomer needs them (Anvil's start-up screen is the model).

use std::{net::SocketAddr, path::Path};

use sp_core::crypto::{Ss58AddressFormat, Ss58Codec};
use sp_keyring::Sr25519Keyring;

use crate::chain_spec::TOKEN_SYMBOL;

/// The SS58 prefix the dev chain's properties give clients.
const SS58_PREFIX: u16 = 42;

/// What the banner says.
pub struct Banner<'a> {
    pub rpc: &'a [SocketAddr],
    /// The chain's id; the dev accounts are listed on the dev chain only.
    pub chain_id: &'a str,
    pub chain_dir: &'a Path,
    /// `--tmp`: the directory goes when the node stops.
    pub temporary: bool,
}

impl Banner<'_> {
    /// The banner's text (logged once, under target `europa`).
    pub fn text(&self) -> String {
        let mut lines = vec!["Europa is ready".to_owned()];
        if let Some(rpc) = self.rpc.first() {
            lines.push(format!("  RPC         ws://{rpc} (HTTP on the same port)"));
        }
        let kept = match self.temporary {
            true => " (a throwaway directory, removed when the node stops)",
            false => "",
        };
        lines.push(format!("  Chain       {}{kept}", self.chain_dir.display()));
        if self.chain_id == crate::chain_spec::DEV_CHAIN_ID {
            lines.push(format!(
                "  Accounts    funded with {TOKEN_SYMBOL}, sr25519 (seed: their URI); Alice is sudo"
            ));
            for account in DEV_ACCOUNTS {
                let address = account
                    .to_account_id()
                    .to_ss58check_with_version(Ss58AddressFormat::custom(SS58_PREFIX));
                lines.push(format!(
                    "    {:<8} {address}  //{account:?}",
                    format!("{account:?}")
                ));
            }
            lines.push("    and their stash accounts (//Alice//stash, …)".to_owned());
        }
        lines.join("\n")
    }
}

const DEV_ACCOUNTS: [Sr25519Keyring; 6] = [
    Sr25519Keyring::Alice,
    Sr25519Keyring::Bob,
    Sr25519Keyring::Charlie,
    Sr25519Keyring::Dave,
    Sr25519Keyring::Eve,
    Sr25519Keyring::Ferdie,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_chain_lists_its_accounts_with_their_addresses_and_seeds() {
        let rpc = ["127.0.0.1:9944".parse().unwrap()];
        let banner = Banner {
            rpc: &rpc,
            chain_id: crate::chain_spec::DEV_CHAIN_ID,
            chain_dir: Path::new("/tmp/x/chains/europa_dev"),
            temporary: true,
        };
        let text = banner.text();
        assert!(text.contains("ws://127.0.0.1:9944"), "{text}");
        assert!(
            text.contains("Alice    5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY  //Alice"),
            "{text}"
        );
        assert!(text.contains("removed when the node stops"), "{text}");
        let other = Banner {
            chain_id: "exported",
            ..banner
        };
        assert!(!other.text().contains("//Alice"));
    }
}
