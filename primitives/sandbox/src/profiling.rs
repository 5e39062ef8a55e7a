//! Deterministic gas profiles (wasmtime): where a call's fuel went, by WASM function and
//! by host function, as a call tree — counted, not sampled, so the same call gives the
//! same profile every time.
//!
//! A profiled module is instrumented: [`HOOKS`] host functions are imported after the
//! module's own imports (`europa_profile.enter`, `.leave`, `.line`, `.reach` and the
//! capture hooks, shifting the defined functions' indices by that many), each defined
//! function's body is wrapped in a
//! block between `enter(index)` and `leave(index)`, and every `return` is preceded by
//! `leave(index)`. A `br` to the function's own label now leaves the wrapping block, so
//! every way out but a trap passes `leave`. Given the offsets where source lines start,
//! `line(offset)` also marks each of them, and every place control arrives other than
//! from the instruction before. For coverage and line records, `reach(offset)` marks
//! every other place a straight run of instructions starts ([`block_starts`]: after
//! `if`, `br_if` and calls too), so that how often each instruction ran follows from
//! the hits of the run it belongs to. The hooks read the store's fuel, and give back the two
//! units their own `i32.const` and `call` cost, so a profiled run burns exactly the
//! fuel of an unprofiled one. A host function's call is a node of its own, under the
//! WASM function that made it, and the profile lists the node of every host call in
//! order: the host knows what the call charged (the contracts pallet takes it from the
//! gas left, not the fuel) and puts it there.
//!
//! For a debugger's variables, a [`Capture`] names the functions whose locals are
//! wanted: in them, every marked place and every call is preceded by `site(offset)` and
//! one `capture_*(index, value)` per local and global (their fuel given back too), so
//! the host always knows each such frame's locals as of its latest marked place or
//! call; at the capture point it keeps those with a copy of the linear memory (a
//! [`Snapshot`]). DWARF is dropped from the instrumented
//! module (its offsets moved), so its trap backtraces have no source lines; the `name`
//! section is kept, with its indices remapped.

#[cfg(feature = "std")]
use alloc::collections::BTreeMap;
use alloc::{string::String, vec::Vec};

#[cfg(feature = "std")]
pub use instrument::block_starts;
#[cfg(feature = "std")]
pub(crate) use instrument::{instrument, FUEL_PER_CAPTURE, FUEL_PER_HOOK, HOOKS};

/// What a profiled instance records besides where its fuel goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Instrumentation<'a> {
    /// Offsets of the instructions that start a source line: fuel is recorded by line
    /// in the functions that have some.
    pub line_starts: &'a [u32],
    /// Whether every straight run of instructions is marked (see [`block_starts`]), so
    /// that the profile's `hits` say how often each instruction ran.
    pub every_block: bool,
    /// Steps the profile keeps in order (one per line or run entered); past that they
    /// are counted in `steps_dropped`.
    pub max_steps: u32,
    /// The state to keep at one point of the run, for a debugger.
    pub capture: Option<Capture<'a>>,
}

/// The state a profiled run keeps at one point: the locals of the functions on the
/// stack there, the globals, and the linear memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capture<'a> {
    /// The functions (by index in the original module) whose locals are wanted: those
    /// on the stack at `at`. Others' frames are kept without locals.
    pub functions: &'a [u32],
    /// The point to take the snapshot at.
    pub at: CapturePoint,
}

/// Where a [`Capture`] is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapturePoint {
    /// At the marked place reached `n`-th (counting from 0, kept steps and dropped
    /// ones alike): before its first instruction runs.
    Step(u64),
    /// As the `n`-th host call starts (counting from 0).
    HostCall(u32),
}

/// The state of a run at a [`Capture`]'s point.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The WASM frames on the stack, outermost first.
    pub frames: Vec<FrameSnapshot>,
    /// Each global's value (by index, imports first), `None` if never captured.
    pub globals: Vec<Option<crate::Value>>,
    /// The linear memory.
    pub memory: Vec<u8>,
}

/// One WASM frame of a [`Snapshot`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrameSnapshot {
    /// The function (index in the original module).
    pub function: u32,
    /// The offset of the place its locals were last captured at: for the innermost
    /// frame at a step, the step's; for the others, the call they are in. `None` for
    /// functions whose locals were not asked for.
    pub offset: Option<u32>,
    /// Its locals (parameters first), as last captured.
    pub locals: Vec<Option<crate::Value>>,
}

/// Locals of one function a capture keeps at most; the rest read as unknown.
pub const MAX_CAPTURED_LOCALS: u32 = 512;

/// Globals a capture keeps at most (the first ones; contracts have a stack pointer or
/// two); the rest read as unknown.
pub const MAX_CAPTURED_GLOBALS: u32 = 16;

/// Capture calls one instrumented module holds at most, shared by the functions
/// captured: a function with many places and many locals keeps fewer of its locals, so
/// that code a contract shapes cannot make the module it is compiled to huge.
pub const MAX_CAPTURES_PER_MODULE: usize = 1 << 18;

/// The index a global's capture is reported under (locals use their own index).
pub const CAPTURED_GLOBAL: u32 = 1 << 31;

#[cfg(feature = "std")]
/// Why an instance stopped once its snapshot was taken (a trap: the rest of a run made
/// for a snapshot is not wanted).
pub(crate) const SNAPSHOT_TAKEN: &str = "stopped: the snapshot asked for is taken";

#[cfg(feature = "std")]
mod instrument {
    use alloc::{
        collections::BTreeMap,
        format,
        string::{String, ToString},
        vec::Vec,
    };

    use wasm_encoder::reencode::{self, Reencode};
    use wasmparser::{FunctionBody, Operator, Parser, Payload, TypeRef, ValType};

    /// The module the hooks are imported from.
    pub(crate) const HOOK_MODULE: &str = "europa_profile";
    /// Fuel one hook call costs on wasmtime (`i32.const`, `call`), given back by the hook.
    pub(crate) const FUEL_PER_HOOK: u64 = 2;

    /// Fuel one capture costs (`i32.const`, `local.get` or `global.get`, `call`), given
    /// back by the hook.
    pub(crate) const FUEL_PER_CAPTURE: u64 = 3;

    /// Hooks imported: `enter`, `leave`, `line`, `reach`, `site`, then `capture_i32`,
    /// `capture_i64`, `capture_f32`, `capture_f64`.
    pub(crate) const HOOKS: u32 = 9;

