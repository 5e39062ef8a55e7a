//! The API as an OpenRPC document (docs/openrpc.json): every method's parameters and
//! result with JSON Schemas generated from the Rust types, for the Explorer, for
//! clients in other languages and for checking the docs against the types.

use schemars::{generate::SchemaSettings, JsonSchema, SchemaGenerator};
use serde_json::{json, Value};

use crate::{coverage, debug, explore, insight, line_record, params, trace};

/// One method: its name, parameters (name, schema, required) and result schema.
struct Method {
    name: &'static str,
    params: Vec<(&'static str, Value, bool)>,
    result: Value,
}

/// Collects the methods, their types' schemas going to the document's components.
struct Document {
    generator: SchemaGenerator,
    methods: Vec<Method>,
}

impl Document {
    fn schema<T: JsonSchema>(&mut self) -> Value {
        self.generator.subschema_for::<T>().to_value()
    }

    fn param<T: JsonSchema>(&mut self, name: &'static str) -> (&'static str, Value, bool) {
        (name, self.schema::<T>(), true)
    }

    fn optional<T: JsonSchema>(&mut self, name: &'static str) -> (&'static str, Value, bool) {
        (name, self.schema::<T>(), false)
    }

    fn method<R: JsonSchema>(
        &mut self,
        name: &'static str,
        params: Vec<(&'static str, Value, bool)>,
    ) {
        let result = self.schema::<R>();
        self.methods.push(Method {
            name,
            params,
            result,
        });
    }
}

/// The OpenRPC document of Europa's own methods (`europa_*`; `engine_*` is
/// sc-consensus-manual-seal's).
pub fn document() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    let mut d = Document {
        generator: settings.into_generator(),
        methods: Vec::new(),
    };
    use params::{Account, Amount, BlockNumber, BlockRef, HashSchema as Hash, HexBytes};

    let p = (
        d.param::<trace::CallRequest>("request"),
        d.optional::<Hash>("at"),
    );
    d.method::<trace::CallReport>("europa_traceCall", vec![p.0, p.1]);
    let p = (
        d.param::<trace::InstantiateRequest>("request"),
        d.optional::<Hash>("at"),
    );
    d.method::<trace::InstantiateReport>("europa_traceInstantiate", vec![p.0, p.1]);
    let p = d.param::<BlockRef>("block");
    d.method::<Vec<trace::BlockTrace>>("europa_traceBlock", vec![p]);
    let p = (
        d.param::<BlockRef>("block"),
        d.optional::<Account>("contract"),
    );
    d.method::<Vec<trace::StorageChange>>("europa_modifiedStateKvs", vec![p.0, p.1]);
    let p = (d.param::<BlockRef>("block"), d.param::<u32>("index"));
    d.method::<Vec<trace::StateOperation>>("europa_extrinsicStateChanges", vec![p.0, p.1]);
    let p = (d.param::<BlockRef>("block"), d.param::<u32>("index"));
    d.method::<trace::ExtrinsicReport>("europa_traceExtrinsic", vec![p.0, p.1]);
    let p = (
        d.param::<trace::CallRequest>("request"),
        d.optional::<Hash>("at"),
    );
    d.method::<trace::CallReport>("europa_profileCall", vec![p.0, p.1]);
    let p = (d.param::<BlockRef>("block"), d.param::<u32>("index"));
    d.method::<trace::ExtrinsicReport>("europa_profileExtrinsic", vec![p.0, p.1]);
    let p = d.param::<line_record::LineRecordRequest>("request");
    d.method::<line_record::LineRecordAnswer>("europa_lineRecord", vec![p]);

    let p = d.param::<debug::DebugTarget>("target");
    d.method::<debug::Launched>("europa_debugLaunch", vec![p]);
    let session = |d: &mut Document| d.param::<u64>("session");
    let p = vec![
        session(&mut d),
        d.param::<String>("path"),
        d.param::<Vec<u32>>("lines"),
    ];
    d.method::<Vec<debug::Breakpoint>>("europa_debugSetBreakpoints", p);
    let p = vec![session(&mut d), d.param::<Vec<String>>("names")];
    d.method::<Vec<bool>>("europa_debugSetFunctionBreakpoints", p);
    let p = vec![session(&mut d), d.param::<Vec<debug::Exception>>("filters")];
    d.method::<Vec<debug::Exception>>("europa_debugSetExceptionFilters", p);
    let p = vec![session(&mut d), d.param::<debug::Move>("how")];
    d.method::<debug::StepState>("europa_debugStep", p);
    let p = vec![session(&mut d)];
    d.method::<debug::StepState>("europa_debugState", p);
    let p = vec![session(&mut d), d.optional::<u32>("frame")];
    d.method::<debug::FrameVariables>("europa_debugVariables", p);
    let p = vec![
        session(&mut d),
        d.param::<String>("expression"),
        d.optional::<u32>("frame"),
    ];
    d.method::<debug::Variable>("europa_debugEvaluate", p);
    let p = vec![
        session(&mut d),
        d.param::<u64>("address"),
        d.param::<u32>("count"),
        d.optional::<u32>("frame"),
    ];
    d.method::<debug::MemoryRead>("europa_debugReadMemory", p);
    let p = vec![session(&mut d)];
    d.method::<Vec<debug::StorageAccess>>("europa_debugStorage", p);
    let p = vec![session(&mut d)];
    d.method::<bool>("europa_debugClose", p);

