//! Helpers shared by the cross-crate tests: a loopback server that records what it receives and
//! answers with canned responses, MockTorii set up and seeded, and access to the shared
//! reference files.

#![deny(missing_docs)]

pub mod capture;
pub mod mock;
pub mod network;
pub mod patch_intents;
pub mod raw_http;
pub mod reference;
pub mod samples;
pub mod schema_values;
pub mod serve;
pub mod spec_schema;
pub mod trace_capture;
