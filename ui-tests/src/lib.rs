//! Nothing but a home for `tests/ui.rs`: the compile-fail cases in `ui/` prove that misusing the
//! generated client does not compile, and say what the compiler answers.
