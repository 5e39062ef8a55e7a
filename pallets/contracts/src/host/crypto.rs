//! Hashes and signatures.

use pallet_contracts_uapi::ReturnErrorCode;

use super::{declare::host_functions, Host};
use crate::{costs::Cost, exec::Stop, Config};

host_functions! {
    /// Writes the SHA2-256 hash of `input_len` bytes at `input_ptr` to `out_ptr` (32 bytes).
    #[host(seal0, prefixed)]
    fn hash_sha2_256(h, input_ptr: u32, input_len: u32, out_ptr: u32) {
        hash(h, input_ptr, input_len, out_ptr, Cost::HashSha256, sp_io::hashing::sha2_256)
    }

    /// Writes the Keccak-256 hash of the input to `out_ptr` (32 bytes).
    #[host(seal0, prefixed)]
    fn hash_keccak_256(h, input_ptr: u32, input_len: u32, out_ptr: u32) {
        hash(h, input_ptr, input_len, out_ptr, Cost::HashKeccak256, sp_io::hashing::keccak_256)
    }

    /// Writes the BLAKE2-256 hash of the input to `out_ptr` (32 bytes).
    #[host(seal0, prefixed)]
    fn hash_blake2_256(h, input_ptr: u32, input_len: u32, out_ptr: u32) {
        hash(h, input_ptr, input_len, out_ptr, Cost::HashBlake256, sp_io::hashing::blake2_256)
    }

    /// Writes the BLAKE2-128 hash of the input to `out_ptr` (16 bytes).
    #[host(seal0, prefixed)]
    fn hash_blake2_128(h, input_ptr: u32, input_len: u32, out_ptr: u32) {
        hash(h, input_ptr, input_len, out_ptr, Cost::HashBlake128, sp_io::hashing::blake2_128)
    }

    /// Recovers the compressed ECDSA public key (33 bytes) that made the 65-byte
    /// signature of a 32-byte message hash.
    #[host(seal0, prefixed)]
    fn ecdsa_recover(
        h,
        signature_ptr: u32,
        message_hash_ptr: u32,
        out_ptr: u32,
    ) -> ReturnErrorCode {
        h.charge(Cost::EcdsaRecovery)?;
        let signature = h.read_array::<65>(signature_ptr)?;
        let message_hash = h.read_array::<32>(message_hash_ptr)?;
        h.arg_bytes("signature", &signature);
        h.arg_bytes("message_hash", &message_hash);
        match sp_io::crypto::secp256k1_ecdsa_recover_compressed(&signature, &message_hash) {
            Ok(public) => {
                h.write(out_ptr, &public)?;
                Ok(ReturnErrorCode::Success)
            }
            Err(_) => Ok(ReturnErrorCode::EcdsaRecoveryFailed),
        }
    }

    /// Writes the 20-byte Ethereum address of a compressed ECDSA public key.
    #[host(seal0, prefixed)]
    fn ecdsa_to_eth_address(h, key_ptr: u32, out_ptr: u32) -> ReturnErrorCode {
        h.charge(Cost::EcdsaToEthAddress)?;
        let key = h.read_array::<33>(key_ptr)?;
        h.arg_bytes("public_key", &key);
        match eth_address(&key) {
            Some(address) => {
                h.write(out_ptr, &address)?;
                Ok(ReturnErrorCode::Success)
            }
            None => Ok(ReturnErrorCode::EcdsaRecoveryFailed),
        }
    }

    /// Verifies a 64-byte sr25519 signature of `message_len` bytes by a 32-byte public key.
    #[host(seal0)]
    fn sr25519_verify(
        h,
        signature_ptr: u32,
        public_key_ptr: u32,
        message_len: u32,
        message_ptr: u32,
    ) -> ReturnErrorCode {
        h.charge(Cost::Sr25519Verify(message_len))?;
        let signature = h.read_array::<64>(signature_ptr)?;
        let public_key = h.read_array::<32>(public_key_ptr)?;
        let message = h.read(message_ptr, message_len)?;
        h.arg_bytes("signature", &signature);
        h.arg_bytes("public_key", &public_key);
        h.arg_bytes("message", &message);
        let signature = sp_core::sr25519::Signature::from_raw(signature);
        let public_key = sp_core::sr25519::Public::from_raw(public_key);
        if sp_io::crypto::sr25519_verify(&signature, &message, &public_key) {
            Ok(ReturnErrorCode::Success)
        } else {
            Ok(ReturnErrorCode::Sr25519VerifyFailed)
        }
    }
}

/// The hash functions' common shape: the input is priced by length, the hash written
/// without a length.
fn hash<T: Config, const N: usize>(
    h: &mut Host<'_, '_, T>,
    input_ptr: u32,
    input_len: u32,
    out_ptr: u32,
    cost: fn(u32) -> Cost,
    hasher: fn(&[u8]) -> [u8; N],
) -> Result<(), Stop> {
    h.charge(cost(input_len))?;
    let input = h.read(input_ptr, input_len)?;
    h.arg_bytes("input", &input);
    h.write(out_ptr, &hasher(&input))
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
