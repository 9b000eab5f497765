//! The XML readers never panic, whatever the bytes; what they accept holds what it must, their
//! errors say something and never quote secrets from the body; a valid answer left intact reads
//! back as written.

use awsauth_sts::{Operation, xml};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::support::{ISSUED_SECRET, ISSUED_TOKEN, credentials_xml, error_xml};

fn exercise(body: &[u8]) -> Result<(), TestCaseError> {
    let clean = |text: &str| {
        !text.trim().is_empty() && !text.contains(ISSUED_SECRET) && !text.contains(ISSUED_TOKEN)
    };
    for op in [Operation::AssumeRole, Operation::AssumeRoleWithWebIdentity] {
        match xml::parse_credentials(op, body) {
            Ok(parsed) => {
                prop_assert!(!parsed.access_key_id.trim().is_empty());
                prop_assert!(!parsed.secret_access_key.is_blank());
                prop_assert!(!parsed.session_token.is_blank());
                prop_assert!(clean(&format!("{parsed:?}")), "{:?}", parsed);
            }
            Err(e) => prop_assert!(clean(&e.to_string()), "{}", e),
        }
    }
    match xml::parse_caller_identity(body) {
        Ok(who) => prop_assert!(!who.arn.is_empty() && !who.account.is_empty(), "{:?}", who),
        Err(e) => prop_assert!(clean(&e.to_string()), "{}", e),
    }
    if let Some(error) = xml::parse_error(body) {
        prop_assert!(!error.code.is_empty(), "{:?}", error);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&body)?;
    }

    #[test]
    fn arbitrary_text_with_tags(body in "(<[A-Za-z/!?&;#x0-9 =\"']{0,12}>|[^<]{0,8}|&[a-z#0-9]{0,5};){0,40}") {
        exercise(body.as_bytes())?;
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
        let mut bytes = valid.clone().into_bytes();
        let at = at.min(bytes.len());
        bytes.splice(at..at, insert.bytes());
        bytes.truncate(cut.max(1).min(bytes.len()));
        exercise(&bytes)?;
        if bytes == valid.as_bytes() {
            // Nothing changed: the answer reads back as written.
            if which == 0 {
                let parsed = xml::parse_credentials(Operation::AssumeRole, &bytes).unwrap();
                prop_assert_eq!(parsed.secret_access_key.expose_secret(), ISSUED_SECRET);
                prop_assert_eq!(parsed.session_token.expose_secret(), ISSUED_TOKEN);
            } else {
                let error = xml::parse_error(&bytes).unwrap();
                prop_assert_eq!((error.code.as_str(), error.message.as_str()), ("Throttling", "Rate exceeded"));
            }
        }
    }
}
