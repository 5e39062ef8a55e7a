//! The runtime executed natively, as the node executes it: genesis, blocks with signed
//! transfers, bad transactions, metadata and the runtime API dispatcher.

use codec::{Decode, Encode};
use europa_runtime::{
    apis, configs::EXISTENTIAL_DEPOSIT, dev_tx, genesis, Balance, BuildStorage, Executive, Header,
    Nonce, Runtime, RuntimeCall, RuntimeEvent, System, UncheckedExtrinsic, VERSION,
};
use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
    traits::Header as HeaderT,
    transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
    ApplyExtrinsicResult,
};

fn dev_externalities() -> sp_io::TestExternalities {
    genesis::development()
        .build_storage()
        .expect("dev genesis builds")
        .into()
}

/// A transaction from `sender` signed with `key` (the same unless a test forges one).
fn signed(
    call: RuntimeCall,
    sender: Sr25519Keyring,
    key: Sr25519Keyring,
    nonce: Nonce,
) -> UncheckedExtrinsic {
    dev_tx::signed_by(call, sender, key, nonce, System::block_hash(0))
}

fn transfer(to: Sr25519Keyring, value: Balance) -> RuntimeCall {
    RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
        dest: to.to_account_id().into(),
        value,
    })
}

fn free_balance(who: Sr25519Keyring) -> Balance {
    pallet_balances::Pallet::<Runtime>::free_balance(who.to_account_id())
}

/// Opens block 1 with its timestamp inherent, runs `body`, and finalizes the block.
fn in_block<R>(body: impl FnOnce() -> R) -> R {
    let header = Header::new(
        1,
        Default::default(),
        Default::default(),
        System::block_hash(0),
        Default::default(),
    );
    Executive::initialize_block(&header);
    let timestamp =
        UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set {
            now: 1_000,
        }));
    Executive::apply_extrinsic(timestamp)
        .expect("inherent applies")
        .expect("inherent succeeds");
    let result = body();
    Executive::finalize_block();
    result
}

#[test]
fn dev_genesis_funds_the_dev_accounts_and_makes_alice_sudo() {
    dev_externalities().execute_with(|| {
        for account in Sr25519Keyring::well_known() {
            assert_eq!(free_balance(account), genesis::DEV_ENDOWMENT, "{account}");
        }
        assert_eq!(free_balance(Sr25519Keyring::One), 0);
        assert_eq!(
            pallet_sudo::Key::<Runtime>::get(),
            Some(Sr25519Keyring::Alice.to_account_id())
        );
        assert_eq!(genesis::dev_accounts().len(), 12);
    });
}

#[test]
fn a_signed_transfer_moves_funds_and_pays_a_fee() {
    dev_externalities().execute_with(|| {
        let (alice, bob) = (free_balance(Sr25519Keyring::Alice), free_balance(Sr25519Keyring::Bob));
        let amount = 10 * EXISTENTIAL_DEPOSIT;
        let xt = signed(transfer(Sr25519Keyring::Bob, amount), Sr25519Keyring::Alice, Sr25519Keyring::Alice, 0);
        let result: ApplyExtrinsicResult = in_block(|| Executive::apply_extrinsic(xt));
        assert_eq!(result, Ok(Ok(())));
        assert_eq!(free_balance(Sr25519Keyring::Bob), bob + amount);
        let fee = alice - amount - free_balance(Sr25519Keyring::Alice);
        assert!(fee > 0, "a fee was charged");
        assert_eq!(System::account_nonce(Sr25519Keyring::Alice.to_account_id()), 1);
        assert!(System::events().iter().any(|record| matches!(
            &record.event,
            RuntimeEvent::Balances(pallet_balances::Event::Transfer { amount: a, .. }) if *a == amount
        )));
    });
}

#[test]
fn a_forged_signature_is_rejected() {
    let forged = || {
        signed(
            transfer(Sr25519Keyring::Bob, 1_000),
            Sr25519Keyring::Alice,
            Sr25519Keyring::Eve,
            0,
        )
    };
    // As the transaction pool sees it...
    dev_externalities().execute_with(|| {
        let validity = Executive::validate_transaction(
            TransactionSource::External,
            forged(),
            System::block_hash(0),
        );
        assert_eq!(
            validity,
            Err(TransactionValidityError::Invalid(
                InvalidTransaction::BadProof
            ))
        );
    });
    // ...and as block production does.
    dev_externalities().execute_with(|| {
        assert_eq!(
            in_block(|| Executive::apply_extrinsic(forged())),
            Err(TransactionValidityError::Invalid(
                InvalidTransaction::BadProof
            ))
        );
    });
}

