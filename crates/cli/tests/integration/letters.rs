//! Letters and templates: merge fields, PDF on letterhead checked by
//! extracting its text, refusals for missing fields and roles.

use crate::harness::{PASSWORD, TestApp};
use crate::on_both_backends;
use casework_app::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    a_letter_from_a_template_is_a_pdf_with_letterhead_recipient_reference_and_text,
    a_merge_field_without_a_value_is_refused_naming_the_field,
    templates_are_edited_with_a_preview_by_managers_only,
    letters_signed_by_the_representative_wait_for_approval_and_print_in_one_batch,
    the_api_lists_approves_and_prints_letters_and_printed_ones_print_again,
    a_letter_on_a_sensitive_case_waits_for_approval_and_case_dates_merge,
    the_letterhead_logo_is_on_letters_made_after_it_is_set,
    letters_print_every_script_on_the_office_paper_and_drafts_are_marked_until_approved,
    a_new_office_starts_with_templates_that_sign_off_once,
    a_letter_is_shown_filled_before_it_is_made,
    templates_are_listed_read_and_saved_through_the_api,
);

/// A PNG image of this size (an office logo).
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().unwrap();
    let pixels: Vec<u8> = (0..width * height * 3).map(|i| (i % 251) as u8).collect();
    w.write_image_data(&pixels).unwrap();
    w.finish().unwrap();
    out
}

/// What a poppler tool (`pdftotext`, `pdfinfo`, `pdfimages`) prints for
/// this PDF, given these arguments before the file (and `after` it).
fn poppler(tool: &str, args: &[&str], pdf: &[u8], after: &[&str]) -> String {
    let dir = std::env::temp_dir().join(format!("casework-pdf-{}", crate::harness::unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("letter.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new(tool)
        .args(args)
        .arg(&file)
        .args(after)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (apt-get install poppler-utils): {e}"));
    let _ = std::fs::remove_dir_all(dir);
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The images in a PDF as `pdfimages -list` sees them: (width, height).
fn pdf_images(pdf: &[u8]) -> Vec<(u32, u32)> {
    poppler("pdfimages", &["-list"], pdf, &[])
        .lines()
        .skip(2)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[3].parse().unwrap(), f[4].parse().unwrap())
        })
        .collect()
}

pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    poppler("pdftotext", &[], pdf, &["-"])
}

