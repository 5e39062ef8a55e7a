//! Bytes as Europa writes them: `0x`-prefixed lower-case hex, in RPC answers and the
//! log alike.

/// `bytes` as `0x`-prefixed lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    sp_core::bytes::to_hex(bytes, false)
}

/// `bytes` as lower-case hex digits without the prefix, for file names.
pub fn hex_digits(bytes: &[u8]) -> String {
    let mut digits = hex(bytes);
    digits.drain(..2);
    digits
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_prefixed_and_digits_are_not() {
        assert_eq!(super::hex(&[0xab, 0x01]), "0xab01");
        assert_eq!(super::hex(&[]), "0x");
        assert_eq!(super::hex_digits(&[0xab, 0x01]), "ab01");
        // Whole, however long (no abbreviation in the middle).
        assert_eq!(super::hex_digits(&[7; 2048]).len(), 4096);
    }
}
