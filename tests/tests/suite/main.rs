//! The cross-crate tests, one module per subject, in one test binary: one link and one copy
//! of the generic code of tokio, axum and reqwest instead of one per file (the binaries took
//! much of a cold CI run). The trybuild cases live in `ui-tests/`, whose few dependencies are all
//! trybuild has to build.

mod actix;
mod adversarial;
mod e2e_app;
mod error_chains;
mod generality;
mod grpc;
mod jsonwebtoken_oracle;
mod load;
mod middleware;
mod mock_api;
mod mock_faults;
mod mock_generated_requests;
mod mock_roundtrip;
mod mock_schema;
mod mock_snapshots;
mod mock_strict;
mod observability;
mod operations;
mod properties;
mod rest_client;
mod spec_parity;
mod verify;
mod verify_deployments;
mod wire_parity;
