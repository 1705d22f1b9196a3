//! The templates every new office starts with, as a new office would want
//! them: an acknowledgement, an update, a letter to an agency (signed by
//! the representative) and a consent form. Each ends with its own sign-off;
//! the office edits or deletes them like any other. (The consent form is
//! also what `enquiries::consent_form` makes; an office without a template
//! of that name gets the same form without the covering letter.)

/// (name, subject, body, signed by the representative)
pub const STARTERS: &[(&str, &str, &str, bool)] = &[
    (
        "Acknowledgement",
        "Your enquiry: {{ case.reference }}",
        "Dear {{ constituent.first_name }},

Thank you for contacting {{ office.name }} about {{ case.title }}. We are looking into this for you and will be in touch as soon as we have news.

If you write to us again, please quote the reference {{ case.reference }}.

Yours sincerely,


{{ signer.name }}
{{ signer.title }}",
        false,
    ),
    (
        "Update on your case",
        "Your case {{ case.reference }}: an update",
        "Dear {{ constituent.first_name }},

I am writing to update you on your case about {{ case.title }} (our reference {{ case.reference }}).

We are still waiting for a full answer and have asked for a reply as a matter of urgency. I will write again as soon as we hear; you are welcome to contact the office at any time in the meantime.

Yours sincerely,


{{ signer.name }}
{{ signer.title }}",
        false,
    ),
    (
        "Letter to an agency",
        "{{ constituent.full_name }}: {{ case.title }} ({{ case.reference }})",
        "Dear Sir or Madam,

Re: {{ constituent.full_name }}, our reference {{ case.reference }}

I am writing on behalf of my constituent, {{ constituent.full_name }}, who has asked for my help with {{ case.title }}.

{{ enquiry.asked }}

I enclose my constituent's signed consent. I would be grateful for your reply by {{ enquiry.due }}, quoting the reference above.

Yours faithfully,


{{ signer.name }}
{{ signer.title }}",
        true,
    ),
    (
        "Consent form",
        "Your consent for us to act: {{ case.reference }}",
        "Dear {{ constituent.first_name }},

So that we can raise your case about {{ case.title }} with the organisations involved, we need your written consent. Please sign the form below and return it to the office.

Yours sincerely,


{{ signer.name }}
{{ signer.title }}


AUTHORITY TO ACT

I, {{ constituent.full_name }}, of {{ constituent.address or \"______________________________\" }} {{ constituent.postcode | trim }}, authorise {% if representative.name %}{{ representative.name | trim }} and the staff of {{ office.name }}{% else %}{{ office.name }} and its staff{% endif %} to act on my behalf about: {{ case.title }} (reference {{ case.reference }}).

I agree that they may contact government departments, agencies and other organisations about this matter, share with them the information I have given, and receive information about me from them.

This consent covers: all agencies / only these agencies (cross out one):

____________________________________________________________

It lasts until the matter is closed, unless I withdraw it in writing.

Signed: ______________________________   Date: ______________

If you sign for someone else, your name and relationship to them:

____________________________________________________________",
        false,
    ),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_starter_fills_with_sample_values_and_signs_off_once() {
        let fields = casework_letters::MergeFields {
            constituent: casework_letters::PersonFields {
                first_name: "Jane".into(),
                full_name: "Jane Sample".into(),
                ..Default::default()
            },
            case: casework_letters::CaseFields {
                reference: "CW-2026-00001".into(),
                title: "Passport delayed".into(),
                ..Default::default()
            },
            office: casework_letters::OfficeFields {
                name: "Riverside Office".into(),
            },
            enquiry: casework_letters::EnquiryFields {
                asked: "Please review the file.".into(),
                due: "23 November 2026".into(),
                ..Default::default()
            },
            signer: casework_letters::SignerFields {
                name: "Sam".into(),
                title: "on behalf of Dana".into(),
            },
            ..Default::default()
        };
        for (name, subject, body, _) in super::STARTERS {
            let text =
                casework_letters::merge(body, &fields).unwrap_or_else(|e| panic!("{name}: {e}"));
            casework_letters::merge(subject, &fields).unwrap();
            assert_eq!(text.matches("Yours ").count(), 1, "{name}");
            assert!(text.contains("Sam\non behalf of Dana"), "{name}");
        }
    }
}
