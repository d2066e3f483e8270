//! 8.6 direct-file-transfer: uploads and downloads not proxied.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// File uploads and downloads do not stream through the application servers: clients transfer
    /// directly to object storage using presigned URLs, or fetch files through a CDN. The default
    /// threshold is "presigned URLs or CDN".
    ///
    /// ## Why it matters
    /// Proxying a 500 MB video through the API ties up a worker and a connection for the whole
    /// transfer at the client's speed (minutes on a slow mobile link), buffers data in memory, runs
    /// into request-size limits, and pays for the bandwidth twice. A handful of slow uploads can
    /// occupy a worker pool sized for thousands of short requests.
    ///
    /// ## How it is measured
    /// - **source**: stethoscope searches the repository for presigned or signed URL generation for
    ///   object storage and for CDN use.
    ///
    /// If the mechanism is not visible in the code (configured in infrastructure, for instance),
    /// vouch for it in `[attest]`, and it is shown as attested. A service that handles no files can
    /// declare the item not applicable in `[na]`.
    ///
    /// ## How to fix
    /// Let the API authorise the transfer and hand out a short-lived URL; the client talks to the
    /// storage directly. With boto3:
    ///
    /// ```python
    /// url = s3.generate_presigned_url(
    ///     "put_object",
    ///     Params={"Bucket": "uploads", "Key": f"avatars/{user_id}.png",
    ///             "ContentType": "image/png"},
    ///     ExpiresIn=300,
    /// )
    /// ```
    ///
    /// The client `PUT`s the file to `url`; the API records the object key once the upload is
    /// confirmed (a storage event or a confirm call). Downloads use presigned `GET` URLs or a CDN
    /// with signed URLs or cookies. Authorisation stays in the API, at the moment the URL is
    /// issued.
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