#[test]
fn a_stale_nonce_and_an_unfunded_sender_are_rejected() {
    dev_externalities().execute_with(|| {
        let first = signed(
            transfer(Sr25519Keyring::Bob, 1_000_000),
            Sr25519Keyring::Alice,
            Sr25519Keyring::Alice,
            0,
        );
        let replay = first.clone();
        let broke = signed(
            transfer(Sr25519Keyring::Bob, 1_000_000),
            Sr25519Keyring::One,
            Sr25519Keyring::One,
            0,
        );
        in_block(|| {
            assert_eq!(Executive::apply_extrinsic(first), Ok(Ok(())));
            assert_eq!(
                Executive::apply_extrinsic(replay),
                Err(TransactionValidityError::Invalid(InvalidTransaction::Stale))
            );
            assert_eq!(
                Executive::apply_extrinsic(broke),
                Err(TransactionValidityError::Invalid(
                    InvalidTransaction::Payment
                ))
            );
        });
    });
}

#[test]
fn metadata_v15_lists_exactly_the_extensions_subxt_knows() {
    dev_externalities().execute_with(|| {
        let bytes = Runtime::metadata_at_version(15).expect("metadata v15");
        let prefixed = RuntimeMetadataPrefixed::decode(&mut &bytes[..]).expect("decodes");
        let RuntimeMetadata::V15(metadata) = prefixed.1 else {
            panic!("not v15")
        };
        let extensions: Vec<_> = metadata
            .extrinsic
            .signed_extensions
            .iter()
            .map(|e| e.identifier.as_str())
            .collect();
        assert_eq!(
            extensions,
            [
                "CheckNonZeroSender",
                "CheckSpecVersion",
                "CheckTxVersion",
                "CheckGenesis",
                "CheckMortality",
                "CheckNonce",
                "CheckWeight",
                "ChargeTransactionPayment"
            ]
        );
        let pallets: Vec<_> = metadata.pallets.iter().map(|p| p.name.as_str()).collect();
        for pallet in [
            "System",
            "Timestamp",
            "Balances",
            "TransactionPayment",
            "Sudo",
            "Utility",
            "RandomnessCollectiveFlip",
        ] {
            assert!(pallets.contains(&pallet), "{pallet} in {pallets:?}");
        }
        // Clients see the signature type every chain has (Europa's verifies once).
        let signature = metadata
            .types
            .resolve(metadata.extrinsic.signature_ty.id)
            .expect("the signature type");
        assert_eq!(signature.path.segments, ["sp_runtime", "MultiSignature"]);
        assert!(Runtime::metadata_versions().contains(&15));
    });
}

#[test]
fn the_native_api_dispatcher_answers_runtime_api_calls() {
    dev_externalities().execute_with(|| {
        let version = apis::api::dispatch("Core_version", &[]).expect("Core_version exists");
        let decoded =
            sp_version::RuntimeVersion::decode(&mut &version[..]).expect("a RuntimeVersion");
        assert_eq!(decoded.spec_name, "europa");
        assert_eq!(decoded, VERSION);

        let nonce = apis::api::dispatch(
            "AccountNonceApi_account_nonce",
            &Sr25519Keyring::Alice.to_account_id().encode(),
        )
        .expect("AccountNonceApi exists");
        assert_eq!(Nonce::decode(&mut &nonce[..]).unwrap(), 0);

        assert!(apis::api::dispatch("NoSuchApi_method", &[]).is_none());

        let preset = apis::api::dispatch(
            "GenesisBuilder_get_preset",
            &Some(genesis::DEV_PRESET.to_string()).encode(),
        )
        .expect("GenesisBuilder exists");
        let preset = Option::<Vec<u8>>::decode(&mut &preset[..])
            .unwrap()
            .expect("the dev preset");
        let json: serde_json::Value = serde_json::from_slice(&preset).expect("JSON");
        assert_eq!(
            json["balances"]["balances"].as_array().map(Vec::len),
            Some(12)
        );
    });
}
