//! Hashes and signatures.

use europa_sandbox::Value;
use pallet_contracts_uapi::ReturnErrorCode;

use super::{host_fn, u32_args, Alias, Ctx, Definer, HostResult, Returned, I32};
use crate::{costs::Cost, Config};

pub fn define<T: Config>(d: &mut Definer<'_, T>) {
    d.func(
        "seal0",
        "hash_sha2_256",
        Alias::Prefixed,
        &[I32, I32, I32],
        &[],
        sha2_256::<T>,
    );
    d.func(
        "seal0",
        "hash_keccak_256",
        Alias::Prefixed,
        &[I32, I32, I32],
        &[],
        keccak_256::<T>,
    );
    d.func(
        "seal0",
        "hash_blake2_256",
        Alias::Prefixed,
        &[I32, I32, I32],
        &[],
        blake2_256::<T>,
    );
    d.func(
        "seal0",
        "hash_blake2_128",
        Alias::Prefixed,
        &[I32, I32, I32],
        &[],
        blake2_128::<T>,
    );
    d.func(
        "seal0",
        "ecdsa_recover",
        Alias::Prefixed,
        &[I32, I32, I32],
        &[I32],
        ecdsa_recover::<T>,
    );
    d.func(
        "seal0",
        "ecdsa_to_eth_address",
        Alias::Prefixed,
        &[I32, I32],
        &[I32],
        ecdsa_to_eth_address::<T>,
    );
    d.func(
        "seal0",
        "sr25519_verify",
        Alias::None,
        &[I32, I32, I32, I32],
        &[I32],
        sr25519_verify::<T>,
    );
}

fn hash<T: Config, const N: usize>(
    ctx: &mut Ctx<'_, T>,
    name: &'static str,
    args: &[Value],
    cost: fn(u32) -> Cost,
    hasher: fn(&[u8]) -> [u8; N],
) -> HostResult {
    host_fn(ctx, name, |h| {
        let [input, len, out] = u32_args(args);
        h.charge(cost(len))?;
        let input = h.read(input, len)?;
        h.arg_bytes("input", &input);
        h.write(out, &hasher(&input))?;
        Ok(Returned::Unit)
    })
}

fn sha2_256<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    hash(
        ctx,
        "seal0.hash_sha2_256",
        args,
        Cost::HashSha256,
        sp_io::hashing::sha2_256,
    )
}

fn keccak_256<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    hash(
        ctx,
        "seal0.hash_keccak_256",
        args,
        Cost::HashKeccak256,
        sp_io::hashing::keccak_256,
    )
}

fn blake2_256<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    hash(
        ctx,
        "seal0.hash_blake2_256",
        args,
        Cost::HashBlake256,
        sp_io::hashing::blake2_256,
    )
}

fn blake2_128<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    hash(
        ctx,
        "seal0.hash_blake2_128",
        args,
        Cost::HashBlake128,
        sp_io::hashing::blake2_128,
    )
}

fn ecdsa_recover<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.ecdsa_recover", |h| {
        let [signature, message_hash, out] = u32_args(args);
        h.charge(Cost::EcdsaRecovery)?;
        let signature = h.read_array::<65>(signature)?;
        let message_hash = h.read_array::<32>(message_hash)?;
        h.arg_bytes("signature", &signature);
        h.arg_bytes("message_hash", &message_hash);
        match sp_io::crypto::secp256k1_ecdsa_recover_compressed(&signature, &message_hash) {
            Ok(public) => {
                h.write(out, &public)?;
                Ok(ReturnErrorCode::Success.into())
            }
            Err(_) => Ok(ReturnErrorCode::EcdsaRecoveryFailed.into()),
        }
    })
}

fn ecdsa_to_eth_address<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.ecdsa_to_eth_address", |h| {
        let [key, out] = u32_args(args);
        h.charge(Cost::EcdsaToEthAddress)?;
        let key = h.read_array::<33>(key)?;
        h.arg_bytes("public_key", &key);
        match eth_address(&key) {
            Some(address) => {
                h.write(out, &address)?;
                Ok(ReturnErrorCode::Success.into())
            }
            None => Ok(ReturnErrorCode::EcdsaRecoveryFailed.into()),
        }
    })
}

/// The Ethereum address of a compressed secp256k1 public key: the last 20 bytes of
/// the Keccak-256 of the uncompressed key without its prefix byte.
fn eth_address(compressed: &[u8; 33]) -> Option<[u8; 20]> {
    use k256::elliptic_curve::sec1::ToEncodedPoint;
    let key = k256::PublicKey::from_sec1_bytes(compressed).ok()?;
    let uncompressed = key.to_encoded_point(false);
    let hash = sp_io::hashing::keccak_256(&uncompressed.as_bytes()[1..]);
    hash[12..].try_into().ok()
}

fn sr25519_verify<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.sr25519_verify", |h| {
        let [signature, public_key, message_len, message] = u32_args(args);
        h.charge(Cost::Sr25519Verify(message_len))?;
        let signature = h.read_array::<64>(signature)?;
        let public_key = h.read_array::<32>(public_key)?;
        let message = h.read(message, message_len)?;
        h.arg_bytes("signature", &signature);
        h.arg_bytes("public_key", &public_key);
        h.arg_bytes("message", &message);
        let signature = sp_core::sr25519::Signature::from_raw(signature);
        let public_key = sp_core::sr25519::Public::from_raw(public_key);
        if sp_io::crypto::sr25519_verify(&signature, &message, &public_key) {
            Ok(ReturnErrorCode::Success.into())
        } else {
            Ok(ReturnErrorCode::Sr25519VerifyFailed.into())
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn eth_address_of_a_known_key() {
        // The public key of private key 1 (the generator point) and its well-known address.
        let key: [u8; 33] = [
            2, 121, 190, 102, 126, 249, 220, 187, 172, 85, 160, 98, 149, 206, 135, 11, 7, 2, 155,
            252, 219, 45, 206, 40, 217, 89, 242, 129, 91, 22, 248, 23, 152,
        ];
        let address = super::eth_address(&key).expect("a valid key");
        assert_eq!(
            address,
            [
                126, 95, 69, 82, 9, 26, 105, 18, 93, 93, 252, 183, 184, 194, 101, 144, 41, 57, 91,
                223
            ]
        );
        assert_eq!(super::eth_address(&[0u8; 33]), None);
    }
}