    /// The capture hooks' names, by the type of the value they take.
    pub(crate) const CAPTURE_HOOKS: [(&str, ValType); 4] = [
        ("capture_i32", ValType::I32),
        ("capture_i64", ValType::I64),
        ("capture_f32", ValType::F32),
        ("capture_f64", ValType::F64),
    ];

    /// A module instrumented for profiling.
    pub(crate) struct Instrumented {
        pub code: Vec<u8>,
        /// The original module's imported functions: the index of `enter` (`leave` and
        /// `line` follow).
        pub hooks_at: u32,
    }

    /// Instruments `code` (valid WASM, already validated by the sandbox). Where
    /// line starts (offsets in `code` of the instructions that begin a source line)
    /// are given, fuel is also recorded by line: a `line(offset)` hook runs before each
    /// of them and wherever control can arrive other than from the instruction before
    /// (a function's start, after `loop`, `else` and a block's `end`). With
    /// `every_block`, a `reach(offset)` hook marks every other block start.
    pub(crate) fn instrument(
        code: &[u8],
        instrumentation: &super::Instrumentation<'_>,
    ) -> Result<Instrumented, String> {
        let shape = Shape::read(code)?;
        let mut instrumenter = Instrumenter {
            shape,
            next_function: 0,
            line_starts: instrumentation.line_starts.iter().copied().collect(),
            every_block: instrumentation.every_block,
            captured: instrumentation
                .capture
                .map(|capture| capture.functions.iter().copied().collect())
                .unwrap_or_default(),
        };
        let mut module = wasm_encoder::Module::new();
        reencode::utils::parse_core_module(&mut instrumenter, &mut module, Parser::new(0), code)
            .map_err(|e| format!("cannot instrument the module for profiling: {e}"))?;
        Ok(Instrumented {
            code: module.finish(),
            hooks_at: instrumenter.shape.imported_functions,
        })
    }

    /// Where control can arrive other than from the instruction before: after these,
    /// at a function's start.
    fn arrives_after(operator: &Operator<'_>) -> bool {
        matches!(
            operator,
            Operator::Loop { .. } | Operator::Else | Operator::End
        )
    }

    /// Where a straight run of instructions ends: control arrives after it from
    /// elsewhere, or may not reach the next instruction (a branch taken, a call that
    /// traps).
    fn ends_run(operator: &Operator<'_>) -> bool {
        arrives_after(operator)
            || matches!(
                operator,
                Operator::If { .. }
                    | Operator::BrIf { .. }
                    | Operator::Call { .. }
                    | Operator::CallIndirect { .. }
            )
    }

    /// The offsets in `code` where a straight run of instructions starts: each
    /// function's first instruction and every one after an instruction that ends a run.
    /// An instruction runs as often as its run's start is reached (unless it is after a
    /// trap in the same run), which is what coverage counts lines by. A function's
    /// final `end` is not one.
    pub fn block_starts(code: &[u8]) -> Result<Vec<u32>, String> {
        let mut starts = Vec::new();
        for payload in Parser::new(0).parse_all(code) {
            let Payload::CodeSectionEntry(body) = payload.map_err(|e| e.to_string())? else {
                continue;
            };
            let mut reader = body.get_operators_reader().map_err(|e| e.to_string())?;
            let mut starts_run = true;
            while !reader.eof() {
                let offset = reader.original_position() as u32;
                let operator = reader.read().map_err(|e| e.to_string())?;
                if starts_run && !reader.eof() {
                    starts.push(offset);
                }
                starts_run = ends_run(&operator);
            }
        }
        Ok(starts)
    }

    /// What the rewrite needs to know of the module before it starts.
    struct Shape {
        types: u32,
        /// Parameters and results of each function type.
        params: Vec<Vec<ValType>>,
        results: Vec<Vec<ValType>>,
        /// Each global's type, imports first.
        globals: Vec<ValType>,
        imported_functions: u32,
        has_imports: bool,
        /// Type index of each defined function.
        defined: Vec<u32>,
        /// Block types for functions with several results, by their results: new types
        /// appended after the hook's.
        multi_result_types: BTreeMap<Vec<ValType>, u32>,
    }

    impl Shape {
        fn read(code: &[u8]) -> Result<Shape, String> {
            let mut shape = Shape {
                types: 0,
                params: Vec::new(),
                results: Vec::new(),
                globals: Vec::new(),
                imported_functions: 0,
                has_imports: false,
                defined: Vec::new(),
                multi_result_types: BTreeMap::new(),
            };
            for payload in Parser::new(0).parse_all(code) {
                match payload.map_err(|e| e.to_string())? {
                    Payload::TypeSection(reader) => {
                        for ty in reader.into_iter_err_on_gc_types() {
                            let ty = ty.map_err(|e| e.to_string())?;
                            shape.params.push(ty.params().to_vec());
                            shape.results.push(ty.results().to_vec());
                        }
                        shape.types = shape.results.len() as u32;
                    }
                    Payload::ImportSection(reader) => {
                        shape.has_imports = true;
                        for import in reader {
                            match import.map_err(|e| e.to_string())?.ty {
                                TypeRef::Func(_) => shape.imported_functions += 1,
                                TypeRef::Global(global) => shape.globals.push(global.content_type),
                                _ => {}
                            }
                        }
                    }
                    Payload::FunctionSection(reader) => {
                        for ty in reader {
                            shape.defined.push(ty.map_err(|e| e.to_string())?);
                        }
                    }
                    Payload::GlobalSection(reader) => {
                        for global in reader {
                            shape
                                .globals
                                .push(global.map_err(|e| e.to_string())?.ty.content_type);
                        }
                    }
                    _ => {}
                }
            }
            if !shape.has_imports || shape.types == 0 {
                return Err("profiling needs a module with type and import sections".into());
            }
            // The hook's type is `types`, the capture hooks' follow; then block types
            // for several results.
            let first_block_type = shape.types + 1 + CAPTURE_HOOKS.len() as u32;
            for &ty in &shape.defined {
                let results = shape.results.get(ty as usize).cloned().unwrap_or_default();
                if results.len() > 1 {
                    let next = first_block_type + shape.multi_result_types.len() as u32;
                    shape.multi_result_types.entry(results).or_insert(next);
                }
            }
            Ok(shape)
        }