    let filter = |d: &mut Document| {
        vec![
            d.optional::<Hash>("codeHash"),
            d.optional::<coverage::CoverageFilter>("filter"),
        ]
    };
    let p = filter(&mut d);
    d.method::<String>("europa_coverage", p);
    let p = filter(&mut d);
    d.method::<Vec<coverage::CoveredCode>>("europa_coverageReport", p);
    d.method::<u32>("europa_resetCoverage", vec![]);

    let p = d.param::<Value>("metadata");
    d.method::<insight::RegisteredContract>("europa_registerContract", vec![p]);
    let p = vec![d.param::<Hash>("codeHash"), d.param::<HexBytes>("wasm")];
    d.method::<insight::RegisteredDebugInfo>("europa_registerDebugInfo", p);
    d.method::<Vec<insight::RegisteredContract>>("europa_registeredContracts", vec![]);

    let p = d.param::<BlockRef>("block");
    d.method::<explore::BlockSummary>("europa_blockSummary", vec![p]);
    let p = d.optional::<Hash>("at");
    d.method::<Vec<explore::ContractSummary>>("europa_contracts", vec![p]);
    let p = vec![
        d.param::<Hash>("codeHash"),
        d.param::<String>("message"),
        d.param::<Vec<String>>("args"),
    ];
    d.method::<params::Bytes>("europa_encodeMessage", p);

    let p = d.param::<BlockNumber>("height");
    d.method::<BlockNumber>("europa_forwardToHeight", vec![p]);
    let p = d.param::<BlockNumber>("height");
    d.method::<BlockNumber>("europa_backwardToHeight", vec![p]);
    d.method::<u64>("europa_snapshot", vec![]);
    let p = d.param::<u64>("id");
    d.method::<bool>("europa_revert", vec![p]);
    let p = d.param::<u64>("ms");
    d.method::<i64>("europa_increaseTime", vec![p]);
    let p = d.param::<u64>("ms");
    d.method::<()>("europa_setNextBlockTimestamp", vec![p]);

    let p = vec![d.param::<Account>("account"), d.param::<Amount>("free")];
    d.method::<Hash>("europa_setBalance", p);
    let p = vec![
        d.param::<Vec<(HexBytes, Option<HexBytes>)>>("items"),
        d.optional::<Account>("contract"),
    ];
    d.method::<Hash>("europa_setStorage", p);
    let p = vec![d.param::<Account>("contract"), d.param::<Hash>("codeHash")];
    d.method::<Hash>("europa_setContractCode", p);

    let methods: Vec<Value> = d
        .methods
        .into_iter()
        .map(|method| {
            let params: Vec<Value> = method
                .params
                .into_iter()
                .map(|(name, schema, required)| {
                    json!({ "name": name, "required": required, "schema": schema })
                })
                .collect();
            json!({
                "name": method.name,
                "params": params,
                "result": { "name": "result", "schema": method.result },
            })
        })
        .collect();
    let schemas: serde_json::Map<String, Value> =
        d.generator.take_definitions(true).into_iter().collect();
    json!({
        "openrpc": "1.2.6",
        "info": {
            "title": "Europa",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Europa's own JSON-RPC methods (docs/rpc.md); the standard Substrate methods are not listed.",
        },
        "methods": methods,
        "components": { "schemas": schemas },
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    fn docs(file: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs")
            .join(file)
    }

    /// docs/openrpc.json is what the types say; `EUROPA_BLESS=1` rewrites it.
    #[test]
    fn the_published_openrpc_document_is_the_types_own() {
        let generated =
            serde_json::to_string_pretty(&super::document()).expect("serializes") + "\n";
        let path = docs("openrpc.json");
        if std::env::var_os("EUROPA_BLESS").is_some() {
            std::fs::write(&path, &generated).expect("docs/openrpc.json is writable");
        }
        let published = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            published == generated,
            "docs/openrpc.json differs from the types: run `EUROPA_BLESS=1 cargo test -p europa-rpc-api` and commit it"
        );
    }

    /// The reference (docs/rpc.md) documents exactly the methods the document lists
    /// (besides `engine_*`, manual seal's own).
    #[test]
    fn the_reference_documents_the_methods_the_types_declare() {
        let reference = std::fs::read_to_string(docs("rpc.md")).expect("docs/rpc.md");
        let mut documented: Vec<&str> = reference
            .lines()
            .filter_map(|line| line.strip_prefix("### `"))
            .filter_map(|line| line.split('`').next())
            .filter(|method| method.starts_with("europa_"))
            .collect();
        let document = super::document();
        let mut declared: Vec<&str> = document["methods"]
            .as_array()
            .expect("methods")
            .iter()
            .filter_map(|method| method["name"].as_str())
            .collect();
        documented.sort_unstable();
        declared.sort_unstable();
        assert_eq!(documented, declared);
    }
}
