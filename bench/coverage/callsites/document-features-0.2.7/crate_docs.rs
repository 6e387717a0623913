// Follows document-features' lib.rs docs: `#![doc = document_features::document_features!()]` in the crate
// documentation, with and without `feature_label`, over a Cargo.toml whose features carry `## ` and `#!` comments
// (the macro reads the caller's Cargo.toml, which the manifest lines below add to the probe package's).
// manifest: [features]
// manifest: default = ["std"]
// manifest: #! ### Runtime
// manifest: ## Uses the standard library (on by default)
// manifest: std = []
// manifest: ## Turns on the `serde` impls of every public type
// manifest: ##
// manifest: ## Needs `std`.
// manifest: serde = ["std"]
// manifest: #! ### Experimental
// manifest: ## Unstable API, may change in any release
// manifest: nightly = []
//! A crate whose features are documented in its manifest.
//!
//! ## Feature flags
#![doc = document_features::document_features!()]
#![doc = document_features::document_features!(feature_label = "**`{feature}`**")]
#![doc = document_features::document_features!(feature_label = r#"<span class="stab portability"><code>{feature}</code></span>"#)]

/// An item whose docs also list the features.
#[doc = document_features::document_features!()]
pub struct Documented;

fn main() {}
