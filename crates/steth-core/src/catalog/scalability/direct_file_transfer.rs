//! 8.6 direct-file-transfer: uploads and downloads not proxied.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// TODO
    ///
    /// ## Why it matters
    /// TODO
    ///
    /// ## How it is measured
    /// TODO
    ///
    /// ## How to fix
    /// TODO
    pub DIRECT_FILE_TRANSFER = {
        id: "8.6",
        slug: "direct-file-transfer",
        title: "Uploads and downloads not proxied",
        section: Scalability,
        threshold: Threshold::requires("presigned URLs or CDN"),
        sources: [Source],
        severity: Low,
        evaluate: None,
    }
}