        /// The parameters or results (`of`) of defined function `defined`'s type.
        fn signature(&self, defined: u32, of: &[Vec<ValType>]) -> Vec<ValType> {
            self.defined
                .get(defined as usize)
                .and_then(|ty| of.get(*ty as usize))
                .cloned()
                .unwrap_or_default()
        }

        fn hook_type(&self) -> u32 {
            self.types
        }

        fn enter(&self) -> u32 {
            self.imported_functions
        }

        fn leave(&self) -> u32 {
            self.imported_functions + 1
        }

        fn line(&self) -> u32 {
            self.imported_functions + 2
        }

        fn reach(&self) -> u32 {
            self.imported_functions + 3
        }

        fn site(&self) -> u32 {
            self.imported_functions + 4
        }

        /// The capture hook for values of type `ty`, if there is one.
        fn capture(&self, ty: ValType) -> Option<u32> {
            let kind = CAPTURE_HOOKS.iter().position(|(_, t)| *t == ty)?;
            Some(self.imported_functions + 5 + kind as u32)
        }
    }

    struct Instrumenter {
        shape: Shape,
        /// The defined function whose body comes next.
        next_function: u32,
        line_starts: alloc::collections::BTreeSet<u32>,
        every_block: bool,
        /// Functions whose locals are captured (original indices).
        captured: alloc::collections::BTreeSet<u32>,
    }

    impl Instrumenter {
        /// The locals a capture reads of defined function `defined` (body `func`):
        /// parameters, then the declared ones, [`super::MAX_CAPTURED_LOCALS`] at most;
        /// each with its index.
        fn locals_of(
            &self,
            defined: u32,
            func: &FunctionBody<'_>,
        ) -> Result<Vec<(u32, ValType)>, reencode::Error<String>> {
            // Each place captured gets the globals and these locals: their share of
            // the module's captures, spread over the places.
            let share = super::MAX_CAPTURES_PER_MODULE / self.captured.len().max(1);
            let per_place = share / capture_places(func)?.max(1);
            let globals = self
                .shape
                .globals
                .len()
                .min(super::MAX_CAPTURED_GLOBALS as usize);
            let cap = per_place
                .saturating_sub(globals)
                .min(super::MAX_CAPTURED_LOCALS as usize);
            let mut locals = self.shape.signature(defined, &self.shape.params);
            for declared in func.get_locals_reader()? {
                let (count, ty) = declared?;
                let room = cap.saturating_sub(locals.len());
                locals.extend(core::iter::repeat_n(ty, (count as usize).min(room)));
            }
            locals.truncate(cap);
            Ok(locals
                .into_iter()
                .enumerate()
                .map(|(index, ty)| (index as u32, ty))
                .collect())
        }
    }

    /// How many places of `func` a capture emits its calls at, at most: every straight
    /// run's start and every call.
    fn capture_places(func: &FunctionBody<'_>) -> Result<usize, reencode::Error<String>> {
        let mut reader = func.get_operators_reader()?;
        let (mut places, mut starts_run) = (0, true);
        while !reader.eof() {
            let operator = reader.read()?;
            let calls = matches!(
                operator,
                Operator::Call { .. } | Operator::CallIndirect { .. }
            );
            places += usize::from(starts_run || calls);
            starts_run = ends_run(&operator);
        }
        Ok(places)
    }

    /// Emits the capture of a frame's state at `offset`: `site(offset)`, then each of
    /// `locals` (index and type) and each global by `capture_*(index, value)`.
    fn emit_captures(
        body: &mut wasm_encoder::Function,
        shape: &Shape,
        offset: u32,
        locals: &[(u32, ValType)],
    ) {
        use wasm_encoder::Instruction;
        body.instruction(&Instruction::I32Const(offset as i32));
        body.instruction(&Instruction::Call(shape.site()));
        for &(index, ty) in locals {
            if let Some(hook) = shape.capture(ty) {
                body.instruction(&Instruction::I32Const(index as i32));
                body.instruction(&Instruction::LocalGet(index));
                body.instruction(&Instruction::Call(hook));
            }
        }
        let globals = shape
            .globals
            .iter()
            .take(super::MAX_CAPTURED_GLOBALS as usize);
        for (index, &ty) in globals.enumerate() {
            if let Some(hook) = shape.capture(ty) {
                body.instruction(&Instruction::I32Const(
                    (super::CAPTURED_GLOBAL | index as u32) as i32,
                ));
                body.instruction(&Instruction::GlobalGet(index as u32));
                body.instruction(&Instruction::Call(hook));
            }
        }
    }

    fn val_type(ty: ValType) -> Result<wasm_encoder::ValType, String> {
        wasm_encoder::ValType::try_from(ty).map_err(|e| format!("{e:?}"))
    }

    impl Reencode for Instrumenter {
        type Error = String;

        fn function_index(&mut self, func: u32) -> Result<u32, reencode::Error<String>> {
            Ok(if func < self.shape.imported_functions {
                func
            } else {
                func + HOOKS
            })
        }

        fn parse_type_section(
            &mut self,
            types: &mut wasm_encoder::TypeSection,
            section: wasmparser::TypeSectionReader<'_>,
        ) -> Result<(), reencode::Error<String>> {
            reencode::utils::parse_type_section(self, types, section)?;
            types.ty().function([wasm_encoder::ValType::I32], []);
            for (_, ty) in CAPTURE_HOOKS {
                let ty = val_type(ty).map_err(reencode::Error::UserError)?;
                types.ty().function([wasm_encoder::ValType::I32, ty], []);
            }
            let mut extra: Vec<_> = self.shape.multi_result_types.iter().collect();
            extra.sort_by_key(|(_, index)| **index);
            for (results, _) in extra {
                let results = results
                    .iter()
                    .map(|ty| val_type(*ty))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(reencode::Error::UserError)?;
                types.ty().function([], results);
            }
            Ok(())
        }

