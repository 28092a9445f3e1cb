//! torii-mock's page at `/_mock/`: plain HTML, CSS and JavaScript embedded in the crate, served
//! with no key (the data it loads needs one) and a policy that lets it reach nothing but this
//! server.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::Operation;

/// Where the page is served.
pub(crate) const PATH: &str = "/_mock/";

const INDEX: &str = include_str!("page/index.html");
const STYLE: &str = include_str!("page/page.css");
const SCRIPT: &str = include_str!("page/page.js");

/// The page may load and call only what this server serves; nothing inline, no frames.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

pub(crate) fn router() -> Router {
    Router::new()
        .route("/_mock", get(|| async { Redirect::permanent(PATH) }))
        .route(
            PATH,
            get(|| async { serve("text/html; charset=utf-8", index()) }),
        )
        .route(
            "/_mock/page.css",
            get(|| async { serve("text/css; charset=utf-8", STYLE.to_owned()) }),
        )
        .route(
            "/_mock/page.js",
            get(|| async { serve("text/javascript; charset=utf-8", SCRIPT.to_owned()) }),
        )
}

/// The page, with the operation table's operations in the fault form.
fn index() -> String {
    let options: String = Operation::ALL
        .iter()
        .map(|operation| {
            format!(
                "<option value=\"{}\">{} ({} {})</option>\n",
                operation.id(),
                operation.name(),
                operation.method(),
                operation.path_template()
            )
        })
        .collect();
    INDEX.replace("<!--operations-->", &options)
}

fn serve(content_type: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(POLICY),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_offered_in_the_fault_form_and_the_page_stays_small() {
        let page = index();
        for operation in Operation::ALL {
            assert!(
                page.contains(&format!("value=\"{}\"", operation.id())),
                "{operation}"
            );
        }
        assert!(!page.contains("<!--operations-->"));
        let weight = page.len() + STYLE.len() + SCRIPT.len();
        assert!(weight < 100 * 1024, "the page weighs {weight} bytes");
    }

    #[test]
    fn the_page_names_no_other_origin() {
        for (name, text) in [
            ("index.html", INDEX),
            ("page.css", STYLE),
            ("page.js", SCRIPT),
        ] {
            for scheme in ["http://", "https://", "//cdn", "@import"] {
                assert!(!text.contains(scheme), "{name} names {scheme}");
            }
        }
    }
}