async fn a_letter_from_a_template_is_a_pdf_with_letterhead_recipient_reference_and_text(
    t: TestApp,
) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let rep = t.user(office, Role::Representative).await;
    let _ = rep;
    let manager_actor = casework_app::auth::token_actor(&t.app, &manager.token)
        .await
        .unwrap();
    casework_app::letters::set_letterhead(
        &t.app,
        &manager_actor,
        "100 Main Street\nRiverside, MB R2C 0A1",
    )
    .await
    .unwrap();
    t.template(&manager, "Passport update", "Your passport ({{ case.reference }})", "Dear {{ constituent.first_name }},\n\nWe have written to the {{ case.agency }} about {{ case.title }}. We will be in touch.\n\nYours faithfully,\n\n{{ signer.name }}\n{{ signer.title }}", false)
        .await;
    let api = t.api(&cw);
    let person = api.constituent("Emeka", "Okafor").await;
    let case = api
        .case(
            person,
            json!({"title": "Passport delayed", "agency": "Passport Program"}),
        )
        .await;
    let created = api
        .post(
            &format!("/api/v1/cases/{}/letters", case["id"]),
            json!({"template": "Passport update"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_i64().unwrap();
    let raw = api
        .client
        .get(format!("{}/api/v1/correspondence/{id}/raw", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()["content-type"], "application/pdf");
    let pdf = raw.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    for want in [
        "100 Main Street",
        "Emeka Okafor",
        "1 Elm Street",
        "R2C 1A1",
        case["reference"].as_str().unwrap(),
        "Dear Emeka,",
        "Passport Program about Passport delayed",
        "Yours faithfully,",
        "on behalf of",
    ] {
        assert!(text.contains(want), "{want:?} in the letter:\n{text}");
    }
    // The sign-off is the template's: printed once, and no other.
    assert_eq!(text.matches("Yours").count(), 1, "{text}");
    let timeline = api
        .get(&format!("/api/v1/cases/{}/timeline", case["id"]))
        .await;
    assert!(
        timeline.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "letter_out" && e["correspondence_id"] == id)
    );
    // A letter written directly, with merge fields of its own.
    let direct = api.post(&format!("/api/v1/cases/{}/letters", case["id"]), json!({"body": "Dear {{ constituent.first_name }}, your reference is {{ case.reference }}."})).await;
    assert_eq!(direct.status, StatusCode::CREATED);
    // An email from the same template carries the merged text.
    let email = api
        .post(
            &format!("/api/v1/cases/{}/emails", case["id"]),
            json!({"template": "Passport update"}),
        )
        .await;
    assert_eq!(email.status, StatusCode::CREATED, "{:?}", email.body);
    let sent = api
        .get(&format!("/api/v1/correspondence/{}", email.body["id"]))
        .await;
    assert!(
        sent.body["text"]
            .as_str()
            .unwrap()
            .starts_with("Dear Emeka,")
    );
    assert!(
        sent.body["subject"]
            .as_str()
            .unwrap()
            .contains(case["reference"].as_str().unwrap())
    );
    // Volunteers do not write letters.
    let volunteer = t.user(office, Role::Volunteer).await;
    assert_eq!(
        t.api(&volunteer)
            .post(
                &format!("/api/v1/cases/{}/letters", case["id"]),
                json!({"body": "x"})
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

async fn a_merge_field_without_a_value_is_refused_naming_the_field(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api
        .post(
            "/api/v1/constituents",
            json!({"first_name": "No", "last_name": "Address"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let case = api.case(person, json!({})).await;
    let r = api
        .post(
            &format!("/api/v1/cases/{}/letters", case["id"]),
            json!({"body": "To {{ constituent.address }}"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["error"]["fields"]["body"]
            .as_str()
            .unwrap()
            .contains("constituent.address")
    );
    let unknown = api
        .post(
            &format!("/api/v1/cases/{}/letters", case["id"]),
            json!({"body": "Hi {{ constituent.shoe_size }}"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = api
        .post(
            &format!("/api/v1/cases/{}/letters", case["id"]),
            json!({"template": "Nope"}),
        )
        .await;
    assert_eq!(
        missing.body["error"]["fields"]["template"],
        "There is no template called \"Nope\"."
    );
    assert_eq!(
        api.get(&format!("/api/v1/cases/{}/correspondence", case["id"]))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing was written"
    );
}

async fn templates_are_edited_with_a_preview_by_managers_only(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let b = t.browser();
    b.sign_in(&manager.email, PASSWORD).await;
    let form = b.get("/templates/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let preview = b
        .post(
            "/templates",
            &[
                ("csrf", &csrf),
                ("name", "Welcome"),
                ("subject", "Hello"),
                ("body", "Dear {{ constituent.first_name }},"),
                ("action", "preview"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(
        preview.html.contains("Dear Jane,"),
        "sample values in the preview"
    );
    let broken = b
        .post(
            "/templates",
            &[
                ("csrf", &csrf),
                ("name", "Broken"),
                ("subject", "x"),
                ("body", "Dear {{ constituent.first_name"),
                ("action", "save"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    let saved = b
        .post(
            "/templates",
            &[
                ("csrf", &csrf),
                ("name", "Welcome"),
                ("subject", "Hello"),
                ("body", "Dear {{ constituent.first_name }},"),
                ("action", "save"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let w = t.browser();
    w.sign_in(&cw.email, PASSWORD).await;
    assert!(w.get("/templates").await.html.contains("Welcome"));
    assert_eq!(w.get("/templates/new").await.status, StatusCode::FORBIDDEN);
}

async fn letters_signed_by_the_representative_wait_for_approval_and_print_in_one_batch(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    t.template(
        &manager,
        "From the member",
        "A letter from your representative",
        "Dear {{ constituent.first_name }},\n\nI have raised your case personally.",
        true,
    )
    .await;
    let api = t.api(&cw);
    let (ann, bob) = (
        api.constituent("Ann", "Lee").await,
        api.constituent("Bob", "Stone").await,
    );
    let case_a = api.case(ann, json!({"title": "Benefits"})).await;
    let case_b = api.case(bob, json!({"title": "Housing"})).await;
    let signed = api
        .letter(&case_a["id"], json!({"template": "From the member"}))
        .await;
    let plain = api
        .letter(
            &case_b["id"],
            json!({"body": "Dear Bob,\n\nWe wrote to the council."}),
        )
        .await;

    // The caseworker sees both in the print queue; the signed one waits.
    let b = t.browser();
    b.sign_in(&cw.email, crate::harness::PASSWORD).await;
    let queue = b.get("/letters").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(
        queue.html.contains("Waiting for approval"),
        "{}",
        queue.html
    );
    let csrf = queue.csrf();
    let (fa, fb) = (format!("letter_{signed}"), format!("letter_{plain}"));
    let refused = b
        .post(
            "/letters/print",
            &[("csrf", &csrf), (&fa, "on"), (&fb, "on")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("waiting for approval"),
        "{}",
        refused.html
    );
    // A caseworker cannot approve it; the manager can.
    let denied = b
        .post(
            &format!("/correspondence/{signed}/approve"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let m = t.browser();
    m.sign_in(&manager.email, crate::harness::PASSWORD).await;
    let page = m.get(&format!("/correspondence/{signed}")).await;
    assert!(page.html.contains("Approve this letter"));
    let approved = m
        .post(
            &format!("/correspondence/{signed}/approve"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.html);
    let again = m
        .post(
            &format!("/correspondence/{signed}/approve"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "approved once"
    );

    // Now both print, as one PDF, and leave the queue.
    let res = b
        .client
        .post(format!("{}/letters/print", b.base))
        .form(&[
            ("csrf", csrf.as_str()),
            (fa.as_str(), "on"),
            (fb.as_str(), "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let text = pdf_text(&res.bytes().await.unwrap());
    assert!(
        text.contains("Ann Lee") && text.contains("I have raised your case personally"),
        "{text}"
    );
    assert!(
        text.contains("Bob Stone") && text.contains("We wrote to the council"),
        "{text}"
    );
    assert!(
        text.find("Ann Lee") < text.find("Bob Stone"),
        "in the order they were made"
    );
    let queue = b.get("/letters").await;
    assert!(queue.html.contains("Nothing to print"), "{}", queue.html);
    // Nothing chosen, or a letter of another office: refused, nothing printed.
    let none = b.post("/letters/print", &[("csrf", &csrf)]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    let other = t.office("Other").await;
    let stranger = t.user(other, Role::Caseworker).await;
    let sb = t.browser();
    sb.sign_in(&stranger.email, crate::harness::PASSWORD).await;
    let sq = sb.get("/letters").await;
    let theirs = sb
        .post("/letters/print", &[("csrf", &sq.csrf()), (&fb, "on")])
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
}

async fn the_api_lists_approves_and_prints_letters_and_printed_ones_print_again(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let rep = t.user(office, Role::Representative).await;
    t.template(
        &manager,
        "Signed",
        "From your representative",
        "Dear {{ constituent.first_name }},\n\nI have written to the minister.",
        true,
    )
    .await;
    let api = t.api(&cw);
    let person = api.constituent("Cora", "Vance").await;
    let k = api.case(person, json!({"title": "Pension"})).await["id"]
        .as_i64()
        .unwrap();
    let signed = api.letter(k, json!({"template": "Signed"})).await;

    let print = |who: &crate::harness::TestUser, ids: serde_json::Value| {
        let (base, token) = (t.base.clone(), who.token.clone());
        async move {
            reqwest::Client::new()
                .post(format!("{base}/api/v1/letters/print"))
                .bearer_auth(token)
                .json(&json!({ "ids": ids }))
                .send()
                .await
                .unwrap()
        }
    };
    // The same letter made twice is two letters (not a clash of identical PDFs).
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = api
            .post(
                &format!("/api/v1/cases/{k}/letters"),
                json!({"body": "Dear Cora,\n\nA copy for your records."}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        ids.push(r.body["id"].as_i64().unwrap());
    }
    assert_ne!(ids[0], ids[1]);
    let copies = print(&cw, json!(ids)).await;
    assert_eq!(copies.status(), StatusCode::OK);

    // The queue, through the API: the letter waits for approval.
    let queue = api.get("/api/v1/letters").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert_eq!(queue.body["items"][0]["id"], signed);
    assert_eq!(queue.body["items"][0]["approval"], "awaiting");
    assert!(queue.body["items"][0]["printed_at"].is_null());
    let refused = print(&cw, json!([signed])).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("waiting for approval")
    );

    // Approval: not by a caseworker; by the representative, once.
    let r = api
        .post(&format!("/api/v1/letters/{signed}/approve"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let rapi = t.api(&rep);
    let r = rapi
        .post(&format!("/api/v1/letters/{signed}/approve"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["status"], "approved");
    let r = rapi
        .post(&format!("/api/v1/letters/{signed}/approve"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Printed through the API: a PDF with the letter, and it leaves the queue.
    let res = print(&cw, json!([signed])).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let text = pdf_text(&res.bytes().await.unwrap());
    assert!(text.contains("I have written to the minister"), "{text}");
    assert_eq!(
        api.get("/api/v1/letters").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let printed = api.get("/api/v1/letters?printed=true").await.body;
    assert_eq!(printed["items"][0]["id"], signed);
    // (RFC 3339 times leave out a zero fraction, so compare the stored times.)
    let printed_at = || async {
        t.data(office).letters_printed(10).await.unwrap()[0]
            .printed_at
            .unwrap()
    };
    let first_print = printed_at().await;

    // Printed again from the letters page's "Printed recently" list.
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let page = b.get("/letters").await;
    assert!(page.html.contains("Printed recently"), "{}", page.html);
    assert!(page.html.contains("Print the ticked letters again"));
    let field = format!("letter_{signed}");
    let res = b
        .client
        .post(format!("{}/letters/print", b.base))
        .form(&[("csrf", page.csrf().as_str()), (field.as_str(), "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(pdf_text(&res.bytes().await.unwrap()).contains("I have written to the minister"));
    let again = api.get("/api/v1/letters?printed=true").await.body;
    // Three printed letters (the two copies and this one), this one newest.
    assert_eq!(again["items"].as_array().unwrap().len(), 3);
    assert_eq!(again["items"][0]["id"], signed);
    assert!(again["items"][0]["printed_at"].is_string());
    assert!(printed_at().await >= first_print);

    // Refusals: nothing chosen, a letter of another office, a volunteer,
    // and an unreadable body.
    let res = print(&cw, json!([])).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let other = t.office("Other").await;
    let stranger = t.user(other, Role::OfficeManager).await;
    assert_eq!(
        print(&stranger, json!([signed])).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.api(&stranger)
            .post(&format!("/api/v1/letters/{signed}/approve"), json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let volunteer = t.user(office, Role::Volunteer).await;
    assert_eq!(
        t.api(&volunteer).get("/api/v1/letters").await.status,
        StatusCode::FORBIDDEN
    );
    let r = api
        .post("/api/v1/letters/print", json!({"ids": "all"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_letter_on_a_sensitive_case_waits_for_approval_and_case_dates_merge(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Dara", "Quill").await;
    let k = api
        .case(
            person,
            json!({"sensitivity": "sensitive", "assignee_id": cw.id, "review_date": "2026-12-07"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let body = "Dear {{ constituent.first_name }},\n\nWe opened your case on {{ case.opened }} and will review it on {{ case.review_date }}.";
    // The caseworker's letter on a sensitive case waits for approval.
    let r = api
        .post(&format!("/api/v1/cases/{k}/letters"), json!({"body": body}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let held = r.body["id"].as_i64().unwrap();
    let queue = api.get("/api/v1/letters").await.body;
    assert_eq!(queue["items"][0]["id"], held);
    assert_eq!(queue["items"][0]["approval"], "awaiting");
    let timeline = api.get(&format!("/api/v1/cases/{k}/timeline")).await.body;
    assert!(
        timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["body"]
                .as_str()
                .unwrap_or("")
                .contains("sensitive case: waiting for approval")),
        "{timeline}"
    );
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/letters/print", t.base))
        .bearer_auth(&cw.token)
        .json(&json!({"ids": [held]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The office manager's own letter there is approved as it is made.
    let m = t
        .api(&manager)
        .post(&format!("/api/v1/cases/{k}/letters"), json!({"body": body}))
        .await;
    assert_eq!(m.status, StatusCode::CREATED, "{:?}", m.body);
    let listed = t.api(&manager).get("/api/v1/letters").await.body;
    let mine = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == m.body["id"])
        .unwrap()
        .clone();
    assert_eq!(mine["approval"], "approved");
    // The dates are written out in the letter.
    let raw = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/correspondence/{}/raw",
            t.base, m.body["id"]
        ))
        .bearer_auth(&manager.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    // Words as they read, however the lines wrap.
    let text = pdf_text(&raw)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("review it on 7 December 2026"), "{text}");
    assert!(text.contains("We opened your case on "), "{text}");
    // A case without a review date: the field is named, nothing is made.
    let plain = api.case(person, json!({})).await["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/api/v1/cases/{plain}/letters"),
            json!({"body": body}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["error"]["fields"]["body"]
            .as_str()
            .unwrap()
            .contains("case.review_date"),
        "{:?}",
        r.body
    );
}

async fn the_letterhead_logo_is_on_letters_made_after_it_is_set(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Lena", "Holt").await;
    let k = api.case(person, json!({})).await["id"].as_i64().unwrap();
    let letter = || {
        let (api, path) = (&api, format!("/api/v1/cases/{k}/letters"));
        async move {
            let r = api.post(&path, json!({"body": "Dear Lena,"})).await;
            assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
            let id = r.body["id"].as_i64().unwrap();
            let pdf = api
                .client
                .get(format!("{}/api/v1/correspondence/{id}/raw", api.base))
                .bearer_auth(&api.token)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .to_vec();
            (id, pdf)
        }
    };
    let m = t.browser();
    m.sign_in(&manager.email, PASSWORD).await;
    let page = m.get("/templates").await;
    assert!(page.html.contains("enctype=\"multipart/form-data\""));
    assert!(!page.html.contains("Remove the logo"));
    let csrf = page.csrf();
    let post = |b: &crate::harness::Browser, form: reqwest::multipart::Form| {
        let req = b
            .client
            .post(format!("{}/templates/letterhead", b.base))
            .multipart(form);
        async move { req.send().await.unwrap() }
    };
    let form = |csrf: &str, text: &str| {
        reqwest::multipart::Form::new()
            .text("csrf", csrf.to_owned())
            .text("letterhead", text.to_owned())
    };
    let file = |bytes: Vec<u8>, name: &str| {
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned())
    };

    // Not an image: refused, the letterhead's text not saved either.
    let res = post(
        &m,
        form(&csrf, "1 New Street").part("logo", file(b"GIF89a".to_vec(), "logo.gif")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("must be a PNG or JPEG"));
    let (_, before) = letter().await;
    assert!(pdf_text(&before).contains("Office") && !pdf_text(&before).contains("1 New Street"));
    assert!(pdf_images(&before).is_empty());
    // A caseworker may not change it.
    let c = t.browser();
    c.sign_in(&cw.email, PASSWORD).await;
    let res = post(
        &c,
        form(&c.csrf().await, "x").part("logo", file(png(4, 4), "logo.png")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The manager sets a logo: it is shown on the page, and on letters from now on.
    let res = post(
        &m,
        form(&csrf, "1 New Street").part("logo", file(png(120, 40), "logo.png")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = m.get("/templates").await;
    assert!(
        page.html.contains("/templates/letterhead/logo") && page.html.contains("Remove the logo")
    );
    let shown = m
        .client
        .get(format!("{}/templates/letterhead/logo", m.base))
        .send()
        .await
        .unwrap();
    assert_eq!(shown.headers()["content-type"], "image/png");
    let (with_logo, pdf) = letter().await;
    assert_eq!(pdf_images(&pdf), [(120, 40)]);
    assert!(pdf_text(&pdf).contains("1 New Street"));

    // Removed: later letters have none; the earlier one, printed again, keeps it.
    let res = post(&m, form(&csrf, "1 New Street").text("remove_logo", "on")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, after) = letter().await;
    assert!(pdf_images(&after).is_empty());
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/letters/print", t.base))
        .bearer_auth(&cw.token)
        .json(&json!({"ids": [with_logo]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(pdf_images(&res.bytes().await.unwrap()), [(120, 40)]);
}

/// The text of one page of a PDF.
fn page_text(pdf: &[u8], page: usize) -> String {
    let n = page.to_string();
    poppler("pdftotext", &["-f", &n, "-l", &n], pdf, &["-"])
}

/// `pdfinfo`'s "Pages" and "Page size" lines.
fn pdf_info(pdf: &[u8]) -> (usize, String) {
    let info = poppler("pdfinfo", &[], pdf, &[]);
    let field = |name: &str| {
        info.lines()
            .find(|l| l.starts_with(name))
            .map(|l| l[name.len()..].trim().to_owned())
            .unwrap_or_default()
    };
    (field("Pages:").parse().unwrap_or(0), field("Page size:"))
}

async fn letter_pdf(api: &crate::harness::Api, id: i64) -> Vec<u8> {
    let raw = api
        .client
        .get(format!("{}/api/v1/correspondence/{id}/raw", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::OK);
    raw.bytes().await.unwrap().to_vec()
}

/// Names in each script an office writes to (Chinese, Japanese and Korean
/// come from the machine's fonts: fonts-noto-cjk, which .ci/run installs).
const NAMES: &[&str] = &[
    "Łukasz Wróblewski",
    "Nguyễn Thị Minh Khai",
    "Αλέξανδρος Παπαδόπουλος",
    "Александр Щербаков",
    "محمد عبد الرحمن",
    "صلاح الدين",
    "דוד בן גוריון",
    "王秀英",
    "山田 はなこ",
    "김민준",
];

async fn letters_print_every_script_on_the_office_paper_and_drafts_are_marked_until_approved(
    t: TestApp,
) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let rep = t.user(office, Role::Representative).await;
    let manager_actor = t.actor(&manager).await;
    casework_app::letters::save_letterhead(
        &t.app,
        &manager_actor,
        &casework_app::views::LetterSettings {
            letterhead: "100 Main Street".into(),
            paper: "letter".into(),
            signature_title: "Member for Riverside Centre".into(),
        },
        casework_app::letters::LogoChange::Keep,
    )
    .await
    .unwrap();
    // A paper the office cannot have is refused, naming the field.
    let bad = casework_app::letters::save_letterhead(
        &t.app,
        &manager_actor,
        &casework_app::views::LetterSettings {
            paper: "foolscap".into(),
            ..Default::default()
        },
        casework_app::letters::LogoChange::Keep,
    )
    .await;
    assert!(format!("{bad:?}").contains("paper"), "{bad:?}");
    t.template(
        &manager,
        "From the member",
        "A letter from your representative",
        &format!(
            "Dear {{{{ constituent.first_name }}}},\n\n{}\n\nYours sincerely,\n\n{{{{ signer.name }}}}\n{{{{ signer.title }}}}",
            "I have raised your case personally. ".repeat(150)
        ),
        true,
    )
    .await;
    let api = t.api(&cw);
    let person = api.constituent("Minh", "Nguyễn").await;
    let case = api.case(person, json!({"title": "Passport"})).await;

    // Written to names in every script: each read back exactly.
    let id = api
        .letter(
            &case["id"],
            json!({"to": NAMES, "body": NAMES.iter().map(|n| format!("Dear {n},")).collect::<Vec<_>>().join("\n\n")}),
        )
        .await;
    let pdf = letter_pdf(&api, id).await;
    let (pages, size) = pdf_info(&pdf);
    assert_eq!(pages, 1);
    assert!(size.starts_with("612 x 792"), "US Letter: {size}");
    // pdftotext wraps right-to-left runs in directional marks (U+202B …
    // U+202C), invisible formatting; the names inside are exact.
    let text: String = pdf_text(&pdf)
        .chars()
        .filter(|c| !('\u{202a}'..='\u{202e}').contains(c))
        .collect();
    for name in NAMES {
        assert!(
            text.lines().any(|l| l.trim() == *name),
            "{name} in:\n{text}"
        );
        assert!(
            text.contains(&format!("Dear {name},")),
            "Dear {name}, in:\n{text}"
        );
    }
    assert!(!text.contains('?'), "{text}");
    assert!(
        !text.contains("DRAFT"),
        "a letter needing no approval is final"
    );

    // Signed by the representative, made by a caseworker: DRAFT on every
    // page until approved, signed with the office's title.
    let signed = api
        .letter(&case["id"], json!({"template": "From the member"}))
        .await;
    let draft = letter_pdf(&api, signed).await;
    let (pages, _) = pdf_info(&draft);
    assert!(pages >= 2, "a long letter: {pages} pages");
    for page in 1..=pages {
        assert!(page_text(&draft, page).contains("DRAFT"), "page {page}");
    }
    let text = pdf_text(&draft);
    assert!(
        text.contains(&format!(
            "{}\nMember for Riverside Centre",
            t.actor(&rep).await.display_name
        )),
        "{text}"
    );
    assert_eq!(text.matches("Yours sincerely,").count(), 1);
    let approved = t
        .api(&manager)
        .post(&format!("/api/v1/letters/{signed}/approve"), json!({}))
        .await;
    assert!(approved.status.is_success(), "{:?}", approved.body);
    let final_pdf = letter_pdf(&api, signed).await;
    assert!(!pdf_text(&final_pdf).contains("DRAFT"));
    assert!(pdf_text(&final_pdf).contains("Member for Riverside Centre"));
    assert_eq!(pdf_info(&final_pdf).0, pages, "the same letter, unmarked");
}

async fn a_new_office_starts_with_templates_that_sign_off_once(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Ann", "Lee").await;
    let case = api.case(person, json!({"title": "Benefits"})).await;
    for name in ["Acknowledgement", "Update on your case", "Consent form"] {
        let id = api.letter(&case["id"], json!({"template": name})).await;
        let text = pdf_text(&letter_pdf(&api, id).await);
        assert_eq!(
            text.matches("Yours sincerely,").count(),
            1,
            "{name}:\n{text}"
        );
        assert!(
            text.contains(&format!(
                "{}\non behalf of",
                t.actor(&cw).await.display_name
            )),
            "{name}:\n{text}"
        );
    }
    // The letter to an agency is for enquiries: outside one it says which
    // field has no value, and nothing is written.
    let r = api
        .post(
            &format!("/api/v1/cases/{}/letters", case["id"]),
            json!({"template": "Letter to an agency"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["error"]["fields"]["template"]
            .as_str()
            .unwrap()
            .contains("enquiry."),
        "{:?}",
        r.body
    );
}

async fn a_letter_is_shown_filled_before_it_is_made(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Ann", "Lee").await;
    let case = api.case(person, json!({"title": "Benefits"})).await;
    let path = format!("/cases/{}/letters", case["id"]);
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let form = b.get(&format!("{path}/new")).await;
    let csrf = form.csrf();
    let shown = b
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("template", "Acknowledgement"),
                ("body", "Dear {{ constituent.first_name }},"),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.html);
    assert!(shown.html.contains("The letter as it will be made"));
    assert!(shown.html.contains("Dear Ann,"), "{}", shown.html);
    assert!(shown.html.contains("about Benefits"), "{}", shown.html);
    let letters = || async {
        api.get(&format!("/api/v1/cases/{}/correspondence", case["id"]))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(letters().await, 0, "nothing made by showing it");
    // A field with no value is named before anything is made.
    let refused = b
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("body", "At {{ enquiry.asked }}"),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("enquiry.asked"));
    let made = b
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("template", "Acknowledgement"),
                ("body", "Dear {{ constituent.first_name }},"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    assert_eq!(letters().await, 1);
}

async fn templates_are_listed_read_and_saved_through_the_api(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let m = t.api(&manager);
    let made = m
        .post(
            "/api/v1/templates",
            json!({"name": "Chaser", "subject": "About {{ case.reference }}", "body": "Dear {{ constituent.first_name }},\n\nYours sincerely,\n\n{{ signer.name }}"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let id = made.body["id"].as_i64().unwrap();
    let version = made.body["version"].as_i64().unwrap();
    // Listed with the starters, and read by anyone in the office.
    let api = t.api(&cw);
    let names: Vec<String> = api.get("/api/v1/templates").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&"Chaser".to_owned()) && names.contains(&"Acknowledgement".to_owned()));
    assert_eq!(
        api.get(&format!("/api/v1/templates/{id}")).await.body["subject"],
        "About {{ case.reference }}"
    );
    // Saved against its version; a stale version is a conflict.
    let path = format!("/api/v1/templates/{id}");
    let body = |v: i64| json!({"name": "Chaser", "body": "Dear {{ constituent.first_name }}, still waiting.", "version": v});
    let saved = m
        .send(reqwest::Method::PUT, &path, Some(body(version)), &[])
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    assert_eq!(saved.body["version"], version + 1);
    let stale = m
        .send(reqwest::Method::PUT, &path, Some(body(version)), &[])
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    // Broken syntax is refused naming the field; caseworkers may not save.
    let broken = m
        .post(
            "/api/v1/templates",
            json!({"name": "Broken", "body": "Dear {{ constituent.first_name"}),
        )
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        broken.body["error"]["fields"]["body"].is_string(),
        "{:?}",
        broken.body
    );
    let denied = api
        .post(
            "/api/v1/templates",
            json!({"name": "Mine", "body": "Hello"}),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    // Another office's template does not exist.
    let other = t.office("Other").await;
    let stranger = t.user(other, Role::OfficeManager).await;
    assert_eq!(
        t.api(&stranger).get(&path).await.status,
        StatusCode::NOT_FOUND
    );
}