        fn parse_import_section(
            &mut self,
            imports: &mut wasm_encoder::ImportSection,
            section: wasmparser::ImportSectionReader<'_>,
        ) -> Result<(), reencode::Error<String>> {
            reencode::utils::parse_import_section(self, imports, section)?;
            let hook = wasm_encoder::EntityType::Function(self.shape.hook_type());
            imports.import(HOOK_MODULE, "enter", hook);
            imports.import(HOOK_MODULE, "leave", hook);
            imports.import(HOOK_MODULE, "line", hook);
            imports.import(HOOK_MODULE, "reach", hook);
            imports.import(HOOK_MODULE, "site", hook);
            for (kind, (name, _)) in CAPTURE_HOOKS.iter().enumerate() {
                let ty = self.shape.hook_type() + 1 + kind as u32;
                imports.import(HOOK_MODULE, name, wasm_encoder::EntityType::Function(ty));
            }
            Ok(())
        }

        fn parse_custom_section(
            &mut self,
            module: &mut wasm_encoder::Module,
            section: wasmparser::CustomSectionReader<'_>,
        ) -> Result<(), reencode::Error<String>> {
            // DWARF describes the original offsets; only names survive the rewrite.
            match section.name() {
                "name" => reencode::utils::parse_custom_section(self, module, section),
                _ => Ok(()),
            }
        }

        fn parse_function_body(
            &mut self,
            code: &mut wasm_encoder::CodeSection,
            func: FunctionBody<'_>,
        ) -> Result<(), reencode::Error<String>> {
            use wasm_encoder::{BlockType, Instruction};
            let defined = self.next_function;
            self.next_function += 1;
            let index = self.shape.imported_functions + defined;
            let results = self.shape.signature(defined, &self.shape.results);
            let block = match results.as_slice() {
                [] => BlockType::Empty,
                [one] => BlockType::Result(val_type(*one).map_err(reencode::Error::UserError)?),
                several => BlockType::FunctionType(self.shape.multi_result_types[several]),
            };
            let (enter, leave, line) = (self.shape.enter(), self.shape.leave(), self.shape.line());
            let reach = self.shape.reach();
            let capturing = self.captured.contains(&index);
            let captured_locals = match capturing {
                true => self.locals_of(defined, &func)?,
                false => Vec::new(),
            };
            let mut body = self.new_function_with_parsed_locals(&func)?;
            body.instruction(&Instruction::I32Const(index as i32));
            body.instruction(&Instruction::Call(enter));
            body.instruction(&Instruction::Block(block));
            // Only functions with source lines are profiled by line.
            let range = func.range();
            let by_line = self
                .line_starts
                .range(range.start as u32..range.end as u32)
                .next()
                .is_some();
            let (mut arrived, mut starts_run) = (true, true);
            let mut reader = func.get_operators_reader()?;
            while !reader.eof() {
                let offset = reader.original_position() as u32;
                let operator = reader.read()?;
                let last = reader.eof();
                let hook = if by_line && (arrived || self.line_starts.contains(&offset)) {
                    Some(line)
                } else if self.every_block && starts_run {
                    Some(reach)
                } else {
                    None
                };
                let calls = matches!(
                    operator,
                    Operator::Call { .. } | Operator::CallIndirect { .. }
                );
                if capturing && !last && (hook.is_some() || calls) {
                    emit_captures(&mut body, &self.shape, offset, &captured_locals);
                }
                if let Some(hook) = hook.filter(|_| !last) {
                    body.instruction(&Instruction::I32Const(offset as i32));
                    body.instruction(&Instruction::Call(hook));
                }
                arrived = arrives_after(&operator);
                starts_run = ends_run(&operator);
                if matches!(operator, Operator::Return) {
                    body.instruction(&Instruction::I32Const(index as i32));
                    body.instruction(&Instruction::Call(leave));
                }
                if last {
                    // The body's own `end`: close the wrapping block, leave, then end.
                    body.instruction(&Instruction::End);
                    body.instruction(&Instruction::I32Const(index as i32));
                    body.instruction(&Instruction::Call(leave));
                }
                body.instruction(&self.instruction(operator)?);
            }
            code.function(&body);
            Ok(())
        }
    }
}

/// Nodes a profile keeps; past that, fuel is attributed to the deepest node kept.
pub const MAX_PROFILE_NODES: usize = 65_536;

/// Where fuel went: a node of the call tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Site {
    /// The code outside any function (instantiation, before the first hook).
    Root,
    /// A WASM function, by its index in the original module.
    Function(u32),
    /// A host function, `module.name`.
    Host(String),
}

/// One node of a profile's call tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileNode {
    /// The node this one was called from; `None` for the root.
    pub parent: Option<u32>,
    /// What ran here: the root, a WASM function or a host function.
    pub site: Site,
    /// Fuel spent here and not in a child (negative when a host function gave fuel
    /// back, e.g. a refund).
    pub self_fuel: i64,
    /// How many times this path was entered.
    pub calls: u64,
    /// `self_fuel` by source line, for a function instrumented by line: the offset of
    /// the line's first instruction, and the fuel spent on it.
    pub lines: Vec<(u32, i64)>,
}

/// A profile: the call tree, root first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// The nodes, root first; `parent`, `host_calls` and [`Step::node`] index into it.
    pub nodes: Vec<ProfileNode>,
    /// The node of each host call, in call order (at most [`MAX_PROFILE_HOST_CALLS`]):
    /// for the host to put what it charged outside the fuel where it belongs.
    pub host_calls: Vec<u32>,
    /// Whether nodes (or host calls) were not recorded for want of room.
    pub truncated: bool,
    /// How often each marked offset (a line start or block start) was reached, by
    /// offset.
    pub hits: Vec<(u32, u64)>,
    /// The marked offsets reached, in order, up to [`Instrumentation::max_steps`].
    pub steps: Vec<Step>,
    /// Steps reached past the cap, counted only.
    pub steps_dropped: u64,
    /// For each host call in `host_calls`, how many steps came before it.
    pub host_call_steps: Vec<u32>,
    /// The state at the [`Capture`]'s point, when the run reached it.
    pub snapshot: Option<Snapshot>,
}

/// One marked offset reached: a source line or a straight run of code entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The offset in the original code of the instruction reached.
    pub offset: u32,
    /// The profile node (call path) executing it.
    pub node: u32,
    /// Fuel spent since the instance started, up to this step.
    pub fuel_spent: u64,
}

/// Host calls whose node a profile records.
pub const MAX_PROFILE_HOST_CALLS: usize = 1 << 20;

