//! Arbitrary bytes through the whole per-file pipeline with every codemod,
//! under both fix policies; see `auditfix::invariants` for what is checked.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use auditfix::codemod::Engine;
use auditfix::driver::FixPolicy;
use auditfix::invariants;
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| invariants::engine(false))
}

fuzz_target!(|data: &[u8]| {
    let path = Path::new(invariants::PATHS[0]);
    for unsafe_fixes in [false, true] {
        let policy = FixPolicy::new(unsafe_fixes);
        if let Err(violation) = invariants::check(path, data, engine(), policy) {
            panic!("unsafe fixes: {unsafe_fixes}: {violation}");
        }
    }
});
