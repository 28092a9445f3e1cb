//! Procedural macros for torii-rs. Use them through `torii-backend`, which re-exports
//! [`generate_api!`] and provides the runtime the generated code needs.

#![deny(missing_docs)]

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use quote::quote;
use syn::{LitStr, parse_macro_input};

/// Generates a typed client from an OpenAPI document of the Torii Backend API family.
///
/// The argument is the path of the JSON document, relative to the invoking crate's
/// `CARGO_MANIFEST_DIR`. `${NAME}` in the path is replaced by the environment variable `NAME` at
/// build time (for example `${OUT_DIR}`). Editing the document rebuilds the crate.
///
/// Invoke it inside a module of its own: it emits `Client`, and the modules `models`,
/// `resources` and `builders`.
///
/// See `torii_backend::generate_api!` for an example.
#[proc_macro]
pub fn generate_api(input: TokenStream) -> TokenStream {
    let literal = parse_macro_input!(input as LitStr);
    match expand(&literal) {
        Ok(tokens) => tokens.into(),
        Err(messages) => {
            let errors = messages
                .iter()
                .map(|message| syn::Error::new(literal.span(), message).to_compile_error());
            quote!(#(#errors)*).into()
        }
    }
}

fn expand(literal: &LitStr) -> Result<proc_macro2::TokenStream, Vec<String>> {
    // Messages quote the path as written, so they read the same on every machine.
    let written = literal.value();
    let path = resolve(&written).map_err(|message| vec![message])?;
    let spec = std::fs::read_to_string(&path).map_err(|error| {
        vec![format!(
            "generate_api!: cannot read the spec `{written}` (paths are relative to the crate's \
             CARGO_MANIFEST_DIR): {error}"
        )]
    })?;
    let config = torii_codegen::Config::default();
    let tokens = torii_codegen::generate(&spec, &config).map_err(|errors| {
        errors
            .iter()
            .map(|error| format!("generate_api!: {error} in `{written}`"))
            .collect::<Vec<_>>()
    })?;
    // `include_bytes!` makes cargo rebuild the invoking crate when the spec changes.
    let absolute = path.display().to_string();
    Ok(quote! {
        const _: &[u8] = ::core::include_bytes!(#absolute);
        #tokens
    })
}

/// The spec's absolute path: `${NAME}` expanded, then taken relative to `CARGO_MANIFEST_DIR`.
fn resolve(raw: &str) -> Result<PathBuf, String> {
    let mut expanded = String::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        expanded.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("generate_api!: unclosed `${{` in `{raw}`"))?;
        let name = &after[..end];
        let value = std::env::var(name).map_err(|_| {
            format!("generate_api!: the environment variable `{name}` named in `{raw}` is not set")
        })?;
        expanded.push_str(&value);
        rest = &after[end + 1..];
    }
    expanded.push_str(rest);
    let path = Path::new(&expanded);
    if path.is_absolute() {
        return Ok(path.to_owned());
    }
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|_| "generate_api!: CARGO_MANIFEST_DIR is not set; build with cargo".to_owned())?;
    Ok(Path::new(&manifest_dir).join(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_manifest_dir() {
        let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
        assert_eq!(
            resolve("spec.json").expect("ok"),
            Path::new(&manifest).join("spec.json")
        );
        assert_eq!(
            resolve("/abs/spec.json").expect("ok"),
            Path::new("/abs/spec.json")
        );
    }

    #[test]
    fn the_expansion_tracks_the_spec_file_so_edits_rebuild() {
        let dir = std::env::temp_dir().join(format!("torii-macros-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let spec = dir.join("spec.json");
        std::fs::write(&spec, r#"{"openapi": "3.1.0", "paths": {}}"#).expect("write spec");
        let literal = LitStr::new(&spec.display().to_string(), proc_macro2::Span::call_site());
        let tokens = expand(&literal).expect("expands").to_string();
        let tracked = format!("include_bytes ! ({:?})", spec.display().to_string());
        assert!(tokens.contains(&tracked), "{tokens}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn generator_errors_quote_the_path_as_written() {
        let literal = LitStr::new(
            "${CARGO_MANIFEST_DIR}/Cargo.toml",
            proc_macro2::Span::call_site(),
        );
        let errors = expand(&literal).expect_err("TOML is not a JSON spec");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("generate_api!: the spec is not valid JSON"),
            "{}",
            errors[0]
        );
        assert!(
            errors[0].ends_with("in `${CARGO_MANIFEST_DIR}/Cargo.toml`"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn environment_variables_are_expanded() {
        let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
        assert_eq!(
            resolve("${CARGO_MANIFEST_DIR}/x/${CARGO_PKG_NAME}.json").expect("ok"),
            Path::new(&manifest).join("x/torii-macros.json")
        );
        let error = resolve("${TORII_SURELY_UNSET_VARIABLE}/a.json").expect_err("unset");
        assert!(error.contains("`TORII_SURELY_UNSET_VARIABLE`"), "{error}");
        assert!(
            resolve("${OPEN/a.json")
                .expect_err("unclosed")
                .contains("unclosed")
        );
    }
}