/// Builds a [`Profile`] from fuel readings.
#[cfg(feature = "std")]
pub(crate) struct Recorder {
    profile: Profile,
    children: BTreeMap<(u32, SiteKey), u32>,
    current: u32,
    /// The fuel at the last reading.
    mark: u64,
    /// Each node's line being executed (a node is one call path, so never active twice)
    /// and its fuel by line.
    lines: Vec<(Option<u32>, BTreeMap<u32, i64>)>,
    hits: BTreeMap<u32, u64>,
    /// The fuel the instance started with.
    start: u64,
    max_steps: u32,
    capture: Option<Capturing>,
}

/// What a recorder keeps towards a [`Snapshot`].
#[cfg(feature = "std")]
struct Capturing {
    at: CapturePoint,
    /// The WASM frames on the stack, outermost first, each with its latest locals.
    frames: Vec<FrameSnapshot>,
    globals: Vec<Option<crate::Value>>,
    /// Host calls started so far.
    host_calls: u32,
    /// Set when the point is reached, until the memory is kept.
    due: bool,
}

/// A site as a map key (host names are compared by text).
#[cfg(feature = "std")]
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SiteKey {
    Function(u32),
    Host(String),
}

#[cfg(feature = "std")]
impl Recorder {
    /// A recorder for an instance starting with `fuel`, keeping up to `max_steps` steps
    /// and, with `capture_at`, a snapshot there.
    pub(crate) fn new(fuel: u64, max_steps: u32, capture_at: Option<CapturePoint>) -> Self {
        Recorder {
            profile: Profile {
                nodes: alloc::vec![ProfileNode {
                    parent: None,
                    site: Site::Root,
                    self_fuel: 0,
                    calls: 1,
                    lines: Vec::new(),
                }],
                ..Profile::default()
            },
            children: BTreeMap::new(),
            current: 0,
            mark: fuel,
            lines: alloc::vec![(None, BTreeMap::new())],
            hits: BTreeMap::new(),
            start: fuel,
            max_steps,
            capture: capture_at.map(|at| Capturing {
                at,
                frames: Vec::new(),
                globals: Vec::new(),
                host_calls: 0,
                due: false,
            }),
        }
    }

    /// Charges what was burnt since the last reading to the current node.
    fn settle(&mut self, fuel: u64) {
        let spent = (self.mark as i128 - fuel as i128).clamp(i64::MIN as i128, i64::MAX as i128);
        let spent = spent as i64;
        let node = &mut self.profile.nodes[self.current as usize];
        node.self_fuel = node.self_fuel.saturating_add(spent);
        let (line, by_line) = &mut self.lines[self.current as usize];
        if let Some(line) = line {
            let fuel = by_line.entry(*line).or_default();
            *fuel = fuel.saturating_add(spent);
        }
        self.mark = fuel;
    }

    fn descend(&mut self, key: SiteKey) {
        let next = match self.children.get(&(self.current, key.clone())) {
            Some(&child) => child,
            None if self.profile.nodes.len() >= MAX_PROFILE_NODES => {
                self.profile.truncated = true;
                return;
            }
            None => {
                let index = self.profile.nodes.len() as u32;
                let site = match &key {
                    SiteKey::Function(f) => Site::Function(*f),
                    SiteKey::Host(name) => Site::Host(name.clone()),
                };
                self.profile.nodes.push(ProfileNode {
                    parent: Some(self.current),
                    site,
                    self_fuel: 0,
                    calls: 0,
                    lines: Vec::new(),
                });
                self.lines.push((None, BTreeMap::new()));
                self.children.insert((self.current, key), index);
                index
            }
        };
        self.current = next;
        self.profile.nodes[next as usize].calls += 1;
        self.lines[next as usize].0 = None;
    }

    /// Goes back up to the caller of the innermost node matching `site` (or stays, if
    /// none does: a node not created for want of room).
    fn ascend(&mut self, matches: impl Fn(&Site) -> bool) {
        let mut at = self.current;
        loop {
            let node = &self.profile.nodes[at as usize];
            if matches(&node.site) {
                self.current = node.parent.unwrap_or(0);
                return;
            }
            match node.parent {
                Some(parent) => at = parent,
                None => return,
            }
        }
    }

    pub(crate) fn enter(&mut self, function: u32, fuel: u64) {
        self.settle(fuel);
        self.descend(SiteKey::Function(function));
        if let Some(capture) = &mut self.capture {
            capture.frames.push(FrameSnapshot {
                function,
                ..FrameSnapshot::default()
            });
        }
    }

    pub(crate) fn leave(&mut self, function: u32, fuel: u64) {
        self.settle(fuel);
        self.ascend(|site| *site == Site::Function(function));
        if let Some(capture) = &mut self.capture {
            if let Some(at) = capture.frames.iter().rposition(|f| f.function == function) {
                capture.frames.truncate(at);
            }
        }
    }

    /// The innermost frame's locals are captured at `offset` (the values follow).
    pub(crate) fn site(&mut self, offset: u32, _fuel: u64) {
        if let Some(frame) = self.capture.as_mut().and_then(|c| c.frames.last_mut()) {
            frame.offset = Some(offset);
        }
    }

    /// A local of the innermost frame (or with [`CAPTURED_GLOBAL`] set, a global) has
    /// `value`.
    pub(crate) fn capture(&mut self, index: u32, value: crate::Value) {
        let Some(capture) = &mut self.capture else {
            return;
        };
        let (slots, index) = if index & CAPTURED_GLOBAL != 0 {
            (&mut capture.globals, index & !CAPTURED_GLOBAL)
        } else {
            match capture.frames.last_mut() {
                Some(frame) => (&mut frame.locals, index),
                None => return,
            }
        };
        // Instrumentation captures at most this many locals; globals are as few.
        if index >= MAX_CAPTURED_LOCALS {
            return;
        }
        if slots.len() <= index as usize {
            slots.resize(index as usize + 1, None);
        }
        slots[index as usize] = Some(value);
    }

    /// Whether the capture point was just reached: the memory is wanted, through
    /// [`Self::keep_snapshot`].
    pub(crate) fn snapshot_due(&self) -> bool {
        self.capture.as_ref().is_some_and(|c| c.due)
    }

