//! The states a piece of correspondence, an outgoing message and a campaign
//! go through. Stored as their `as_str` text; parsed once where rows are read.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::case::string_enum;

string_enum! {
    /// Where a piece of correspondence is.
    MailState {
        Intake => "intake" / "Waiting in the intake inbox",
        Filed => "filed" / "Filed",
        NoAction => "no_action" / "No action needed",
    }
}

string_enum! {
    /// Which way a piece of correspondence went.
    Direction {
        In => "in" / "Received",
        Out => "out" / "Sent",
        Internal => "internal" / "The office's own record",
    }
}

string_enum! {
    /// How a piece of correspondence came or went, or what a record kept on
    /// a case is.
    Channel {
        Email => "email" / "Email",
        Letter => "letter" / "Letter",
        Note => "note" / "Note",
        Call => "call" / "Phone call",
        Meeting => "meeting" / "Meeting",
        Visit => "visit" / "In-person visit",
        Post => "post" / "Letter received by post",
        Document => "document" / "Document",
    }
}

string_enum! {
    /// Where an outgoing message is on its way to the mail server.
    OutboxState {
        AwaitingApproval => "awaiting_approval" / "Waiting for approval",
        Queued => "queued" / "Waiting to be sent",
        Sending => "sending" / "Being sent",
        Sent => "sent" / "Sent",
        Failed => "failed" / "Failed",
        Returned => "returned" / "Returned to its author",
        Replaced => "replaced" / "Replaced by an edited version",
    }
}

string_enum! {
    /// Whether a letter waits for an office manager or the representative
    /// before it is printed or sent (stored empty when none is needed).
    Approval {
        NotNeeded => "" / "No approval needed",
        Awaiting => "awaiting" / "Waiting for approval",
        Approved => "approved" / "Approved",
        Returned => "returned" / "Returned to its author",
        Replaced => "replaced" / "Replaced by an edited version",
    }
}

string_enum! {
    /// Whether a campaign's new copies wait in the intake inbox.
    CampaignState {
        Open => "open" / "Open",
        NoAction => "no_action" / "No action",
        Merged => "merged" / "Merged into another campaign",
    }
}

string_enum! {
    /// Where a campaign's one reply to all is.
    ReplyState {
        None => "none" / "No reply yet",
        Draft => "draft" / "Reply drafted",
        AwaitingApproval => "awaiting_approval" / "Reply waiting for approval",
        Approved => "approved" / "Reply approved",
        Sending => "sending" / "Reply sent",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_back_what_they_write() {
        for s in MailState::ALL {
            assert_eq!(MailState::parse(s.as_str()), Some(*s));
        }
        for s in OutboxState::ALL {
            assert_eq!(OutboxState::try_from(s.as_str().to_owned()), Ok(*s));
        }
        for s in CampaignState::ALL {
            assert_eq!(CampaignState::parse(s.as_str()), Some(*s));
        }
        for s in Direction::ALL {
            assert_eq!(Direction::parse(s.as_str()), Some(*s));
        }
        for s in Channel::ALL {
            assert_eq!(Channel::parse(s.as_str()), Some(*s));
        }
        for s in Approval::ALL {
            assert_eq!(Approval::try_from(s.as_str().to_owned()), Ok(*s));
        }
        for s in ReplyState::ALL {
            assert_eq!(ReplyState::parse(s.as_str()), Some(*s));
        }
        assert!(MailState::try_from("sent".to_owned()).is_err());
    }
}
