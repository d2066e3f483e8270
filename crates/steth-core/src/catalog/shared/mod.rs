//! Helpers several items share that are not items themselves: they live apart from the section
//! folders, where every file is one item.

pub(crate) mod normal_load;
pub(crate) mod p99_budget;