    /// Keeps the snapshot, with `memory` as it is at the capture point.
    pub(crate) fn keep_snapshot(&mut self, memory: &[u8]) {
        let Some(capture) = self.capture.take() else {
            return;
        };
        self.profile.snapshot = Some(Snapshot {
            frames: capture.frames,
            globals: capture.globals,
            memory: memory.to_vec(),
        });
    }

    pub(crate) fn host_start(&mut self, name: &str, fuel: u64) {
        if let Some(capture) = &mut self.capture {
            capture.due = capture.at == CapturePoint::HostCall(capture.host_calls);
            capture.host_calls = capture.host_calls.saturating_add(1);
        }
        self.settle(fuel);
        self.descend(SiteKey::Host(name.into()));
        if self.profile.host_calls.len() < MAX_PROFILE_HOST_CALLS {
            self.profile.host_calls.push(self.current);
            let steps = self.profile.steps.len() as u32;
            self.profile.host_call_steps.push(steps);
        } else {
            self.profile.truncated = true;
        }
    }

    /// The current function is at the source line starting at `offset`.
    pub(crate) fn line(&mut self, offset: u32, fuel: u64) {
        self.reach(offset, fuel);
        self.lines[self.current as usize].0 = Some(offset);
    }

    /// The current function reached the block starting at `offset`.
    pub(crate) fn reach(&mut self, offset: u32, fuel: u64) {
        self.settle(fuel);
        if let Some(capture) = &mut self.capture {
            let reached = self.profile.steps.len() as u64 + self.profile.steps_dropped;
            capture.due = capture.at == CapturePoint::Step(reached);
        }
        *self.hits.entry(offset).or_default() += 1;
        if self.profile.steps.len() < self.max_steps as usize {
            self.profile.steps.push(Step {
                offset,
                node: self.current,
                fuel_spent: self.start.saturating_sub(fuel),
            });
        } else {
            self.profile.steps_dropped += 1;
        }
    }

    pub(crate) fn host_end(&mut self, name: &str, fuel: u64) {
        self.settle(fuel);
        self.ascend(|site| matches!(site, Site::Host(host) if host == name));
    }

    /// The profile, with what was burnt since the last reading charged where execution
    /// stopped.
    pub(crate) fn finish(mut self, fuel: u64) -> Profile {
        self.settle(fuel);
        for (node, (_, by_line)) in self.profile.nodes.iter_mut().zip(self.lines) {
            node.lines = by_line.into_iter().collect();
        }
        self.profile.hits = self.hits.into_iter().collect();
        self.profile
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;

    /// Fuel the tests' runs start with.
    const BUDGET: u64 = 1_000_000;

    /// An environment with one host function, `env.host(i32) -> i32`.
    fn with_host(host: HostFuncType<()>) -> EnvironmentDefinitionBuilder<()> {
        let mut env = EnvironmentDefinitionBuilder::new();
        let signature = Signature::new(&[ValueType::I32], &[ValueType::I32]);
        env.add_host_func("env", "host", signature, host);
        env
    }

    /// Runs `code`'s `run` unprofiled, checking it returns `returns`: the fuel it burns.
    fn plain_run(
        engine: &Engine,
        code: &[u8],
        env: &EnvironmentDefinitionBuilder<()>,
        returns: i32,
    ) -> u64 {
        let mut plain = Instance::with_fuel(engine, code, env, &mut (), BUDGET).unwrap();
        assert_eq!(
            plain.invoke("run", &[], &mut ()),
            Ok(vec![Value::I32(returns)])
        );
        BUDGET - plain.fuel_remaining()
    }

    #[test]
    fn instrumented_code_validates_and_wraps_every_function() {
        let code = wat::parse_str(
            r#"(module
                (import "env" "f" (func $f (param i32) (result i32)))
                (import "env" "memory" (memory 1 1))
                (func $two (result i32 i32) (i32.const 1) (i32.const 2))
                (func $early (param i32) (result i32)
                    (if (local.get 0) (then (return (i32.const 7))))
                    (drop (br_if 0 (i32.const 9) (local.get 0)))
                    (call $f (i32.const 3)))
                (func (export "call") (drop (call $early (i32.const 0))) (drop (drop (call $two)))))"#,
        )
        .unwrap();
        let every_block = Instrumentation {
            every_block: true,
            ..Default::default()
        };
        let instrumented = instrument(&code, &every_block).unwrap();
        assert_eq!(instrumented.hooks_at, 1);
        wasmparser::Validator::new()
            .validate_all(&instrumented.code)
            .expect("valid");
    }

    /// A profiled run burns the fuel an unprofiled one does, and its profile accounts
    /// for all of it: in each function, and in the host function it called.
    #[test]
    fn a_profile_accounts_for_exactly_the_fuel_burnt() {
        let code = wat::parse_str(
            r#"(module
                (import "env" "host" (func $host (param i32) (result i32)))
                (func $leaf (param i32) (result i32)
                    (if (i32.eqz (local.get 0)) (then (return (i32.const 1))))
                    (i32.add (local.get 0) (i32.const 1)))
                (func $work (param i32) (result i32) (local i32)
                    (loop $again
                        (local.set 1 (call $leaf (local.get 1)))
                        (br_if $again (i32.lt_u (local.get 1) (local.get 0))))
                    (call $host (local.get 1)))
                (func (export "run") (result i32) (call $work (i32.const 100))))"#,
        )
        .unwrap();
        fn host(
            ctx: &mut FunctionContext<'_, ()>,
            args: &[Value],
        ) -> Result<ReturnValue, HostError> {
            // Like the pallet charging a host function's gas: fuel taken by the host.
            let fuel = ctx.fuel_remaining();
            ctx.set_fuel(fuel - 1_000);
            Ok(ReturnValue::Value(args[0]))
        }
        let env = with_host(host);
        let engine = Engine::new(SandboxConfig::new(Executor::Wasmtime)).unwrap();
        let budget = BUDGET;
        let burnt = plain_run(&engine, &code, &env, 100);

