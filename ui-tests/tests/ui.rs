//! Compile-time guarantees, proven by code that must not compile (trybuild).

#[test]
fn misuse_does_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}
