//! The XML readers never panic, whatever the bytes; mutated valid answers either parse or fail
//! cleanly, and errors never quote secrets from the body.

use awsauth_sts::{Operation, xml};
use proptest::prelude::*;

use crate::support::{ISSUED_SECRET, ISSUED_TOKEN, credentials_xml, error_xml};

fn exercise(body: &[u8]) {
    for op in [Operation::AssumeRole, Operation::AssumeRoleWithWebIdentity] {
        if let Err(e) = xml::parse_credentials(op, body) {
            let text = e.to_string();
            assert!(!text.contains(ISSUED_SECRET) && !text.contains(ISSUED_TOKEN));
        }
    }
    let _ = xml::parse_caller_identity(body);
    let _ = xml::parse_error(body);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&body);
    }

    #[test]
    fn arbitrary_text_with_tags(body in "(<[A-Za-z/!?&;#x0-9 =\"']{0,12}>|[^<]{0,8}|&[a-z#0-9]{0,5};){0,40}") {
        exercise(body.as_bytes());
    }

    #[test]
    fn mutated_valid_answers(
        cut in 0usize..1200,
        at in 0usize..1200,
        insert in "[<>/&;=\"a-zA-Z0-9 ]{0,6}",
        which in 0usize..2,
    ) {
        let valid = if which == 0 {
            credentials_xml("AssumeRole", "2124-01-01T01:00:00.123456Z")
        } else {
            error_xml("Throttling", "Rate exceeded")
        };
        let mut bytes = valid.into_bytes();
        let at = at.min(bytes.len());
        bytes.splice(at..at, insert.bytes());
        bytes.truncate(cut.max(1).min(bytes.len()));
        exercise(&bytes);
    }
}