        let plain_profile = Instrumentation::default();
        let mut profiled =
            Instance::profiled(&engine, &code, &env, &mut (), budget, &plain_profile).unwrap();
        assert_eq!(
            profiled.invoke("run", &[], &mut ()),
            Ok(vec![Value::I32(100)])
        );
        assert_eq!(
            budget - profiled.fuel_remaining(),
            burnt,
            "profiling burns no fuel"
        );
        let profile = profiled.take_profile().expect("a profile");
        let total: i64 = profile.nodes.iter().map(|n| n.self_fuel).sum();
        assert_eq!(total as u64, burnt);
        let node = |site: Site| profile.nodes.iter().find(|n| n.site == site).expect("node");
        // Original indices: the import 0, $leaf 1, $work 2, run 3.
        assert_eq!(
            node(Site::Function(1)).calls,
            100,
            "$leaf, called 100 times"
        );
        assert_eq!(node(Site::Host("env.host".into())).self_fuel, 1_000);
        assert!(node(Site::Function(2)).self_fuel > node(Site::Function(3)).self_fuel);
        let wasmi = Engine::new(SandboxConfig::new(Executor::Wasmi)).unwrap();
        assert!(Instance::profiled(&wasmi, &code, &env, &mut (), budget, &plain_profile).is_err());

