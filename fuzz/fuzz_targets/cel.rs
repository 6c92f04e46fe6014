#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let target = kro_fuzz::targets::TARGETS
        .iter()
        .find(|t| t.name == "cel")
        .expect("target");
    kro_fuzz::targets::run_bytes(target, data);
});
