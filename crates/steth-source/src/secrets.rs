//! Secrets in the repository's files and in every blob of its history (item 6.7).