        // Every instruction a line of its own: each function's fuel, split by line,
        // adds up to its own fuel, and the loop's instructions ran 100 times each.
        let mut starts = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(&code) {
            if let Ok(wasmparser::Payload::CodeSectionEntry(body)) = payload {
                let mut reader = body.get_operators_reader().unwrap();
                while !reader.eof() {
                    starts.push(reader.original_position() as u32);
                    reader.read().unwrap();
                }
            }
        }
        let lines = Instrumentation {
            line_starts: &starts,
            ..Default::default()
        };
        let mut by_line =
            Instance::profiled(&engine, &code, &env, &mut (), budget, &lines).unwrap();
        assert_eq!(
            by_line.invoke("run", &[], &mut ()),
            Ok(vec![Value::I32(100)])
        );
        assert_eq!(
            budget - by_line.fuel_remaining(),
            burnt,
            "line hooks burn no fuel either"
        );
        let lined = by_line.take_profile().unwrap();
        for node in lined
            .nodes
            .iter()
            .filter(|n| matches!(n.site, Site::Function(_)))
        {
            let sum: i64 = node.lines.iter().map(|(_, fuel)| fuel).sum();
            assert_eq!(sum, node.self_fuel, "{node:?}");
        }
        let work = lined
            .nodes
            .iter()
            .find(|n| n.site == Site::Function(2))
            .unwrap();
        assert!(
            work.lines.iter().filter(|(_, fuel)| *fuel == 100).count() >= 3,
            "{work:?}"
        );
        assert!(work.lines.iter().all(|(offset, _)| starts.contains(offset)));
    }

    /// With every block marked, the profile says which runs of code ran how often and
    /// in which order, and the run burns what an unmarked one does.
    #[test]
    fn every_block_marks_what_ran_in_order_and_burns_no_fuel() {
        let code = wat::parse_str(
            r#"(module
                (import "env" "host" (func $host (param i32) (result i32)))
                (func $pick (param i32) (result i32)
                    (if (result i32) (local.get 0)
                        (then (i32.const 10))
                        (else (call $host (i32.const 20)))))
                (func (export "run") (result i32)
                    (drop (call $pick (i32.const 0)))
                    (drop (call $pick (i32.const 0)))
                    (call $pick (i32.const 1))))"#,
        )
        .unwrap();
        fn host(_: &mut FunctionContext<'_, ()>, args: &[Value]) -> Result<ReturnValue, HostError> {
            Ok(ReturnValue::Value(args[0]))
        }
        let env = with_host(host);
        let engine = Engine::new(SandboxConfig::new(Executor::Wasmtime)).unwrap();
        let budget = BUDGET;
        let burnt = plain_run(&engine, &code, &env, 10);

        let marked = Instrumentation {
            every_block: true,
            max_steps: 5,
            ..Default::default()
        };
        let mut covered =
            Instance::profiled(&engine, &code, &env, &mut (), budget, &marked).unwrap();
        assert_eq!(
            covered.invoke("run", &[], &mut ()),
            Ok(vec![Value::I32(10)])
        );
        assert_eq!(
            budget - covered.fuel_remaining(),
            burnt,
            "marking burns no fuel"
        );
        let profile = covered.take_profile().unwrap();

        // Each body's operators by offset, to name the block starts.
        let mut bodies = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(&code) {
            if let Ok(wasmparser::Payload::CodeSectionEntry(body)) = payload {
                let mut reader = body.get_operators_reader().unwrap();
                let mut ops = Vec::new();
                while !reader.eof() {
                    let offset = reader.original_position() as u32;
                    ops.push((offset, format!("{:?}", reader.read().unwrap())));
                }
                bodies.push(ops);
            }
        }
        let at = |body: usize, op: &str| -> u32 {
            bodies[body]
                .iter()
                .find(|(_, o)| o.starts_with(op))
                .unwrap()
                .0
        };
        let (pick_start, then, else_) = (
            bodies[0][0].0,
            at(0, "I32Const { value: 10"),
            at(0, "I32Const { value: 20"),
        );
        let starts = block_starts(&code).unwrap();
        assert!(
            [pick_start, then, else_].iter().all(|o| starts.contains(o)),
            "{starts:?}"
        );
        let hits: BTreeMap<u32, u64> = profile.hits.iter().copied().collect();
        assert_eq!(hits.get(&pick_start), Some(&3), "$pick called three times");
        assert_eq!(hits.get(&then), Some(&1), "the then-branch once");
        assert_eq!(hits.get(&else_), Some(&2), "the else-branch twice");
        assert!(hits.keys().all(|offset| starts.contains(offset)));

        // In order: run's start, $pick's start, its else-branch, then the host call.
        let offsets: Vec<u32> = profile.steps.iter().map(|s| s.offset).collect();
        assert_eq!(&offsets[1..3], &[pick_start, else_]);
        assert_eq!(profile.steps.len(), 5);
        let all: u64 = hits.values().sum();
        assert_eq!(
            profile.steps_dropped,
            all - 5,
            "the steps past the cap are counted"
        );
        assert_eq!(
            profile.host_call_steps[0], 3,
            "the host call follows the third step"
        );
        assert!(profile
            .steps
            .windows(2)
            .all(|w| w[0].fuel_spent <= w[1].fuel_spent));
    }

    /// A capture keeps, at its point, each captured frame's locals as of its latest
    /// place (the innermost: that point; callers: their call), the globals and the
    /// memory, then stops the run; a run that captures burns what a plain one does up
    /// to there.
    #[test]
    fn a_capture_keeps_locals_globals_and_memory_where_asked() {
        let code = wat::parse_str(
            r#"(module
                (import "env" "host" (func $host (param i32) (result i32)))
                (memory (export "memory") 1)
                (global $sp (mut i32) (i32.const 1024))
                (func $inner (param i32 i64) (result i32) (local i64)
                    (local.set 2 (i64.const -25))
                    (i32.store (i32.const 16) (i32.const 77))
                    (call $host (i32.add (local.get 0) (i32.wrap_i64 (local.get 1)))))
                (func (export "run") (result i32) (local i32)
                    (local.set 0 (i32.const 40))
                    (global.set $sp (i32.const 2048))
                    (call $inner (local.get 0) (i64.const 2))))"#,
        )
        .unwrap();
        fn host(_: &mut FunctionContext<'_, ()>, args: &[Value]) -> Result<ReturnValue, HostError> {
            Ok(ReturnValue::Value(args[0]))
        }
        let env = with_host(host);
        let engine = Engine::new(SandboxConfig::new(Executor::Wasmtime)).unwrap();
        let burnt = plain_run(&engine, &code, &env, 42);
        let starts = block_starts(&code).unwrap();
        // Original indices: the import 0, $inner 1, run 2.
        let functions = [1, 2];
        let run = |at, reached: bool| {
            let instrumentation = Instrumentation {
                line_starts: &starts,
                every_block: true,
                max_steps: 100,
                capture: Some(Capture {
                    functions: &functions,
                    at,
                }),
            };
            let mut instance =
                Instance::profiled(&engine, &code, &env, &mut (), BUDGET, &instrumentation)
                    .unwrap();
            let invoked = instance.invoke("run", &[], &mut ());
            if reached {
                let Err(Error::Executor(why)) = &invoked else {
                    panic!("stopped at the snapshot: {invoked:?}")
                };
                assert!(why.contains(SNAPSHOT_TAKEN), "{why}");
            } else {
                assert_eq!(invoked, Ok(vec![Value::I32(42)]));
                let spent = BUDGET - instance.fuel_remaining();
                assert_eq!(spent, burnt, "capturing burns no fuel");
            }
            instance.take_profile().unwrap()
        };

        let at_host = run(CapturePoint::HostCall(0), true)
            .snapshot
            .expect("a snapshot");
        let [outer, inner] = &at_host.frames[..] else {
            panic!("{:?}", at_host.frames)
        };
        assert_eq!((outer.function, inner.function), (2, 1));
        assert_eq!(outer.locals, [Some(Value::I32(40))]);
        assert_eq!(
            inner.locals,
            [
                Some(Value::I32(40)),
                Some(Value::I64(2)),
                Some(Value::I64(-25))
            ]
        );
        assert_eq!(at_host.globals, [Some(Value::I32(2048))]);
        assert_eq!(at_host.memory[16..20], 77u32.to_le_bytes());
        assert!(
            outer.offset.is_some() && inner.offset.is_some(),
            "each at its call"
        );

        // At $inner's first step: its arguments, its own local not yet set, the memory
        // not yet written.
        let profile = run(CapturePoint::HostCall(99), false);
        assert_eq!(
            profile.snapshot, None,
            "a point never reached keeps nothing"
        );
        let inner_start = profile
            .steps
            .iter()
            .position(|step| profile.nodes[step.node as usize].site == Site::Function(1))
            .unwrap();
        let at_entry = run(CapturePoint::Step(inner_start as u64), true)
            .snapshot
            .unwrap();
        assert_eq!(
            at_entry.frames[1].locals,
            [
                Some(Value::I32(40)),
                Some(Value::I64(2)),
                Some(Value::I64(0))
            ]
        );
        assert_eq!(
            at_entry.frames[1].offset,
            Some(profile.steps[inner_start].offset)
        );
        assert_eq!(at_entry.memory[16..20], [0; 4]);
    }

    /// A function a contract shapes with many places and many locals keeps fewer of its
    /// locals when captured: the instrumented module stays within the captures' bound.
    #[test]
    fn captures_stay_within_their_bound_whatever_the_function() {
        let locals = "(local ".to_owned() + &"i64 ".repeat(2_000) + ")";
        let calls = "(drop (call $host (i32.const 0)))".repeat(4_000);
        let code = wat::parse_str(format!(
            r#"(module
                (import "env" "host" (func $host (param i32) (result i32)))
                (func (export "run") (result i32) {locals} {calls} (i32.const 1)))"#
        ))
        .unwrap();
        let functions = [1];
        let capturing = Instrumentation {
            every_block: true,
            capture: Some(Capture {
                functions: &functions,
                at: CapturePoint::HostCall(0),
            }),
            ..Default::default()
        };
        let plain = instrument(&code, &Instrumentation::default()).unwrap().code;
        let captured = instrument(&code, &capturing).unwrap().code;
        // A capture call is at most 9 bytes (two constants or gets, and a call).
        let added = captured.len() - plain.len();
        assert!(added < 12 * MAX_CAPTURES_PER_MODULE, "{added} bytes added");
        wasmparser::Validator::new()
            .validate_all(&captured)
            .expect("valid");
    }

    #[test]
    fn the_recorder_attributes_fuel_to_the_innermost_site() {
        let mut recorder = Recorder::new(1_000, 0, None);
        recorder.enter(3, 990); // 10 before the first function: root
        recorder.enter(4, 950); // 40 in 3
        recorder.host_start("seal0.input", 940); // 10 in 4
        recorder.host_end("seal0.input", 900); // 40 in the host function
        recorder.leave(4, 890); // 10 more in 4
        recorder.leave(3, 880); // 10 more in 3
        let profile = recorder.finish(875); // 5 in root
        let fuel: Vec<(Site, i64, u64)> = profile
            .nodes
            .iter()
            .map(|n| (n.site.clone(), n.self_fuel, n.calls))
            .collect();
        assert_eq!(
            fuel,
            [
                (Site::Root, 15, 1),
                (Site::Function(3), 50, 1),
                (Site::Function(4), 20, 1),
                (Site::Host("seal0.input".into()), 40, 1),
            ]
        );
        assert_eq!(profile.nodes.iter().map(|n| n.self_fuel).sum::<i64>(), 125);
        assert_eq!(profile.host_calls, [3]);
    }
}
