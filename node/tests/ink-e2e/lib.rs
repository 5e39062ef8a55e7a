//! A contract and its ink_e2e 5.1 tests, which the e2e framework runs against the node
//! named by `CONTRACTS_NODE` (scripts/test-compat.sh points it at `europa`): deploy, a
//! dry run and a submitted call, an event, a reverted message and a call from one
//! instance to another.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod counter {
    use ink::env::call::{build_call, ExecutionInput, Selector};

    #[ink(storage)]
    pub struct Counter {
        value: u32,
    }

    /// The value changed.
    #[ink(event)]
    pub struct Changed {
        #[ink(topic)]
        by: AccountId,
        old: u32,
        new: u32,
    }

    #[derive(Debug, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        /// Zero is refused by `checked_set`.
        Zero,
        /// The other instance's call failed.
        CallFailed,
    }

    impl Counter {
        #[ink(constructor)]
        pub fn new(init: u32) -> Self {
            Self { value: init }
        }

        #[ink(message)]
        pub fn get(&self) -> u32 {
            self.value
        }

        #[ink(message)]
        pub fn set(&mut self, value: u32) {
            let old = core::mem::replace(&mut self.value, value);
            self.env().emit_event(Changed {
                by: self.env().caller(),
                old,
                new: value,
            });
        }

        /// Sets a value other than zero; zero reverts the call.
        #[ink(message)]
        pub fn checked_set(&mut self, value: u32) -> Result<(), Error> {
            if value == 0 {
                return Err(Error::Zero);
            }
            self.set(value);
            Ok(())
        }

        /// Calls `set(value)` on another instance, then returns what its `get` says.
        #[ink(message)]
        pub fn set_other(&mut self, other: AccountId, value: u32) -> Result<u32, Error> {
            build_call::<Environment>()
                .call(other)
                .exec_input(
                    ExecutionInput::new(Selector::new(ink::selector_bytes!("set"))).push_arg(value),
                )
                .returns::<()>()
                .try_invoke()
                .map_err(|_| Error::CallFailed)?
                .map_err(|_| Error::CallFailed)?;
            build_call::<Environment>()
                .call(other)
                .exec_input(ExecutionInput::new(Selector::new(ink::selector_bytes!(
                    "get"
                ))))
                .returns::<u32>()
                .try_invoke()
                .map_err(|_| Error::CallFailed)?
                .map_err(|_| Error::CallFailed)
        }
    }

    #[cfg(all(test, feature = "e2e-tests"))]
    mod e2e_tests {
        use super::*;
        use ink_e2e::ContractsBackend;

        type E2EResult<T> = Result<T, Box<dyn std::error::Error>>;

        #[ink_e2e::test]
        async fn deploy_call_and_event<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
            let mut constructor = CounterRef::new(5);
            let contract = client
                .instantiate("europa-ink-e2e", &ink_e2e::alice(), &mut constructor)
                .submit()
                .await
                .expect("instantiate failed");
            let mut call_builder = contract.call_builder::<Counter>();

            let get = client
                .call(&ink_e2e::bob(), &call_builder.get())
                .dry_run()
                .await?;
            assert_eq!(get.return_value(), 5);

            let set = client
                .call(&ink_e2e::bob(), &call_builder.set(7))
                .submit()
                .await
                .expect("set failed");
            let events = set.contract_emitted_events()?;
            assert_eq!(events.len(), 1);
            let changed: Changed = ink::scale::Decode::decode(&mut &events[0].event.data[..])?;
            assert_eq!((changed.old, changed.new), (5, 7));
            assert_eq!(
                changed.by,
                ink_e2e::account_id(ink_e2e::AccountKeyring::Bob)
            );

            let get = client
                .call(&ink_e2e::bob(), &call_builder.get())
                .dry_run()
                .await?;
            assert_eq!(get.return_value(), 7);
            Ok(())
        }

        #[ink_e2e::test]
        async fn a_reverted_message<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
            let mut constructor = CounterRef::new(5);
            let contract = client
                .instantiate("europa-ink-e2e", &ink_e2e::alice(), &mut constructor)
                .submit()
                .await
                .expect("instantiate failed");
            let mut call_builder = contract.call_builder::<Counter>();

            let dry_run = client
                .call(&ink_e2e::alice(), &call_builder.checked_set(0))
                .dry_run()
                .await?;
            assert_eq!(dry_run.return_value(), Err(Error::Zero));
            let submitted = client
                .call(&ink_e2e::alice(), &call_builder.checked_set(0))
                .submit()
                .await;
            assert!(
                submitted.is_err(),
                "a reverting message must not be submitted"
            );

            let get = client
                .call(&ink_e2e::alice(), &call_builder.get())
                .dry_run()
                .await?;
            assert_eq!(get.return_value(), 5);
            Ok(())
        }

        #[ink_e2e::test]
        async fn one_instance_calls_another<Client: E2EBackend>(
            mut client: Client,
        ) -> E2EResult<()> {
            let mut first = CounterRef::new(1);
            let first = client
                .instantiate("europa-ink-e2e", &ink_e2e::alice(), &mut first)
                .submit()
                .await
                .expect("instantiate failed");
            let mut second = CounterRef::new(2);
            let second = client
                .instantiate("europa-ink-e2e", &ink_e2e::alice(), &mut second)
                .submit()
                .await
                .expect("instantiate failed");

            let mut first_builder = first.call_builder::<Counter>();
            let set_other = client
                .call(
                    &ink_e2e::charlie(),
                    &first_builder.set_other(second.account_id, 42),
                )
                .submit()
                .await
                .expect("set_other failed");
            // The event comes from the instance that was called, naming its caller.
            let events = set_other.contract_emitted_events()?;
            assert_eq!(events.len(), 1);
            assert_eq!(events[0].event.contract, second.account_id);
            let changed: Changed = ink::scale::Decode::decode(&mut &events[0].event.data[..])?;
            assert_eq!(changed.by, first.account_id);
            assert_eq!(set_other.return_value(), Ok(42));

            let second_builder = second.call_builder::<Counter>();
            let get = client
                .call(&ink_e2e::alice(), &second_builder.get())
                .dry_run()
                .await?;
            assert_eq!(get.return_value(), 42);
            Ok(())
        }
    }
}
