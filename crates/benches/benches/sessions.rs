//! Session cache benchmark (filled in below).
fn main() {}
