//! Commit messages as the audit trail reads them: subject, pull-request number, trailers
//! (`Approved-by:` names the people whose sign-offs it verifies) and their emails.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planbook::history::message;

fuzz_target!(|text: &str| {
    let subject = message::subject(text);
    assert!(text.contains(subject));
    let _ = message::pull_request(subject);
    for trailer in message::trailers(text) {
        let email = message::email_of(&trailer.value);
        assert!(trailer.value.contains(email), "{email} not in {}", trailer.value);
    }
});
